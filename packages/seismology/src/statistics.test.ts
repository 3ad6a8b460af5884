import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completenessMagnitude, fitOmori, gutenbergRichter, hoursUntilRate, omoriRate } from './statistics.js';
import { normalGenerator } from './test-helpers.js';

function uniform(seed: number): () => number {
  const normal = normalGenerator(seed);
  // The CDF of a standard normal sample is uniform; cheap enough for tests.
  return () => 0.5 * (1 + erf(normal() / Math.SQRT2));
}

function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26, |error| < 1.5e-7.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/** A catalogue complete above `mc` with the given b, and thinned below it. */
function catalogue(b: number, mc: number, n: number, seed: number): number[] {
  const u = uniform(seed);
  const mags: number[] = [];
  while (mags.length < n) {
    const m = mc - 1 - Math.log10(1 - u()) / b;
    // Detection probability falls off below mc, as a network's does.
    if (m >= mc || u() < 10 ** (2 * (m - mc))) mags.push(Math.round(m * 10) / 10);
  }
  return mags;
}

test('Aki–Utsu recovers b = 1 and b = 1.5 above the completeness magnitude found by maximum curvature', () => {
  for (const [b, seed] of [[1, 1], [1.5, 2]] as const) {
    const mags = catalogue(b, 0.5, 6000, seed);
    const mc = completenessMagnitude(mags);
    assert.ok(mc >= 0.4 && mc <= 0.8, `Mc ${mc}`);
    const fit = gutenbergRichter(mags, mc)!;
    assert.ok(Math.abs(fit.b - b) < 3 * fit.bError + 0.03, `b ${fit.b} ± ${fit.bError} for ${b}`);
    assert.ok(fit.bError > 0 && fit.bError < 0.1);
  }
  assert.equal(gutenbergRichter([1, 1.1, 1.2], 1), undefined, 'too few events');
});

test('the Omori fit recovers p, and the decay indicator says when the rate is back to background', () => {
  // Inverse-transform sampling of n(t) = K/(t + c)^p on [0, T] hours.
  const [p, c, T] = [1.2, 0.05, 24];
  const u = uniform(5);
  const a = c ** (1 - p);
  const bEnd = (T + c) ** (1 - p);
  const times = Array.from({ length: 800 }, () => (a + u() * (bEnd - a)) ** (1 / (1 - p)) - c);
  const fit = fitOmori(times, 0, T)!;
  assert.ok(Math.abs(fit.p - p) < 0.1, `p ${fit.p}`);
  assert.ok(fit.c > 0.02 && fit.c < 0.12, `c ${fit.c}`);
  const hours = hoursUntilRate(fit, 2);
  assert.ok(Math.abs(omoriRate(fit, hours) - 2) < 1e-6);
  assert.equal(fitOmori([0.1, 0.2], 0, 1), undefined);
});
