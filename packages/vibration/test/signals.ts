/** Deterministic test signals: the same seed gives the same samples on every run. */

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian white noise of standard deviation sigma (Box–Muller). */
export function noise(length: number, sigma: number, seed: number): Float64Array {
  const random = prng(seed);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const u = 1 - random(); // (0, 1], so the log is finite
    const v = random();
    out[i] = sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

/** A·sin(2πf·t + phase) sampled at sampleRateHz, t = i / sampleRateHz. */
export function sine(
  length: number,
  amplitude: number,
  frequencyHz: number,
  sampleRateHz: number,
  phase = 0,
): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz + phase);
  }
  return out;
}

export function add(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

export function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}
