import type { Signal } from './types.js';

/** One-sided spectrum of a real signal: bins 0..n/2, bin k at k·sampleRate/n Hz. */
export interface RealSpectrum {
  readonly size: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Smallest power of two ≥ n (and ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

interface Plan {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly bitReversed: Uint32Array;
}

// Packet lengths come from a handful of sizes, so tables are worth keeping for the process's life.
const plans = new Map<number, Plan>();

function planFor(m: number): Plan {
  let plan = plans.get(m);
  if (plan) return plan;
  const half = m >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let j = 0; j < half; j++) {
    cos[j] = Math.cos((2 * Math.PI * j) / m);
    sin[j] = Math.sin((2 * Math.PI * j) / m);
  }
  const bits = Math.round(Math.log2(m));
  const bitReversed = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
    bitReversed[i] = r;
  }
  plan = { cos, sin, bitReversed };
  plans.set(m, plan);
  return plan;
}

const untangleTables = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function untangleTableFor(n: number): { cos: Float64Array; sin: Float64Array } {
  let table = untangleTables.get(n);
  if (table) return table;
  const m = n / 2;
  const cos = new Float64Array(m + 1);
  const sin = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  table = { cos, sin };
  untangleTables.set(n, table);
  return table;
}

/** In-place iterative radix-2 complex FFT (forward, e^{-2πi·jk/m}) of length m = re.length. */
function complexFft(re: Float64Array, im: Float64Array): void {
  const m = re.length;
  if (m < 2) return;
  const { cos, sin, bitReversed } = planFor(m);
  for (let i = 0; i < m; i++) {
    const j = bitReversed[i]!;
    if (j > i) {
      const tr = re[i]!;
      re[i] = re[j]!;
      re[j] = tr;
      const ti = im[i]!;
      im[i] = im[j]!;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= m; len *= 2) {
    const halfLen = len >> 1;
    const stride = m / len;
    for (let start = 0; start < m; start += len) {
      for (let k = 0; k < halfLen; k++) {
        const wr = cos[k * stride]!;
        const wi = -sin[k * stride]!;
        const a = start + k;
        const b = a + halfLen;
        const br = re[b]!;
        const bi = im[b]!;
        const tr = br * wr - bi * wi;
        const ti = br * wi + bi * wr;
        const ar = re[a]!;
        const ai = im[a]!;
        re[b] = ar - tr;
        im[b] = ai - ti;
        re[a] = ar + tr;
        im[a] = ai + ti;
      }
    }
  }
}

/**
 * FFT of a real buffer whose length n is a power of two ≥ 2. Runs one complex FFT of n/2
 * points over the even/odd samples packed as re/im and untangles the halves, which halves
 * the work against a complex FFT of the zero-imaginary input.
 */
export function realFftOfBuffer(buffer: Float64Array): RealSpectrum {
  const n = buffer.length;
  if (!isPowerOfTwo(n) || n < 2) throw new RangeError(`FFT size must be a power of two ≥ 2, got ${n}`);
  const m = n / 2;
  const zr = new Float64Array(m);
  const zi = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    zr[k] = buffer[2 * k]!;
    zi[k] = buffer[2 * k + 1]!;
  }
  complexFft(zr, zi);
  const twiddle = untangleTableFor(n);
  const re = new Float64Array(m + 1);
  const im = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    const a = zr[k % m]!;
    const b = zi[k % m]!;
    const c = zr[(m - k) % m]!;
    const d = zi[(m - k) % m]!;
    // even part (Z[k] + conj Z[m-k]) / 2 and odd part (Z[k] - conj Z[m-k]) / 2i
    const er = (a + c) / 2;
    const ei = (b - d) / 2;
    const or = (b + d) / 2;
    const oi = (c - a) / 2;
    const wr = twiddle.cos[k]!;
    const wi = -twiddle.sin[k]!;
    re[k] = er + (or * wr - oi * wi);
    im[k] = ei + (or * wi + oi * wr);
  }
  return { size: n, re, im };
}

/**
 * FFT of a real signal, zero-padded to `size` (default: the next power of two ≥ its length).
 * Returns the n/2 + 1 non-negative-frequency bins, unscaled (bin 0 is Σx).
 */
export function realFft(signal: Signal, size = Math.max(2, nextPowerOfTwo(signal.length))): RealSpectrum {
  if (!isPowerOfTwo(size) || size < 2) throw new RangeError(`FFT size must be a power of two ≥ 2, got ${size}`);
  if (size < signal.length) throw new RangeError(`FFT size ${size} is shorter than the signal (${signal.length})`);
  const buffer = new Float64Array(size);
  for (let i = 0; i < signal.length; i++) buffer[i] = signal[i]!;
  return realFftOfBuffer(buffer);
}
