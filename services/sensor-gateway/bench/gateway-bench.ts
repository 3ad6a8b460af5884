// Gateway throughput as a ratio of a bare fastify route parsing the same bodies, on this machine, in this run.
//   eval "$(tools/stack/stack.sh env)" && npx tsx --conditions=source services/sensor-gateway/bench/gateway-bench.ts [seconds]
import { createPubSub } from '@mine/platform';
import { SensorStream, devicesJson, mineLayout } from '@mine/simulator';
import { uniqueName } from '@mine/testkit';
import { UNLIMITED_DEVICE, load, rssSampler, serve } from './bench-kit.js';

const seconds = Number(process.argv[2] ?? 15);
const PACKETS_PER_REQUEST = 10;
const SAMPLE_RATE = 500;

const [sensor] = mineLayout(1);
const stream = new SensorStream(sensor!, { sampleRateHz: SAMPLE_RATE, packetSeconds: 1, noiseMmS: 0.05, seed: 1 });
const start = Math.floor(Date.now() / 1000) - PACKETS_PER_REQUEST;
const body = JSON.stringify(Array.from({ length: PACKETS_PER_REQUEST }, (_, i) => stream.packet(start + i)));
const samplesPerRequest = PACKETS_PER_REQUEST * SAMPLE_RATE; // per axis; each sample is an x, y, z triple

const pubsub = createPubSub('mine-local');
const topicName = uniqueName('bench-readings').replace(/_/g, '-');
const [topic] = await pubsub.createTopic(topicName);

const bare = await serve('bench/bare-route.ts', {}, null);
const baseline = await load(bare.url, body, sensor!.token, seconds, bare.child.pid!);
await bare.stop();

const gateway = await serve('src/main.ts', { SENSOR_TOPIC: topicName, DEVICES_JSON: await devicesJson([sensor!]), MAX_BODY_BYTES: String(16 * 1024 * 1024), ...UNLIMITED_DEVICE }, '/readyz');
const rss = rssSampler(gateway.url, 'sensor_gateway_');
const measured = await load(gateway.url, body, sensor!.token, seconds, gateway.child.pid!, () => rss.sample());
await rss.sample();
await gateway.stop();
await topic.delete();
await pubsub.close();

const row = (name: string, r: typeof baseline) =>
  `${name.padEnd(28)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s ${(r.requestsPerSecond * samplesPerRequest).toFixed(0).padStart(10)} samples/s  p99 ${String(r.p99LatencyMs).padStart(5)} ms  non-2xx ${r.non2xx}` +
  `  server CPU ${r.serverCpuMsPerRequest.toFixed(3)} ms/req (${(100 * r.serverCpuShare).toFixed(0)} % of a core), emulator ${(100 * r.emulatorCpuShare).toFixed(0)} % of a core`;
console.log(`body: ${PACKETS_PER_REQUEST} packets × ${SAMPLE_RATE} samples × 3 axes = ${(body.length / 1024).toFixed(0)} KiB; ${seconds} s per run, 16 connections`);
console.log(row('bare fastify route (parse)', baseline));
console.log(row('sensor-gateway → Pub/Sub', measured));
console.log(`ratio gateway / bare route: ${((100 * measured.requestsPerSecond) / baseline.requestsPerSecond).toFixed(1)} %`);
console.log(`CPU per request, bare route / gateway: ${((100 * baseline.serverCpuMsPerRequest) / measured.serverCpuMsPerRequest).toFixed(1)} %`);
console.log(`gateway samples per CPU-second: ${((measured.requestsPerSecond * samplesPerRequest) / measured.serverCpuShare).toFixed(0)}`);
console.log(`gateway peak RSS during the run: ${rss.peakMiB.toFixed(0)} MiB`);
