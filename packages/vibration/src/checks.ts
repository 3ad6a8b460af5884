import type { Signal, TriaxialSamples } from './types.js';

export function assertSampleRate(sampleRateHz: number): void {
  if (!Number.isFinite(sampleRateHz) || sampleRateHz <= 0) {
    throw new RangeError(`sample rate must be a positive finite number of Hz, got ${sampleRateHz}`);
  }
}

export function assertNonEmpty(signal: Signal, what = 'signal'): void {
  if (signal.length === 0) throw new RangeError(`${what} has no samples`);
}

/** Returns the common length; a triaxial record whose axes disagree is corrupt, not truncatable. */
export function triaxialLength(samples: TriaxialSamples): number {
  const n = samples.x.length;
  if (samples.y.length !== n || samples.z.length !== n) {
    throw new RangeError(
      `axes differ in length: x=${n}, y=${samples.y.length}, z=${samples.z.length}`,
    );
  }
  return n;
}
