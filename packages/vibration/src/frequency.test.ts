import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add, noise, relativeError, sine } from '../test/signals.js';
import { dominantFrequencyFft, dominantFrequencyZeroCrossing, vectorDominantFrequencyFft } from './frequency.js';

// [sample rate Hz, frequency Hz, record length s, phase rad]: non-integer cycle counts, from
// 2.7 to 300 samples per cycle, and 1.7 to 150 cycles per record.
const CASES = [
  [50, 3.3, 8, 0.2],
  [50, 17.1, 4, 1.0],
  [200, 12.3, 2, 2.5],
  [1000, 10.45, 0.5, 0],
  [1000, 47.5, 1, 0.7],
  [1000, 180.2, 0.5, 1.9],
  [4000, 25.6, 1, 0.4],
  [4000, 850, 0.25, 3.0],
  [4000, 1500, 0.1, 0.1],
] as const;

describe('dominantFrequencyZeroCrossing', () => {
  for (const [sampleRateHz, frequencyHz, seconds, phase] of CASES) {
    it(`finds ${frequencyHz} Hz at ${sampleRateHz} Hz within 1 %`, () => {
      const signal = sine(Math.round(sampleRateHz * seconds), 2, frequencyHz, sampleRateHz, phase);
      const estimate = dominantFrequencyZeroCrossing(signal, sampleRateHz);
      assert.ok(relativeError(estimate, frequencyHz) < 0.01, `estimate ${estimate}`);
    });
  }

  it('interpolates crossing times between samples', () => {
    // 7 cycles at under 7 samples each: whole-sample crossing times would be off by ~1 %.
    for (const phase of [0.3, 1.3]) {
      const estimate = dominantFrequencyZeroCrossing(sine(50, 1, 7.3, 50, phase), 50);
      assert.ok(relativeError(estimate, 7.3) < 0.003, `estimate ${estimate}`);
    }
  });

  it('ignores a DC offset', () => {
    const signal = sine(2000, 1, 40, 1000).map((v) => v + 5);
    assert.ok(relativeError(dominantFrequencyZeroCrossing(signal, 1000), 40) < 0.01);
  });

  it('hysteresis keeps noise near zero from counting as cycles', () => {
    const sampleRateHz = 1000;
    const signal = add(sine(3000, 1, 10, sampleRateHz), noise(3000, 0.05, 42));
    const robust = dominantFrequencyZeroCrossing(signal, sampleRateHz);
    const naive = dominantFrequencyZeroCrossing(signal, sampleRateHz, { hysteresis: 0 });
    assert.ok(relativeError(robust, 10) < 0.02, `with hysteresis ${robust}`);
    assert.ok(naive > 11, `without hysteresis ${naive} should overcount`);
  });

  it('returns 0 when there is no oscillation to measure', () => {
    assert.equal(dominantFrequencyZeroCrossing([1, 1, 1, 1], 100), 0);
    assert.equal(dominantFrequencyZeroCrossing([0, 1, 2, 3, 4], 100), 0);
  });

  it('rejects bad input', () => {
    assert.throws(() => dominantFrequencyZeroCrossing([], 100), RangeError);
    assert.throws(() => dominantFrequencyZeroCrossing([1, -1], 0), RangeError);
    assert.throws(() => dominantFrequencyZeroCrossing([1, -1], 100, { hysteresis: 1 }), RangeError);
  });
});

describe('dominantFrequencyFft', () => {
  for (const [sampleRateHz, frequencyHz, seconds, phase] of CASES) {
    it(`finds ${frequencyHz} Hz at ${sampleRateHz} Hz within 1 %`, () => {
      const signal = sine(Math.round(sampleRateHz * seconds), 2, frequencyHz, sampleRateHz, phase);
      const estimate = dominantFrequencyFft(signal, sampleRateHz);
      assert.ok(relativeError(estimate, frequencyHz) < 0.01, `estimate ${estimate}`);
    });
  }

  it('interpolates between bins', () => {
    // 500 samples pad to 1024: bins 0.977 Hz apart, and 10.45 Hz lies 2.8 % from the nearest.
    const signal = sine(500, 1, 10.45, 1000);
    const estimate = dominantFrequencyFft(signal, 1000);
    assert.ok(relativeError(estimate, 10.45) < 0.001, `estimate ${estimate}`);
  });

  it('picks the stronger of two tones', () => {
    const sampleRateHz = 1000;
    const weak = sine(1000, 0.3, 60, sampleRateHz);
    const strong = sine(1000, 1, 20.4, sampleRateHz, 0.5);
    assert.ok(relativeError(dominantFrequencyFft(add(weak, strong), sampleRateHz), 20.4) < 0.01);
    assert.ok(relativeError(dominantFrequencyFft(add(weak.map((v) => v * 10), strong), sampleRateHz), 60) < 0.01);
  });

  it('ignores a DC offset larger than the oscillation', () => {
    const signal = sine(1000, 0.1, 33, 1000).map((v) => v + 50);
    assert.ok(relativeError(dominantFrequencyFft(signal, 1000), 33) < 0.01);
  });

  it('holds up in noise', () => {
    const signal = add(sine(2000, 1, 71.3, 1000), noise(2000, 0.5, 9));
    assert.ok(relativeError(dominantFrequencyFft(signal, 1000), 71.3) < 0.01);
  });

  it('returns 0 for a flat signal', () => {
    assert.equal(dominantFrequencyFft([2, 2, 2, 2, 2], 100), 0);
    assert.equal(dominantFrequencyFft([7], 100), 0);
  });
});

describe('vectorDominantFrequencyFft', () => {
  it('finds the frequency carrying the most energy across axes', () => {
    const sampleRateHz = 500;
    const n = 1000;
    const x = sine(n, 1, 15.5, sampleRateHz); // 15.5 Hz: energy 1² on x
    const y = sine(n, 0.8, 42, sampleRateHz); // 42 Hz: energy 0.8² on y and z, 1.28 in total
    const z = sine(n, 0.8, 42, sampleRateHz, 0.4);
    assert.ok(relativeError(vectorDominantFrequencyFft({ x, y, z }, sampleRateHz), 42) < 0.01);
    // each axis alone would say otherwise for x
    assert.ok(relativeError(dominantFrequencyFft(x, sampleRateHz), 15.5) < 0.01);
  });

  it('does not depend on sensor orientation', () => {
    const sampleRateHz = 1000;
    const s = add(sine(1500, 3, 27.3, sampleRateHz), noise(1500, 0.3, 5));
    const zero = new Float64Array(s.length);
    const aligned = vectorDominantFrequencyFft({ x: s, y: zero, z: zero }, sampleRateHz);
    const c = Math.cos(0.7);
    const r = Math.sin(0.7);
    const rotated = vectorDominantFrequencyFft(
      { x: s.map((v) => v * c), y: s.map((v) => v * r), z: zero },
      sampleRateHz,
    );
    assert.ok(Math.abs(aligned - rotated) < 1e-9, `${aligned} vs ${rotated}`);
    assert.ok(relativeError(aligned, 27.3) < 0.01);
  });
});
