// The catalogue benchmark of issue 22: simulated events with known hypocentres and magnitudes
// streamed through the event pipeline as packets, station by station, and the catalogue compared
// with the truth. Prints the share of events found, false events on noise, location error inside
// the array (median, p90) with the true velocity model and with a 3 % error, magnitude error,
// events per blast, and the time from the packet that completes an event to its solution (p99).
//   npx tsx --conditions=source packages/seismology/bench/catalogue-bench.ts [events] [noiseWindows] [seed] [site]
import { performance } from 'node:perf_hooks';
import { SensorStream, localNoiseBurst, mineLayout, seededRandom, seismicEventSource, blastPositions, type SimulatedSeismicEvent } from '@mine/simulator';
import { SeismicNetwork, distance, peakVelocityAt, median, quantile, type SeismicSolution, type Station, type VelocityModel } from '@mine/seismology';

const eventCount = Number(process.argv[2] ?? 120);
const noiseWindows = Number(process.argv[3] ?? 120);
const seed = Number(process.argv[4] ?? 1);
const SAMPLE_RATE = 500;
const PACKET_S = 1;
const SPACING_S = 6;
const TRUE_MODEL: VelocityModel = { vpMps: 5900, vsMps: 3400 };


const site = process.argv[5] ?? 'south-decline';
const layout = mineLayout(120);
const sensors = layout.filter((s) => s.site === site);
const stations = new Map<string, Station>(sensors.map((s) => [s.sensorId, { stationId: s.sensorId, position: s.grid }]));
const box = (k: 'easting' | 'northing' | 'elevation') => [Math.min(...sensors.map((s) => s.grid[k])), Math.max(...sensors.map((s) => s.grid[k]))] as const;

interface Scenario {
  truth: SimulatedSeismicEvent[];
  /** start of each noise-only window, s */
  noiseWindows: number[];
  startS: number;
  endS: number;
}

function scenario(): Scenario {
  const random = seededRandom(seed);
  const startS = 1_800_000_000;
  const warmUpS = 8;
  const truth: SimulatedSeismicEvent[] = [];
  let t = startS + warmUpS;
  for (let i = 0; i < eventCount; i++) {
    const blast = i % 6 === 5;
    const inside = (k: 'easting' | 'northing' | 'elevation') => {
      const [lo, hi] = box(k);
      return lo + (hi - lo) * random();
    };
    const position = blast ? blastPositions(layout, site, `zone-${Math.floor(random() * 5)}`)[Math.floor(random() * 4)]! : { easting: inside('easting'), northing: inside('northing'), elevation: inside('elevation') };
    // Gutenberg–Richter magnitudes (b = 1) from 0.3 to 2.
    const magnitude = blast ? 1 + random() : Math.min(2, 0.3 - Math.log10(1 - random() * 0.98));
    truth.push({ eventId: `ev-${i}`, kind: blast ? 'blast' : 'natural', originTimeS: t + 0.2 + random() * 0.5, hypocentre: position, magnitude });
    t += SPACING_S;
  }
  const noise: number[] = [];
  for (let i = 0; i < noiseWindows; i++, t += SPACING_S) noise.push(t);
  return { truth, noiseWindows: noise, startS, endS: t + 2 };
}

function run(s: Scenario, model: VelocityModel) {
  const streams = sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: SAMPLE_RATE, packetSeconds: PACKET_S, noiseMmS: 0.05, seed: seed * 1000 + i }));
  for (const [j, event] of s.truth.entries())
    for (const [i, stream] of streams.entries()) stream.add(seismicEventSource(event, stream.sensor.grid, { model: TRUE_MODEL }, seed * 1_000_003 + j * 977 + i));
  // In every noise window, machinery next to two random stations (each seen by that station only).
  const random = seededRandom(seed + 99);
  for (const [j, windowS] of s.noiseWindows.entries())
    for (let k = 0; k < 2; k++) streams[Math.floor(random() * streams.length)]!.add(localNoiseBurst(windowS + 1 + random() * 3, 1 + 2 * random(), 0.3, seed * 7919 + j * 31 + k));
  const network = new SeismicNetwork(stations, { model });
  const solutions: SeismicSolution[] = [];
  const latenciesMs: number[] = [];
  for (let t = s.startS; t < s.endS; t += PACKET_S) {
    const packets = streams.map((stream) => stream.packet(t));
    for (const [i, packet] of packets.entries()) {
      const started = performance.now();
      const decided = network.addPacket(streams[i]!.sensor.sensorId, packet, t * 1000, (t + PACKET_S) * 1000);
      if (decided.length > 0) latenciesMs.push(performance.now() - started);
      solutions.push(...decided);
    }
  }
  return { solutions, latenciesMs };
}

function inside(p: { easting: number; northing: number; elevation: number }): boolean {
  return (['easting', 'northing', 'elevation'] as const).every((k) => p[k] >= box(k)[0] && p[k] <= box(k)[1]);
}

