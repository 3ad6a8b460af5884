import { assertNonEmpty, triaxialLength } from './checks.js';
import type { Signal, TriaxialSamples } from './types.js';

/** Peak particle velocity of one axis: max |v|, in the signal's unit (mm/s). */
export function ppv(signal: Signal): number {
  assertNonEmpty(signal);
  let peak = 0;
  for (let i = 0; i < signal.length; i++) {
    const a = Math.abs(signal[i]!);
    if (a > peak) peak = a;
  }
  return peak;
}

/**
 * Peak vector sum: max over samples of sqrt(x² + y² + z²). Not the vector sum of the three
 * PPVs, which overstates the motion whenever the axes peak at different instants.
 */
export function pvs(samples: TriaxialSamples): number {
  const n = triaxialLength(samples);
  assertNonEmpty(samples.x);
  const { x, y, z } = samples;
  let peakSquared = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i]!;
    const b = y[i]!;
    const c = z[i]!;
    const m = a * a + b * b + c * c;
    if (m > peakSquared) peakSquared = m;
  }
  return Math.sqrt(peakSquared);
}

/**
 * Root mean square of one axis, sqrt(Σv² / N). The mean is not removed: velocity from a
 * geophone has no DC, so an offset is a sensor fault that should show, not be hidden.
 */
export function rms(signal: Signal): number {
  assertNonEmpty(signal);
  let sum = 0;
  for (let i = 0; i < signal.length; i++) {
    const v = signal[i]!;
    sum += v * v;
  }
  return Math.sqrt(sum / signal.length);
}

/** RMS of the vector magnitude, sqrt(Σ(x² + y² + z²) / N); equals sqrt(rmsX² + rmsY² + rmsZ²). */
export function vectorRms(samples: TriaxialSamples): number {
  const n = triaxialLength(samples);
  assertNonEmpty(samples.x);
  const { x, y, z } = samples;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i]!;
    const b = y[i]!;
    const c = z[i]!;
    sum += a * a + b * b + c * c;
  }
  return Math.sqrt(sum / n);
}
