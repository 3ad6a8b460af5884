// miniSEED ingest against the JSON path and against a bare route that only decodes the same records, in one run:
// samples per CPU-second of each server, for the same ten packets of 500 samples × 3 axes per request.
//   eval "$(tools/stack/stack.sh env)" && [BENCH_PACKETS=60] npx tsx --conditions=source services/sensor-gateway/bench/miniseed-bench.ts [seconds]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPubSub } from '@mine/platform';
import { SensorStream, devicesJson, mineLayout, mineStationXml, packetToMiniseed } from '@mine/simulator';
import { uniqueName } from '@mine/testkit';
import { UNLIMITED_DEVICE, load, rssSampler, serve, type LoadResult } from './bench-kit.js';

const seconds = Number(process.argv[2] ?? 15);
/** one-second packets per request (BENCH_PACKETS): 10 as in the JSON bench; a store-and-forward digitizer sends more */
const PACKETS_PER_REQUEST = Number(process.env.BENCH_PACKETS ?? 10);
const SAMPLE_RATE = 500;
const MSEED = 'application/vnd.fdsn.mseed';

const [sensor] = mineLayout(1);
const stream = new SensorStream(sensor!, { sampleRateHz: SAMPLE_RATE, packetSeconds: 1, noiseMmS: 0.05, seed: 1 });
const start = Math.floor(Date.now() / 1000) - PACKETS_PER_REQUEST;
const packets = Array.from({ length: PACKETS_PER_REQUEST }, (_, i) => stream.packet(start + i));
const jsonBody = JSON.stringify(packets);
// As a digitizer writes them: each second's three channels as SEED 2.4 Steim-2 records.
const mseedBody = Buffer.concat(packets.map((p) => packetToMiniseed(p, sensor!, { format: 2 })));
const samplesPerRequest = PACKETS_PER_REQUEST * SAMPLE_RATE; // per axis, as the JSON bench counts

const dir = mkdtempSync(join(tmpdir(), 'mseed-bench-'));
const stationXml = join(dir, 'stationxml.xml');
writeFileSync(stationXml, mineStationXml([sensor!]));
const pubsub = createPubSub('mine-local');
const topicName = uniqueName('bench-mseed').replace(/_/g, '-');
const [topic] = await pubsub.createTopic(topicName);
// Load shedding off: on a shared machine the event loop stalls for reasons of its own, and a 503 is not what is measured here.
const gatewayEnv = { SENSOR_TOPIC: topicName, DEVICES_JSON: await devicesJson([sensor!]), STATIONXML_PATH: stationXml, MAX_BODY_BYTES: String(16 * 1024 * 1024), MAX_EVENT_LOOP_DELAY_MS: '600000', ...UNLIMITED_DEVICE };

const bare = await serve('bench/bare-miniseed-route.ts', {}, null);
const baseline = await load(bare.url, mseedBody, sensor!.token, seconds, bare.child.pid!, undefined, MSEED);
await bare.stop();

const results: Record<string, LoadResult & { peakRssMiB: number }> = {};
for (const [name, body, contentType] of [['json', jsonBody, 'application/json'], ['miniseed', mseedBody, MSEED]] as const) {
  // A fresh gateway for each path, so neither inherits the other's heap.
  const gateway = await serve('src/main.ts', gatewayEnv, '/readyz');
  const rss = rssSampler(gateway.url, 'sensor_gateway_');
  const result = await load(gateway.url, body, sensor!.token, seconds, gateway.child.pid!, () => rss.sample(), contentType);
  await rss.sample();
  await gateway.stop();
  results[name] = { ...result, peakRssMiB: rss.peakMiB };
}
await topic.delete();
await pubsub.close();
rmSync(dir, { recursive: true, force: true });

const perCpuSecond = (r: LoadResult) => (r.requestsPerSecond * samplesPerRequest) / r.serverCpuShare;
const row = (name: string, r: LoadResult) =>
  `${name.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(6)} req/s ${(r.requestsPerSecond * samplesPerRequest / 1e6).toFixed(2).padStart(7)} M samples/s ${(perCpuSecond(r) / 1e6).toFixed(2).padStart(7)} M samples/CPU-s` +
  `  CPU ${r.serverCpuMsPerRequest.toFixed(3)} ms/req (${(100 * r.serverCpuShare).toFixed(0)} % of a core)  p99 ${r.p99LatencyMs} ms  non-2xx ${r.non2xx}  emulator ${(100 * r.emulatorCpuShare).toFixed(0)} %`;
const json = results.json!;
const mseed = results.miniseed!;
console.log(`bodies: ${PACKETS_PER_REQUEST} packets × ${SAMPLE_RATE} samples × 3 axes; JSON ${(jsonBody.length / 1024).toFixed(0)} KiB, miniSEED (SEED 2.4 Steim-2) ${(mseedBody.length / 1024).toFixed(0)} KiB; ${seconds} s per run, 16 connections`);
console.log(row('bare fastify route (decode only)', baseline));
console.log(row('sensor-gateway JSON → Pub/Sub', json));
console.log(row('sensor-gateway miniSEED → Pub/Sub', mseed));
console.log(`miniSEED / JSON, samples per CPU-second: ${(perCpuSecond(mseed) / perCpuSecond(json)).toFixed(1)}×`);
console.log(`miniSEED gateway / bare decode route, samples per CPU-second: ${((100 * perCpuSecond(mseed)) / perCpuSecond(baseline)).toFixed(1)} %`);
console.log(`peak RSS: JSON ${json.peakRssMiB.toFixed(0)} MiB, miniSEED ${mseed.peakRssMiB.toFixed(0)} MiB`);
