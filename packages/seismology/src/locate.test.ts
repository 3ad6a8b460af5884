import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from './locate.js';
import { boxArray, normalGenerator } from './test-helpers.js';
import { distance, travelTimeS, type Pick, type Position, type VelocityModel } from './types.js';

const MODEL: VelocityModel = { vpMps: 6000, vsMps: 3500 };
const stations = boxArray();
const ORIGIN_MS = 1_800_000_000_000;

function arrivals(hypo: Position, noiseMs = 0, seed = 1, withS = true): Pick[] {
  const normal = normalGenerator(seed);
  return [...stations.values()].flatMap((s) => [
    { stationId: s.stationId, phase: 'P' as const, timeMs: ORIGIN_MS + travelTimeS(MODEL, 'P', hypo, s.position) * 1000 + noiseMs * normal() },
    ...(withS ? [{ stationId: s.stationId, phase: 'S' as const, timeMs: ORIGIN_MS + travelTimeS(MODEL, 'S', hypo, s.position) * 1000 + noiseMs * normal() }] : []),
  ]);
}

test('exact arrival times give back the hypocentre and origin time', () => {
  for (const hypo of [
    { easting: 120, northing: 80, elevation: -350 },
    { easting: 390, northing: 10, elevation: -210 },
    { easting: 200, northing: 150, elevation: -300 },
  ]) {
    const location = locate(arrivals(hypo), stations, { model: MODEL });
    assert.ok(distance(location.hypocentre, hypo) < 0.05, `${JSON.stringify(location.hypocentre)} vs ${JSON.stringify(hypo)}`);
    assert.ok(Math.abs(location.originTimeMs - ORIGIN_MS) < 0.01);
    assert.ok(location.rmsMs < 1e-3);
    for (const r of location.residuals) assert.ok(Math.abs(r.residualMs) < 1e-3);
  }
});

test('P arrivals alone locate too', () => {
  const hypo = { easting: 250, northing: 120, elevation: -280 };
  const location = locate(arrivals(hypo, 0, 1, false), stations, { model: MODEL });
  assert.ok(distance(location.hypocentre, hypo) < 0.05);
});

test('the 95 % error ellipse holds the true epicentre about 95 % of the time', () => {
  const hypo = { easting: 210, northing: 140, elevation: -310 };
  let inside = 0;
  const trials = 300;
  for (let seed = 1; seed <= trials; seed++) {
    const location = locate(arrivals(hypo, 1, seed), stations, { model: MODEL, pickSigmaMs: 1 });
    const { ellipse } = location;
    // Distance of the truth in the ellipse's own axes (azimuth clockwise from north).
    const de = hypo.easting - location.hypocentre.easting;
    const dn = hypo.northing - location.hypocentre.northing;
    const az = (ellipse.azimuthDeg * Math.PI) / 180;
    const along = de * Math.sin(az) + dn * Math.cos(az);
    const across = de * Math.cos(az) - dn * Math.sin(az);
    if ((along / ellipse.semiMajorM) ** 2 + (across / ellipse.semiMinorM) ** 2 <= 1) inside++;
  }
  const share = inside / trials;
  assert.ok(share > 0.9 && share <= 0.995, `coverage ${share}`);
});

test('too few arrivals or an unknown station are refused', () => {
  const picks = arrivals({ easting: 100, northing: 100, elevation: -300 }, 0, 1, false);
  assert.throws(() => locate(picks.slice(0, 3), stations, { model: MODEL }), /need ≥ 4 arrivals/);
  assert.throws(() => locate([...picks, { stationId: 'nope', phase: 'P', timeMs: ORIGIN_MS }], stations, { model: MODEL }), /unknown station/);
  assert.throws(() => locate(picks, stations, { model: { vpMps: 3000, vsMps: 3500 } }), /vs < vp/);
});
