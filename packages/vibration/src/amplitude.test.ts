import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sine, relativeError } from '../test/signals.js';
import { ppv, pvs, rms, vectorRms } from './amplitude.js';

describe('ppv', () => {
  it('is the largest absolute value, whatever its sign', () => {
    assert.equal(ppv([1, -3, 2]), 3);
    assert.equal(ppv(Float64Array.of(-0.5, 0.25)), 0.5);
  });

  for (const [amplitude, frequencyHz, sampleRateHz] of [
    [2.5, 10, 1000],
    [0.8, 3, 50],
    [12, 200, 4000],
  ] as const) {
    it(`of a ${amplitude} mm/s, ${frequencyHz} Hz sine at ${sampleRateHz} Hz is its amplitude`, () => {
      const signal = sine(sampleRateHz * 2, amplitude, frequencyHz, sampleRateHz, 0.3);
      assert.ok(relativeError(ppv(signal), amplitude) < 0.01, `ppv ${ppv(signal)}`);
    });
  }

  it('rejects an empty signal', () => {
    assert.throws(() => ppv([]), RangeError);
  });
});

describe('rms', () => {
  for (const [amplitude, frequencyHz, sampleRateHz] of [
    [2.5, 10, 1000],
    [0.8, 3.7, 50],
    [12, 333, 4000],
  ] as const) {
    it(`of a ${amplitude} mm/s, ${frequencyHz} Hz sine at ${sampleRateHz} Hz is amplitude/√2`, () => {
      const signal = sine(sampleRateHz * 4, amplitude, frequencyHz, sampleRateHz, 1.1);
      const expected = amplitude / Math.SQRT2;
      assert.ok(relativeError(rms(signal), expected) < 0.01, `rms ${rms(signal)} vs ${expected}`);
    });
  }

  it('does not remove a DC offset', () => {
    assert.equal(rms([3, 3, 3, 3]), 3);
  });
});

describe('pvs and vectorRms', () => {
  // x = A sin, y = A cos, z = B: the vector's length is sqrt(A² + B²) at every sample, while
  // sqrt(ppvX² + ppvY² + ppvZ²) would be sqrt(2A² + B²).
  const sampleRateHz = 500;
  const n = 1000;
  const a = 3;
  const b = 4;
  const x = sine(n, a, 7, sampleRateHz);
  const y = sine(n, a, 7, sampleRateHz, Math.PI / 2);
  const z = new Float64Array(n).fill(b);

  it('pvs is the largest instantaneous vector length', () => {
    assert.ok(Math.abs(pvs({ x, y, z }) - 5) < 1e-12, `pvs ${pvs({ x, y, z })}`);
  });

  it('pvs does not add peaks that happen at different instants', () => {
    const px = [0, 3, 0, 0];
    const py = [0, 0, -4, 0];
    const pz = [0, 0, 0, 0];
    assert.equal(pvs({ x: px, y: py, z: pz }), 4);
  });

  it('vectorRms is the RMS of the vector length', () => {
    assert.ok(Math.abs(vectorRms({ x, y, z }) - 5) < 1e-12);
    const expected = Math.sqrt(rms(x) ** 2 + rms(y) ** 2 + rms(z) ** 2);
    assert.ok(Math.abs(vectorRms({ x, y, z }) - expected) < 1e-12);
  });

  it('rejects axes of different lengths and empty records', () => {
    assert.throws(() => pvs({ x: [1, 2], y: [1], z: [1, 2] }), /differ in length/);
    assert.throws(() => vectorRms({ x: [1], y: [1], z: [1, 2] }), /differ in length/);
    assert.throws(() => pvs({ x: [], y: [], z: [] }), RangeError);
  });
});
