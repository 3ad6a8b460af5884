import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aicFunction, pickOnsets } from './picker.js';
import { normalGenerator } from './test-helpers.js';

const RATE = 500;

/** Noise, then a P wavelet along `p` at sample pAt and an S wavelet across it at sAt. */
function record(n: number, pAt: number, sAt: number | undefined, seed: number, amplitude = 1) {
  const normal = normalGenerator(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const z = new Float64Array(n);
  const p = [0.6, 0, 0.8];
  const s = [0, 1, 0];
  for (let i = 0; i < n; i++) {
    const wave = (at: number, f: number) => (i < at ? 0 : Math.exp(-(i - at) / 40) * Math.sin((2 * Math.PI * f * (i - at)) / RATE));
    const pw = amplitude * 0.3 * wave(pAt, 80);
    const sw = sAt === undefined ? 0 : amplitude * wave(sAt, 60);
    x[i] = 0.02 * normal() + pw * p[0]! + sw * s[0]!;
    y[i] = 0.02 * normal() + pw * p[1]! + sw * s[1]!;
    z[i] = 0.02 * normal() + pw * p[2]! + sw * s[2]!;
  }
  return { x, y, z };
}

test('the AIC minimum is at the change of variance', () => {
  const normal = normalGenerator(3);
  const signal = Array.from({ length: 400 }, (_, i) => (i < 250 ? 0.1 : 2) * normal());
  const aic = aicFunction(signal);
  let best = 2;
  for (let k = 2; k < aic.length - 1; k++) if (aic[k]! < aic[best]!) best = k;
  assert.ok(Math.abs(best - 250) <= 3, `minimum at ${best}`);
  assert.throws(() => aicFunction([1, 2, 3]), RangeError);
});

test('P and S onsets are picked within two samples of the truth, from a late trigger', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const pAt = 300 + seed;
    const sAt = pAt + 30 + seed;
    const picks = pickOnsets(record(800, pAt, sAt, seed), RATE, pAt + 12);
    assert.ok(picks, `seed ${seed}: no pick`);
    assert.ok(Math.abs(picks.pIndex - pAt) <= 2, `seed ${seed}: P at ${picks.pIndex}, truth ${pAt}`);
    assert.ok(picks.sIndex !== undefined && Math.abs(picks.sIndex - sAt) <= 2, `seed ${seed}: S at ${picks.sIndex}, truth ${sAt}`);
    assert.ok(picks.pSnr > 3);
  }
});

test('no S is claimed where there is none, and a trigger on pure noise gives no pick', () => {
  const picks = pickOnsets(record(800, 320, undefined, 5), RATE, 330);
  assert.ok(picks);
  assert.equal(picks.sIndex, undefined);
  assert.equal(pickOnsets(record(800, 10_000, undefined, 6), RATE, 400), undefined);
});
