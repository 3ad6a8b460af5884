import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

type Signal = ArrayLike<number>;

/** Three components of particle velocity (mm/s), equal lengths. */
export interface Triaxial {
  readonly x: Signal;
  readonly y: Signal;
  readonly z: Signal;
}

/**
 * Maeda's (1985) AIC computed straight from the samples of `signal[from, to)`:
 *
 *     AIC(k) = k·ln(var(x[from, from+k))) + (N − k − 1)·ln(var(x[from+k, to)))
 *
 * Its minimum splits the window into two stationary pieces: noise before the onset, signal
 * after. Prefix sums make it O(N). Returns AIC per split (NaN where a side has < 2 samples).
 */
export function aicFunction(signal: Signal, from = 0, to = signal.length): Float64Array {
  const n = to - from;
  if (n < 5 || from < 0 || to > signal.length) throw new RangeError(`AIC needs a window of ≥ 5 samples inside the signal, got [${from}, ${to}) of ${signal.length}`);
  const sum = new Float64Array(n + 1);
  const sumSq = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = signal[from + i]!;
    sum[i + 1] = sum[i]! + v;
    sumSq[i + 1] = sumSq[i]! + v * v;
  }
  // A flat stretch (a digital zero) would give ln(0); a floor keeps the split finite and still lowest there.
  const floor = 1e-30 + (sumSq[n]! / n) * 1e-12;
  const aic = new Float64Array(n).fill(Number.NaN);
  for (let k = 2; k <= n - 2; k++) {
    const m1 = sum[k]! / k;
    const var1 = Math.max(floor, sumSq[k]! / k - m1 * m1);
    const r = n - k;
    const m2 = (sum[n]! - sum[k]!) / r;
    const var2 = Math.max(floor, (sumSq[n]! - sumSq[k]!) / r - m2 * m2);
    aic[k] = k * Math.log(var1) + (r - 1) * Math.log(var2);
  }
  return aic;
}

function argMin(values: Float64Array): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!) && (best < 0 || values[i]! < values[best]!)) best = i;
  return best;
}

/** Index (in the whole signal) where the summed AIC of several components is lowest. */
function componentAicOnset(components: Signal[], from: number, to: number): number {
  const total = new Float64Array(to - from);
  for (const component of components) {
    const aic = aicFunction(component, from, to);
    for (let i = 0; i < total.length; i++) total[i] = total[i]! + aic[i]!;
  }
  return from + argMin(total);
}

function rmsOf(components: Signal[], from: number, to: number): number {
  let sum = 0;
  let count = 0;
  for (const c of components)
    for (let i = Math.max(0, from); i < Math.min(c.length, to); i++) {
      sum += c[i]! * c[i]!;
      count++;
    }
  return count === 0 ? 0 : Math.sqrt(sum / count);
}

export interface PickerOptions {
  /** how far before the STA/LTA trigger the onset may lie, s (the trigger lags the onset). Default 0.3 */
  readonly preTriggerSeconds?: number;
  /** how far after the trigger the P window runs, s. Default 0.05 */
  readonly postTriggerSeconds?: number;
  /** P polarisation is measured over this much signal after the P pick, s. Default 0.006 */
  readonly polarisationSeconds?: number;
  /** the S search runs from P + this to P + maxSMinusPSeconds. Default 0.006 */
  readonly minSMinusPSeconds?: number;
  /** longest S − P time the array allows (its aperture / (vs·vp/(vp − vs))), s. Default 0.25 */
  readonly maxSMinusPSeconds?: number;
  /** an S pick is kept only if transverse RMS after it is this many times the RMS before. Default 2 */
  readonly minSAmplitudeRatio?: number;
  /** a P pick is kept only if its signal-to-noise amplitude ratio reaches this. Default 3 */
  readonly minSnr?: number;
  /** a weaker onset before the strongest one is taken as P (and the strongest as S) from this SNR. Default 2.5 */
  readonly minEarlierSnr?: number;
}

export interface OnsetPicks {
  /** sample index of the P onset in the given samples */
  readonly pIndex: number;
  /** RMS after / RMS before the P pick over `preTriggerSeconds` */
  readonly pSnr: number;
  /** unit vector of P particle motion (x, y, z), if it could be measured */
  readonly pPolarisation?: readonly [number, number, number];
  readonly sIndex?: number;
  readonly sAmplitudeRatio?: number;
}

const DEFAULTS = {
  preTriggerSeconds: 0.3,
  postTriggerSeconds: 0.05,
  polarisationSeconds: 0.006,
  minSMinusPSeconds: 0.006,
  maxSMinusPSeconds: 0.25,
  minSAmplitudeRatio: 2,
  minSnr: 3,
  minEarlierSnr: 2.5,
} satisfies Required<PickerOptions>;

/**
 * Refines an STA/LTA trigger into a P onset and, where visible, an S onset.
 *
 * P: the minimum of the AIC summed over the three components in [trigger − pre, trigger + post]
 * (each component's AIC has its minimum at the same onset whatever the ray's direction, so the
 * sum does not depend on sensor orientation). S: the P particle motion's principal direction is
 * measured just after the P pick; the two components transverse to it carry the S wave, and
 * their summed AIC from P + minSMinusP to P + maxSMinusP gives the S onset, kept only if the
 * transverse amplitude clearly rises there. Returns undefined when the P onset is not clear
 * (SNR below `minSnr`): a trigger without an onset is noise.
 */
