import { test } from 'node:test';
import assert from 'node:assert/strict';
import { associate, type StationPick } from './associate.js';
import { boxArray, normalGenerator } from './test-helpers.js';
import { distance, travelTimeS, type Position, type VelocityModel } from './types.js';

const MODEL: VelocityModel = { vpMps: 6000, vsMps: 3500 };
const stations = boxArray();
const T0 = 1_800_000_000_000;

function picksOf(hypo: Position, originMs: number, seed: number, only?: string[]): StationPick[] {
  const normal = normalGenerator(seed);
  return [...stations.values()]
    .filter((s) => !only || only.includes(s.stationId))
    .map((s) => ({
      stationId: s.stationId,
      pTimeMs: originMs + travelTimeS(MODEL, 'P', hypo, s.position) * 1000 + normal(),
      sTimeMs: originMs + travelTimeS(MODEL, 'S', hypo, s.position) * 1000 + normal(),
      ppvMmS: 1,
      pvsMmS: 1,
      energyFlux: 0.01,
      snr: 10,
    }));
}

const noise = (stationId: string, pTimeMs: number): StationPick => ({ stationId, pTimeMs, ppvMmS: 2, pvsMmS: 2, energyFlux: 0.1, snr: 5 });

test('two events close in time are told apart and located; lone triggers are noise', () => {
  const a = { easting: 80, northing: 60, elevation: -380 };
  const b = { easting: 350, northing: 260, elevation: -220 };
  const picks = [...picksOf(a, T0, 1), ...picksOf(b, T0 + 900, 2), noise('s3', T0 + 2500), noise('s4', T0 - 300), noise('s7', T0 + 15)];
  const { events, unassociated } = associate(picks, stations, { model: MODEL });
  assert.equal(events.length, 2);
  const [first, second] = events.sort((x, y) => x.location.originTimeMs - y.location.originTimeMs);
  assert.ok(distance(first!.location.hypocentre, a) < 20, `a located ${distance(first!.location.hypocentre, a)} m off`);
  assert.ok(distance(second!.location.hypocentre, b) < 20, `b located ${distance(second!.location.hypocentre, b)} m off`);
  for (const n of ['s3', 's4']) assert.ok(unassociated.some((p) => p.stationId === n), `${n} noise left unassociated`);
  assert.ok(!events.some((e) => e.picks.includes(picks.find((p) => p.pTimeMs === T0 + 15)!)), 'the noise pick near event a is not in it');
});

test('an event seen by fewer than minStations stations is not an event', () => {
  const picks = picksOf({ easting: 80, northing: 60, elevation: -380 }, T0, 3, ['s0', 's1', 's2', 's8']);
  assert.equal(associate(picks, stations, { model: MODEL }).events.length, 0);
  assert.equal(associate(picks, stations, { model: MODEL, minStations: 4 }).events.length, 1);
});

test('picks that cannot come from one source (further apart than the P travel time between their stations) are not grouped', () => {
  // Five stations each triggering 200 ms after the previous: no source explains it on a 500 m array.
  const picks = ['s0', 's1', 's2', 's3', 's4'].map((id, i) => noise(id, T0 + i * 200));
  assert.deepEqual(associate(picks, stations, { model: MODEL, minStations: 4 }).events, []);
});

test("a re-trigger in an event's coda and an S wave triggering where P did not are part of the event, not new events", () => {
  const hypo = { easting: 80, northing: 60, elevation: -380 };
  const picks = picksOf(hypo, T0, 4, ['s0', 's1', 's2', 's3', 's4', 's5']);
  const far = stations.get('s7')!.position;
  const sAtFar = T0 + travelTimeS(MODEL, 'S', hypo, far) * 1000;
  const retriggers = [noise('s0', picks[0]!.pTimeMs + 300), noise('s1', picks[1]!.pTimeMs + 250)];
  const sOnly = [noise('s7', sAtFar + 1), noise('s9', T0 + travelTimeS(MODEL, 'S', hypo, stations.get('s9')!.position) * 1000 - 2)];
  const { events, unassociated } = associate([...picks, ...retriggers, ...sOnly], stations, { model: MODEL });
  assert.equal(events.length, 1);
  assert.equal(events[0]!.secondary.length, 4);
  assert.deepEqual(unassociated, []);
});
