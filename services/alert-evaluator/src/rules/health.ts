/** Signal-quality checks on one packet's samples: a dead or saturated geophone looks like calm ground. */
export interface SignalHealth {
  flatLined: boolean;
  clipped: boolean;
  /** share of samples at the clip level */
  clippedShare: number;
}

export interface HealthThresholds {
  /** peak-to-peak below this on every axis (mm/s) means the sensor reports nothing */
  flatLinePeakToPeakMmS: number;
  /** |v| at or above this is at the instrument's range */
  clipLevelMmS: number;
  /** share of samples at the clip level that counts as clipping */
  clipShare: number;
}

export const DEFAULT_HEALTH: HealthThresholds = { flatLinePeakToPeakMmS: 1e-6, clipLevelMmS: 250, clipShare: 0.01 };

export function signalHealth(samples: { x: ArrayLike<number>; y: ArrayLike<number>; z: ArrayLike<number> }, thresholds: HealthThresholds): SignalHealth {
  let flat = true;
  let clipped = 0;
  let total = 0;
  for (const axis of [samples.x, samples.y, samples.z]) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < axis.length; i++) {
      const v = axis[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      if (Math.abs(v) >= thresholds.clipLevelMmS) clipped += 1;
    }
    total += axis.length;
    if (max - min > thresholds.flatLinePeakToPeakMmS) flat = false;
  }
  const clippedShare = total === 0 ? 0 : clipped / total;
  return { flatLined: flat, clipped: clippedShare >= thresholds.clipShare, clippedShare };
}