export function pickOnsets(samples: Triaxial, sampleRateHz: number, triggerIndex: number, options: PickerOptions = {}): OnsetPicks | undefined {
  const o = { ...DEFAULTS, ...options };
  const { x, y, z } = samples;
  const length = Math.min(x.length, y.length, z.length);
  const from = Math.max(0, triggerIndex - Math.round(o.preTriggerSeconds * sampleRateHz));
  const to = Math.min(length, triggerIndex + Math.round(o.postTriggerSeconds * sampleRateHz) + 1);
  if (to - from < 10) return undefined;
  const components = [x, y, z];
  const first = componentAicOnset(components, from, to);
  const pre = Math.round(o.preTriggerSeconds * sampleRateHz);
  const post = Math.max(3, Math.round(o.postTriggerSeconds * sampleRateHz));
  const snrAt = (index: number, until: number) => {
    const noise = rmsOf(components, index - pre, index);
    const signal = rmsOf(components, index, Math.min(until, index + post));
    return noise > 0 ? signal / noise : Number.POSITIVE_INFINITY;
  };
  const firstSnr = snrAt(first, length);
  if (!(firstSnr >= o.minSnr)) return undefined;
  // Where P is weak (a third of S for a shear source), the trigger and the strongest onset are S:
  // a clear, weaker onset before it, at a plausible S − P time, is the P.
  const minGap = Math.max(1, Math.round(o.minSMinusPSeconds * sampleRateHz));
  if (first - from > minGap + 10) {
    const earlier = componentAicOnset(components, from, first - minGap + 1);
    const earlierSnr = snrAt(earlier, first);
    if (earlierSnr >= o.minEarlierSnr && first - earlier <= Math.round(o.maxSMinusPSeconds * sampleRateHz)) {
      return { pIndex: earlier, pSnr: earlierSnr, sIndex: first, sAmplitudeRatio: firstSnr / earlierSnr };
    }
  }
  const pIndex = first;
  const pSnr = firstSnr;

  const polLength = Math.max(3, Math.round(o.polarisationSeconds * sampleRateHz));
  if (pIndex + polLength > length) return { pIndex, pSnr };
  const pPolarisation = principalDirection(samples, pIndex, pIndex + polLength);
  const sFrom = pIndex + Math.max(1, Math.round(o.minSMinusPSeconds * sampleRateHz));
  const sTo = Math.min(length, pIndex + Math.round(o.maxSMinusPSeconds * sampleRateHz));
  if (sTo - sFrom < 10) return { pIndex, pSnr, pPolarisation };
  const [t1, t2] = transverse(samples, pPolarisation, pIndex, sTo);
  const sLocal = componentAicOnset([t1, t2], sFrom - pIndex, sTo - pIndex);
  const sIndex = pIndex + sLocal;
  const window = Math.max(3, polLength);
  const before = rmsOf([t1, t2], sLocal - window, sLocal);
  const after = rmsOf([t1, t2], sLocal, sLocal + window);
  const sAmplitudeRatio = before > 0 ? after / before : Number.POSITIVE_INFINITY;
  if (sAmplitudeRatio >= o.minSAmplitudeRatio) return { pIndex, pSnr, pPolarisation, sIndex, sAmplitudeRatio };
  return { pIndex, pSnr, pPolarisation };
}

/** Principal eigenvector of the 3×3 covariance of particle motion over [from, to). */
function principalDirection({ x, y, z }: Triaxial, from: number, to: number): [number, number, number] {
  const c = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let i = from; i < to; i++) {
    const v = [x[i]!, y[i]!, z[i]!];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) c[a]![b]! += v[a]! * v[b]!;
  }
  const evd = new EigenvalueDecomposition(new Matrix(c), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const largest = values.indexOf(Math.max(...values));
  const vector = evd.eigenvectorMatrix.getColumn(largest);
  const norm = Math.hypot(vector[0]!, vector[1]!, vector[2]!) || 1;
  return [vector[0]! / norm, vector[1]! / norm, vector[2]! / norm];
}

/** The two components of motion orthogonal to `direction`, over [from, to). */
function transverse({ x, y, z }: Triaxial, direction: readonly [number, number, number], from: number, to: number): [Float64Array, Float64Array] {
  const [px, py, pz] = direction;
  // Any vector not parallel to p, crossed with p, gives the first transverse axis.
  const helper = Math.abs(pz) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  let ax = py * helper[2]! - pz * helper[1]!;
  let ay = pz * helper[0]! - px * helper[2]!;
  let az = px * helper[1]! - py * helper[0]!;
  const n = Math.hypot(ax, ay, az);
  ax /= n;
  ay /= n;
  az /= n;
  const bx = py * az - pz * ay;
  const by = pz * ax - px * az;
  const bz = px * ay - py * ax;
  const t1 = new Float64Array(to - from);
  const t2 = new Float64Array(to - from);
  for (let i = from; i < to; i++) {
    t1[i - from] = x[i]! * ax + y[i]! * ay + z[i]! * az;
    t2[i - from] = x[i]! * bx + y[i]! * by + z[i]! * bz;
  }
  return [t1, t2];
}