function evaluate(s: Scenario, solutions: SeismicSolution[]) {
  const matched = new Map<string, SeismicSolution[]>();
  let falseOnNoise = 0;
  let unmatched = 0;
  for (const solution of solutions) {
    const originS = solution.location.originTimeMs / 1000;
    const truth = s.truth.find((e) => Math.abs(e.originTimeS - originS) < 0.5);
    if (truth) matched.set(truth.eventId, [...(matched.get(truth.eventId) ?? []), solution]);
    else if (s.noiseWindows.some((w) => originS >= w && originS < w + SPACING_S)) falseOnNoise++;
    else unmatched++;
  }
  const natural = s.truth.filter((e) => e.kind === 'natural');
  const blasts = s.truth.filter((e) => e.kind === 'blast');
  const errors = natural.filter((e) => matched.has(e.eventId) && inside(e.hypocentre)).map((e) => distance(e.hypocentre, matched.get(e.eventId)![0]!.location.hypocentre));
  const magnitudeErrors = natural.filter((e) => matched.has(e.eventId)).map((e) => Math.abs(matched.get(e.eventId)![0]!.magnitude - e.magnitude));
  const blastErrors = blasts.filter((e) => matched.has(e.eventId)).map((e) => distance(e.hypocentre, matched.get(e.eventId)![0]!.location.hypocentre));
  const inEllipse = natural.filter((e) => matched.has(e.eventId)).filter((e) => {
    const l = matched.get(e.eventId)![0]!.location;
    return Math.hypot(l.hypocentre.easting - e.hypocentre.easting, l.hypocentre.northing - e.hypocentre.northing) <= l.ellipse.semiMajorM;
  }).length;
  const missed = s.truth.filter((e) => !matched.has(e.eventId)).map((e) => {
    const reached = sensors.filter((sensor) => peakVelocityAt(e.magnitude, distance(sensor.grid, e.hypocentre)) > 0.25).length;
    return `${e.kind} ML ${e.magnitude.toFixed(2)} reaching ${reached} stations above 0.25 mm/s${process.env.SHOW_MISSED === "2" ? ` ${JSON.stringify(e)}` : ""}`;
  });
  return {
    missed,
    found: matched.size / s.truth.length,
    naturalFound: natural.filter((e) => matched.has(e.eventId)).length / natural.length,
    falseShare: falseOnNoise / s.noiseWindows.length,
    unmatched,
    locationMedianM: median(errors),
    locationP90M: quantile(errors, 0.9),
    located: errors.length,
    magnitudeMedian: median(magnitudeErrors),
    magnitudeP90: quantile(magnitudeErrors, 0.9),
    eventsPerBlast: blasts.map((b) => matched.get(b.eventId)?.length ?? 0),
    blastLocationMedianM: median(blastErrors),
    withinEllipse95: inEllipse / Math.max(1, natural.filter((e) => matched.has(e.eventId)).length),
  };
}

const s = scenario();
console.log(`${sensors.length} stations (${site}), ${SAMPLE_RATE} Hz, ${s.truth.length} events (${s.truth.filter((e) => e.kind === 'blast').length} blasts), ${s.noiseWindows.length} noise windows of ${SPACING_S} s with local machinery bursts`);
for (const [label, model] of [
  ['true velocity model', TRUE_MODEL],
  ['velocities 3 % high', { vpMps: TRUE_MODEL.vpMps * 1.03, vsMps: TRUE_MODEL.vsMps * 1.03 }],
] as const) {
  const started = performance.now();
  const { solutions, latenciesMs } = run(s, model);
  const r = evaluate(s, solutions);
  const blastsWithOne = r.eventsPerBlast.filter((n) => n === 1).length;
  console.log(`\n${label} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`  events found               ${(100 * r.found).toFixed(1)} % (natural ${(100 * r.naturalFound).toFixed(1)} %)   target ≥ 95 %`);
  console.log(`  false events on noise      ${(100 * r.falseShare).toFixed(1)} % of windows (${r.unmatched} other unmatched)   target ≤ 2 %`);
  console.log(`  location error, inside     median ${r.locationMedianM.toFixed(1)} m, p90 ${r.locationP90M.toFixed(1)} m over ${r.located}   targets ≤ 15 m, ≤ 40 m`);
  console.log(`  true epicentre in 95 % ellipse ${(100 * r.withinEllipse95).toFixed(0)} %; blasts located ${r.blastLocationMedianM.toFixed(1)} m (median) from the charge`);
  console.log(`  magnitude error            median ${r.magnitudeMedian.toFixed(2)}, p90 ${r.magnitudeP90.toFixed(2)}   target ≤ 0.2`);
  if (process.env.SHOW_MISSED) console.log(`  missed: ${r.missed.join('; ')}`);
  console.log(`  events per blast           ${blastsWithOne}/${r.eventsPerBlast.length} blasts with exactly 1 (${r.eventsPerBlast.join(' ')})`);
  console.log(`  completing packet → event  p50 ${median(latenciesMs).toFixed(1)} ms, p99 ${quantile(latenciesMs, 0.99).toFixed(1)} ms of compute (${latenciesMs.length} decisions)`);
}
