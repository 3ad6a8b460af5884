import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noise } from '../test/signals.js';
import { isPowerOfTwo, nextPowerOfTwo, realFft } from './fft.js';

function naiveDft(signal: Float64Array, size: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(size / 2 + 1);
  const im = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) {
    for (let t = 0; t < signal.length; t++) {
      const angle = (-2 * Math.PI * k * t) / size;
      re[k] = re[k]! + signal[t]! * Math.cos(angle);
      im[k] = im[k]! + signal[t]! * Math.sin(angle);
    }
  }
  return { re, im };
}

describe('nextPowerOfTwo', () => {
  it('rounds up to a power of two', () => {
    assert.deepEqual([0, 1, 2, 3, 1000, 1024, 1025].map(nextPowerOfTwo), [1, 1, 2, 4, 1024, 1024, 2048]);
    assert.equal(isPowerOfTwo(96), false);
    assert.equal(isPowerOfTwo(4096), true);
  });
});

describe('realFft', () => {
  for (const [length, size] of [
    [2, 2],
    [3, 4],
    [100, 128],
    [100, 512],
    [1024, 1024],
  ] as const) {
    it(`matches a direct DFT for ${length} samples padded to ${size}`, () => {
      const signal = noise(length, 1, length * 31 + size);
      const fast = realFft(signal, size);
      const slow = naiveDft(signal, size);
      assert.equal(fast.re.length, size / 2 + 1);
      for (let k = 0; k <= size / 2; k++) {
        assert.ok(Math.abs(fast.re[k]! - slow.re[k]!) < 1e-9, `re[${k}] ${fast.re[k]} vs ${slow.re[k]}`);
        assert.ok(Math.abs(fast.im[k]! - slow.im[k]!) < 1e-9, `im[${k}] ${fast.im[k]} vs ${slow.im[k]}`);
      }
    });
  }

  it('conserves energy (Parseval)', () => {
    const size = 256;
    const signal = noise(size, 2, 7);
    const { re, im } = realFft(signal);
    let time = 0;
    for (const v of signal) time += v * v;
    let freq = re[0]! ** 2 + re[size / 2]! ** 2;
    for (let k = 1; k < size / 2; k++) freq += 2 * (re[k]! ** 2 + im[k]! ** 2);
    assert.ok(Math.abs(freq / size - time) < 1e-9 * time);
  });

  it('rejects sizes that are not a power of two or too short', () => {
    assert.throws(() => realFft([1, 2, 3], 6), RangeError);
    assert.throws(() => realFft([1, 2, 3], 2), RangeError);
  });
});
