// alert-evaluator: packets evaluated per second, and latency from the gateway POST to the alarm on
// the `alerts` topic (p50, p99), with both services running as processes on the local stack.
//   eval "$(tools/stack/stack.sh env)" && npx tsx --conditions=source services/alert-evaluator/bench/alarm-latency-bench.ts [blasts] [backlog]
import { createHash } from 'node:crypto';
import { createPubSub } from '@mine/platform';
import { SensorStream, blastSource, devicesJson, mineLayout, postPackets } from '@mine/simulator';
import { startService, uniqueName } from '@mine/testkit';

const blasts = Number(process.argv[2] ?? 60);
const backlog = Number(process.argv[3] ?? 2000);
const pubsub = createPubSub('mine-local');
const name = uniqueName('bench-alarms').replace(/_/g, '-');
const topics = Object.fromEntries(await Promise.all(['readings', 'issues', 'alerts', 'readings-dlq', 'issues-dlq'].map(async (t) => [t, (await pubsub.createTopic(`${name}-${t}`))[0]] as const)));
await topics.readings!.createSubscription(`${name}-eval`);
await topics.issues!.createSubscription(`${name}-eval-issues`);
const [alertsSub] = await topics.alerts!.createSubscription(`${name}-alerts.watch`);

const sensors = mineLayout(blasts + 20);
const gateway = await startService('sensor-gateway', { LOG_LEVEL: 'warn', SENSOR_TOPIC: `${name}-readings`, DEVICES_JSON: await devicesJson(sensors) });
const evaluator = await startService('alert-evaluator', {
  LOG_LEVEL: 'warn',
  PG_SCHEMA: name.replace(/-/g, '_'),
  SENSOR_SUBSCRIPTION: `${name}-eval`,
  SENSOR_DEAD_LETTER_TOPIC: `${name}-readings-dlq`,
  ISSUE_SUBSCRIPTION: `${name}-eval-issues`,
  ISSUE_DEAD_LETTER_TOPIC: `${name}-issues-dlq`,
  ALERTS_TOPIC: `${name}-alerts`,
  API_TOKENS: `bench:viewer:${createHash('sha256').update('bench').digest('hex')}`,
});

// Latency: one blast at a time on a fresh sensor, timed from the POST to the transition on `alerts`.
const arrivals = new Map<string, number>();
alertsSub.on('message', (message) => {
  arrivals.set(JSON.parse(message.data.toString()).subject, performance.now());
  message.ack();
});
const now = Math.floor(Date.now() / 1000) - 2;
const latencies: number[] = [];
for (let i = 0; i < blasts; i++) {
  const sensor = sensors[i]!;
  const stream = new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: i });
  stream.add(blastSource(now + 0.2, 40, 12, 0.6));
  const sent = performance.now();
  await postPackets(gateway.url, sensor, [stream.packet(now)]);
  while (!arrivals.has(sensor.sensorId) && performance.now() - sent < 10_000) await new Promise((r) => setTimeout(r, 2));
  if (arrivals.has(sensor.sensorId)) latencies.push(arrivals.get(sensor.sensorId)! - sent);
}

// Throughput: a backlog of quiet packets, timed until every one has been evaluated.
const evaluatedCount = async () => {
  const text = await fetch(`${evaluator.url}/metrics`).then((r) => r.text());
  return [...text.matchAll(/alert_evaluator_messages_evaluated_total\{source="sensor-readings"[^}]*\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
};
const before = await evaluatedCount();
const quiet = sensors.slice(blasts).map((sensor, i) => ({ sensor, stream: new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: 1000 + i }) }));
const perSensor = Math.ceil(backlog / quiet.length);
const startBacklog = performance.now();
await Promise.all(quiet.map(async ({ sensor, stream }) => {
  for (let k = 0; k < perSensor; k += 10) {
    await postPackets(gateway.url, sensor, Array.from({ length: Math.min(10, perSensor - k) }, (_, j) => stream.packet(now - 3600 + k + j)));
  }
}));
const total = perSensor * quiet.length;
while ((await evaluatedCount()) - before < total && performance.now() - startBacklog < 300_000) await new Promise((r) => setTimeout(r, 200));
const seconds = (performance.now() - startBacklog) / 1000;

await Promise.all([gateway.stop(), evaluator.stop()]);
await alertsSub.close();
const first = latencies[0] ?? 0;
latencies.sort((a, b) => a - b);
console.log(`first blast (cold paths) ${first.toFixed(0)} ms; slowest five: ${latencies.slice(-5).map((l) => l.toFixed(0)).join(', ')} ms`);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
console.log(`latency, gateway POST → alarm on the alerts topic, ${latencies.length}/${blasts} blasts: p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`);
console.log(`throughput: ${total} packets (500 samples × 3 axes) evaluated in ${seconds.toFixed(1)} s = ${(total / seconds).toFixed(0)} packets/s (gateway, Pub/Sub and evaluator on the same 2 cores)`);
for (const topic of Object.values(topics)) await topic.delete().catch(() => undefined);
process.exit(0);
