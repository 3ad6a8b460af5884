import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkEnergy, networkMagnitude, peakVelocityAt, stationEnergy, stationMagnitude, median, quantile } from './magnitude.js';

test('station magnitude inverts the attenuation law and anchors 0.4 mm/s at 100 m to ML ≈ 0', () => {
  assert.ok(Math.abs(stationMagnitude(0.4, 100)) < 0.005);
  for (const [ml, r] of [[-1, 30], [0.5, 250], [2.2, 900]] as const) assert.ok(Math.abs(stationMagnitude(peakVelocityAt(ml, r), r) - ml) < 1e-12);
  // Ten times the amplitude at the same distance is one magnitude unit; twice the distance needs twice the amplitude (plus attenuation).
  assert.ok(Math.abs(stationMagnitude(4, 100) - stationMagnitude(0.4, 100) - 1) < 1e-12);
  assert.ok(stationMagnitude(0.2, 200) > stationMagnitude(0.4, 100));
  assert.throws(() => stationMagnitude(0, 100), RangeError);
});

test('network magnitude is the median and ignores one outlying station', () => {
  const { magnitude, spread, count } = networkMagnitude([1.0, 1.1, 0.9, 1.05, 3.0]);
  assert.equal(magnitude, 1.05);
  assert.equal(count, 5);
  assert.ok(spread <= 0.1);
});

test('radiated energy is 4π·ρ·vs·R²·∫v²dt', () => {
  // A 10 mm/s, 50 Hz sine for 0.2 s (whole cycles): ∫v² dt = A²·T/2 = 0.01 (mm/s)²·s ⇒ 1e-8 m²/s.
  const rate = 5000;
  let flux = 0;
  for (let i = 0; i < 0.2 * rate; i++) flux += (10 * Math.sin((2 * Math.PI * 50 * i) / rate)) ** 2 / rate;
  assert.ok(Math.abs(flux - 10) < 1e-9);
  const energy = stationEnergy(flux, 200, { densityKgM3: 2700, vsMps: 3400 });
  assert.ok(Math.abs(energy - 4 * Math.PI * 2700 * 3400 * 200 ** 2 * 10e-6) < 1e-6);
  assert.ok(Math.abs(networkEnergy([10, 1000]) - 100) < 1e-9, 'geometric mean');
  assert.equal(networkEnergy([]), 0);
});

test('median and quantiles', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(quantile([0, 10], 0.9), 9);
});
