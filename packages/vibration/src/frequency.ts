import { assertNonEmpty, assertSampleRate, triaxialLength } from './checks.js';
import { nextPowerOfTwo, realFftOfBuffer } from './fft.js';
import type { Signal, TriaxialSamples } from './types.js';

export interface ZeroCrossingOptions {
  /**
   * Half-width of the dead band around zero, as a fraction of the peak |v - mean|. The signal
   * must leave the band on the other side before a crossing counts, so noise riding on a
   * slow zero crossing is not counted as extra cycles. 0 counts every sign change.
   * Default 0.2.
   */
  readonly hysteresis?: number;
}

/**
 * Dominant frequency in Hz from the zero-crossing rate of the mean-removed signal:
 * (crossings − 1) / (2 · (t_last − t_first)), with each crossing time linearly interpolated
 * between the two samples that straddle zero. Returns 0 when fewer than two crossings count.
 */
export function dominantFrequencyZeroCrossing(
  signal: Signal,
  sampleRateHz: number,
  options: ZeroCrossingOptions = {},
): number {
  assertSampleRate(sampleRateHz);
  assertNonEmpty(signal);
  const hysteresis = options.hysteresis ?? 0.2;
  if (!(hysteresis >= 0 && hysteresis < 1)) {
    throw new RangeError(`hysteresis must be in [0, 1), got ${hysteresis}`);
  }
  const n = signal.length;
  const mean = meanOf(signal);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(signal[i]! - mean);
    if (a > peak) peak = a;
  }
  if (peak === 0) return 0;
  const band = hysteresis * peak;

  let side = 0; // which side of the dead band the signal was last seen on
  let lastSignChange = Number.NaN; // interpolated time, in samples, of the latest raw sign change
  let first = Number.NaN;
  let last = Number.NaN;
  let count = 0;
  let prev = signal[0]! - mean;
  if (prev > band) side = 1;
  else if (prev < -band) side = -1;
  for (let i = 1; i < n; i++) {
    const v = signal[i]! - mean;
    if ((prev < 0 && v >= 0) || (prev >= 0 && v < 0)) {
      lastSignChange = i - 1 + prev / (prev - v);
    }
    // Strict comparisons: with band 0, a sample exactly at zero belongs to neither side.
    const now = v > band ? 1 : v < -band ? -1 : 0;
    if (now !== 0 && now !== side) {
      if (side !== 0 && !Number.isNaN(lastSignChange)) {
        if (count === 0) first = lastSignChange;
        last = lastSignChange;
        count++;
      }
      side = now;
    }
    prev = v;
  }
  if (count < 2 || !(last > first)) return 0;
  return ((count - 1) / (2 * (last - first))) * sampleRateHz;
}

/**
 * Dominant frequency in Hz from the spectrum: the mean is removed, a Hann window applied,
 * the record zero-padded to a power of two at least twice its length, and the largest
 * non-DC bin of the power spectrum refined by a parabola through the log power of it and its
 * neighbours (exact for a Gaussian peak, which a Hann main lobe closely is). Returns 0 for a
 * constant signal.
 */
export function dominantFrequencyFft(signal: Signal, sampleRateHz: number): number {
  assertSampleRate(sampleRateHz);
  assertNonEmpty(signal);
  const power = windowedPower(signal);
  return peakFrequency(power, sampleRateHz);
}

/**
 * Dominant frequency in Hz of triaxial motion: as {@link dominantFrequencyFft}, on the sum of
 * the three axes' power spectra, so the answer does not depend on how the sensor is oriented.
 * (The spectrum of the vector magnitude would not do: |v| of a sine oscillates at twice its
 * frequency.)
 */
export function vectorDominantFrequencyFft(samples: TriaxialSamples, sampleRateHz: number): number {
  assertSampleRate(sampleRateHz);
  triaxialLength(samples);
  assertNonEmpty(samples.x);
  const power = windowedPower(samples.x);
  const py = windowedPower(samples.y);
  const pz = windowedPower(samples.z);
  for (let k = 0; k < power.length; k++) power[k] = power[k]! + py[k]! + pz[k]!;
  return peakFrequency(power, sampleRateHz);
}

function meanOf(signal: Signal): number {
  let sum = 0;
  for (let i = 0; i < signal.length; i++) sum += signal[i]!;
  return sum / signal.length;
}

/** |X[k]|² for k = 0..size/2 of the mean-removed, Hann-windowed, zero-padded signal. */
function windowedPower(signal: Signal): Float64Array {
  const n = signal.length;
  const size = nextPowerOfTwo(2 * n);
  const buffer = new Float64Array(size);
  const mean = meanOf(signal);
  // Periodic Hann: on a length-n record it is the DFT-even window whose leakage is textbook.
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    buffer[i] = (signal[i]! - mean) * w;
  }
  const { re, im } = realFftOfBuffer(buffer);
  const power = new Float64Array(re.length);
  for (let k = 0; k < re.length; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  return power;
}

function peakFrequency(power: Float64Array, sampleRateHz: number): number {
  const last = power.length - 1; // the Nyquist bin
  const size = 2 * last;
  let best = 0;
  let bestPower = 0;
  for (let k = 1; k <= last; k++) {
    if (power[k]! > bestPower) {
      bestPower = power[k]!;
      best = k;
    }
  }
  if (best === 0) return 0;
  let offset = 0;
  if (best < last) {
    const left = power[best - 1]!;
    const right = power[best + 1]!;
    if (left > 0 && right > 0) {
      const a = Math.log(left);
      const b = Math.log(bestPower);
      const c = Math.log(right);
      const curvature = a - 2 * b + c;
      if (curvature < 0) offset = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curvature));
    }
  }
  return ((best + offset) * sampleRateHz) / size;
}
