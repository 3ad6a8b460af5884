import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeismicNetwork, distance, type SeismicSolution, type Station, type VelocityModel } from '@mine/seismology';
import { SensorStream, blastPositions, localNoiseBurst, mineLayout, seismicEventSource, type SimulatedSeismicEvent } from './index.js';

const MODEL: VelocityModel = { vpMps: 5900, vsMps: 3400 };
const T0 = 1_800_000_000;

test('blasts are registered in the middle of their zone, below its sensors', () => {
  const sensors = mineLayout(120);
  const positions = blastPositions(sensors, 'south-decline', 'zone-2');
  assert.equal(positions.length, 4);
  const zone = sensors.filter((s) => s.site === 'south-decline' && s.zone === 'zone-2');
  for (const p of positions) assert.ok(Math.min(...zone.map((s) => distance(s.grid, p))) < 250);
  assert.throws(() => blastPositions(sensors, 'nowhere', 'zone-0'), /no sensors/);
});

function simulate(events: SimulatedSeismicEvent[], order: (i: number) => number) {
  const sensors = mineLayout(120).filter((s) => s.site === 'south-decline');
  const stations = new Map<string, Station>(sensors.map((s) => [s.sensorId, { stationId: s.sensorId, position: s.grid }]));
  const streams = sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: i + 1 }));
  for (const [j, event] of events.entries()) for (const [i, s] of streams.entries()) s.add(seismicEventSource(event, s.sensor.grid, { model: MODEL }, j * 1000 + i));
  streams[7]!.add(localNoiseBurst(T0 + 14.3, 3, 0.3, 1));
  streams[31]!.add(localNoiseBurst(T0 + 15.1, 3, 0.3, 2));
  const network = new SeismicNetwork(stations, { model: MODEL });
  const solutions: SeismicSolution[] = [];
  for (let t = T0; t < T0 + 20; t++) {
    const packets = streams.map((s) => [s.sensor.sensorId, s.packet(t)] as const);
    for (let k = 0; k < packets.length; k++) {
      const [id, packet] = packets[order(k) % packets.length]!;
      solutions.push(...network.addPacket(id, packet, t * 1000, (t + 1) * 1000));
    }
  }
  return solutions;
}

test('simulated events are found, located and sized; a machinery burst at one station is not an event; packet order does not matter', () => {
  const events: SimulatedSeismicEvent[] = [
    { eventId: 'a', kind: 'natural', originTimeS: T0 + 7.31, hypocentre: { easting: 11_980, northing: 49_320, elevation: 960 }, magnitude: 0.8 },
    { eventId: 'b', kind: 'natural', originTimeS: T0 + 9.72, hypocentre: { easting: 12_150, northing: 49_290, elevation: 1_050 }, magnitude: 1.2 },
    { eventId: 'c', kind: 'blast', originTimeS: T0 + 12.05, hypocentre: blastPositions(mineLayout(120), 'south-decline', 'zone-3')[1]!, magnitude: 1.4 },
  ];
  const inOrder = simulate(events, (k) => k);
  assert.equal(inOrder.length, 3, `found ${inOrder.map((s) => new Date(s.location.originTimeMs).toISOString()).join(', ')}`);
  for (const [i, event] of events.entries()) {
    const solution = inOrder[i]!;
    assert.ok(Math.abs(solution.location.originTimeMs / 1000 - event.originTimeS) < 0.01);
    assert.ok(distance(solution.location.hypocentre, event.hypocentre) < 25, `${event.eventId} ${distance(solution.location.hypocentre, event.hypocentre)} m off`);
    assert.ok(Math.abs(solution.magnitude - event.magnitude) < 0.3, `${event.eventId} ML ${solution.magnitude} vs ${event.magnitude}`);
    assert.ok(solution.stations.length >= 5 && solution.energyJ > 0);
  }
  // Stations reported in a scrambled interleaving decide the same catalogue.
  const scrambled = simulate(events, (k) => k * 37 + 11);
  assert.deepEqual(scrambled.map((s) => s.location.hypocentre), inOrder.map((s) => s.location.hypocentre));
});
