// alert-evaluator with 1 and with 3 replicas, in one run: latency from the gateway POST to the alarm
// on each channel (alerts topic, BigQuery history, a webhook), p50/p99, under the simulator's 120
// live sensors plus a 2,000-packet backlog; evaluated packets/s per replica; PostgreSQL round trips
// per packet; CPU shares per process. Everything runs as processes on the local stack.
//   eval "$(tools/stack/stack.sh env)" && npx tsx --conditions=source services/alert-evaluator/bench/alarm-latency-bench.ts [blasts] [backlog]
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlarmTransition, toBigQuerySchema } from '@mine/contracts';
import { createBigQuery, createPubSub } from '@mine/platform';
import { SensorStream, blastSource, devicesJson, mineLayout, postPackets } from '@mine/simulator';
import { stackEnv, startService, uniqueName, type ServiceProcess } from '@mine/testkit';

const blasts = Number(process.argv[2] ?? 20);
const backlog = Number(process.argv[3] ?? 2000);
const LIVE_SENSORS = 120;
const env = stackEnv();
const pubsub = createPubSub(env.projectId);
const bigquery = createBigQuery({ projectId: env.projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });

/** CPU seconds (user + system) of a process and its children so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}
/** The shared stack's processes by name (PostgreSQL with all its backends). */
function stackPids(): Record<string, number[]> {
  // stack.sh reports on stderr.
  const result = spawnSync('bash', [`${process.cwd().replace(/\/services\/alert-evaluator$/, '')}/tools/stack/stack.sh`, 'status'], { encoding: 'utf8' });
  const status = `${result.stdout}${result.stderr}`;
  const pid = (name: string) => Number(new RegExp(`${name} running \\(pid (\\d+)\\)`).exec(status)?.[1] ?? 0);
  const postmaster = pid('postgres');
  const backends = postmaster ? execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number) : [];
  return { 'pubsub emulator': [pid('pubsub')], 'bigquery emulator': [pid('bigquery')], postgres: [postmaster, ...backends] };
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const metric = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);

async function run(replicas: number) {
  const name = uniqueName(`bench-ae${replicas}`).replace(/_/g, '-');
  const topics = Object.fromEntries(await Promise.all(['readings', 'issues', 'alerts', 'dlq'].map(async (t) => [t, (await pubsub.createTopic(`${name}-${t}`))[0]] as const)));
  await topics.readings!.createSubscription(`${name}-eval`, { enableMessageOrdering: true, ackDeadlineSeconds: 30 });
  await topics.issues!.createSubscription(`${name}-eval-issues`);
  await topics.alerts!.createSubscription(`${name}-history`);
  const [alertsSub] = await topics.alerts!.createSubscription(`${name}-alerts.watch`);
  const [dataset] = await bigquery.createDataset(name.replace(/-/g, '_'));
  await dataset.createTable('alarm_transitions', { schema: { fields: toBigQuerySchema(AlarmTransition) } });

  const arrivals = { topic: new Map<string, number>(), webhook: new Map<string, number>(), bigquery: new Map<string, number>() };
  alertsSub.on('message', (message) => {
    const subject = JSON.parse(message.data.toString()).subject as string;
    if (!arrivals.topic.has(subject)) arrivals.topic.set(subject, performance.now());
    message.ack();
  });
  const webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const subject = (JSON.parse(body) as AlarmTransition).subject;
      if (!arrivals.webhook.has(subject)) arrivals.webhook.set(subject, performance.now());
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));

  const sensors = mineLayout(LIVE_SENSORS + blasts + 20);
  const gateway = await startService('sensor-gateway', { LOG_LEVEL: 'warn', SENSOR_TOPIC: `${name}-readings`, DEVICES_JSON: await devicesJson(sensors) });
  const evaluators: ServiceProcess[] = [];
  for (let i = 0; i < replicas; i++)
    evaluators.push(
      await startService('alert-evaluator', {
        LOG_LEVEL: 'warn',
        PG_SCHEMA: name.replace(/-/g, '_'),
        SENSOR_SUBSCRIPTION: `${name}-eval`,
        SENSOR_DEAD_LETTER_TOPIC: `${name}-dlq`,
        ISSUE_SUBSCRIPTION: `${name}-eval-issues`,
        ISSUE_DEAD_LETTER_TOPIC: `${name}-dlq`,
        ALERTS_TOPIC: `${name}-alerts`,
        ALERTS_DEAD_LETTER_TOPIC: `${name}-dlq`,
        ALARM_HISTORY_SUBSCRIPTION: `${name}-history`,
        ALARM_HISTORY_TABLE: `${dataset.id}.alarm_transitions`,
        WEBHOOK_URLS: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
        WEBHOOK_SIGNING_SECRET: 'bench',
        API_TOKENS: `bench:viewer:${createHash('sha256').update('bench').digest('hex')}`,
      }),
    );

  const cpuStart = new Map<string, number>();
  const processes = (): [string, number[]][] => [['sensor-gateway', [gateway.child.pid!]], ...evaluators.map((e, i): [string, number[]] => [`alert-evaluator #${i + 1}`, [e.child.pid!]]), ['bench (simulator, receivers)', [process.pid]], ...Object.entries(stackPids())];
  for (const [label, pids] of processes()) cpuStart.set(label, pids.reduce((n, pid) => n + cpuSeconds(pid), 0));
  const wallStart = performance.now();

  // The live mine: 120 sensors, one 1 s packet each per second.
  const now = Math.floor(Date.now() / 1000) - 2;
  const live = sensors.slice(0, LIVE_SENSORS).map((sensor, i) => ({ sensor, stream: new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: i }) }));
  let liveSecond = 0;
  let liveRunning = true;
  const liveLoop = (async () => {
    while (liveRunning) {
      const tick = performance.now();
      const second = now - 600 + liveSecond++;
      await Promise.all(live.map(({ sensor, stream }) => postPackets(gateway.url, sensor, [stream.packet(second)]).catch(() => undefined)));
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - tick))));
    }
  })();

  // The backlog: 2,000 quiet packets from twenty sensors that were offline, ten per request.
  const offline = sensors.slice(LIVE_SENSORS + blasts).map((sensor, i) => ({ sensor, stream: new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: 5000 + i }) }));
  const perSensor = Math.ceil(backlog / offline.length);
  const backlogPosted = Promise.all(
    offline.map(async ({ sensor, stream }) => {
      for (let k = 0; k < perSensor; k += 10) await postPackets(gateway.url, sensor, Array.from({ length: Math.min(10, perSensor - k) }, (_, j) => stream.packet(now - 3600 + k + j)));
    }),
  );

  // Blasts, one at a time on fresh sensors, timed from the POST to each channel.
  const sent = new Map<string, number>();
  for (let i = 0; i < blasts; i++) {
    const sensor = sensors[LIVE_SENSORS + i]!;
    const stream = new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: 100 + i });
    stream.add(blastSource(now + 0.2, 40, 12, 0.6));
    sent.set(sensor.sensorId, performance.now());
    await postPackets(gateway.url, sensor, [stream.packet(now)]);
    const deadline = performance.now() + 10_000;
    while (!(arrivals.topic.has(sensor.sensorId) && arrivals.webhook.has(sensor.sensorId)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 200));
  }
  // BigQuery: polled every 250 ms for the blasts' first transitions (its figures carry that resolution).
  const bqDeadline = performance.now() + 30_000;
  while (arrivals.bigquery.size < blasts && performance.now() < bqDeadline) {
    const [rows] = await bigquery.query({ query: `SELECT subject FROM \`${env.projectId}.${dataset.id}.alarm_transitions\`` });
    for (const row of rows as { subject: string }[]) if (!arrivals.bigquery.has(row.subject)) arrivals.bigquery.set(row.subject, performance.now());
    await new Promise((r) => setTimeout(r, 250));
  }

  await backlogPosted;
  const metricsOf = async () => Promise.all(evaluators.map((e) => fetch(`${e.url}/metrics`).then((r) => r.text())));
  // Up to 45 s for what is still queued; what is left then is reported as the lag.
  const drainDeadline = performance.now() + 45_000;
  liveRunning = false;
  await liveLoop;
  const postedLive = liveSecond * LIVE_SENSORS;
  let texts = await metricsOf();
  while (performance.now() < drainDeadline) {
    const evaluated = texts.reduce((n, t) => n + metric(t, /alert_evaluator_messages_evaluated_total\{[^}]*source="sensor-readings"[^}]*outcome="evaluated"[^}]*\} (\d+)/g), 0);
    if (evaluated >= perSensor * offline.length + postedLive + blasts - 5) break;
    await new Promise((r) => setTimeout(r, 250));
    texts = await metricsOf();
  }
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const accepted = metric(await fetch(`${gateway.url}/metrics`).then((r) => r.text()), /sensor_gateway_packets_accepted_total\{[^}]*\} (\d+)/g);
  const cpu = processes().map(([label, pids]) => [label, pids.reduce((n, pid) => n + cpuSeconds(pid), 0) - (cpuStart.get(label) ?? 0)] as const);

  const perReplica = texts.map((t) => metric(t, /alert_evaluator_messages_evaluated_total\{[^}]*source="sensor-readings"[^}]*outcome="evaluated"[^}]*\} (\d+)/g));
  const roundTrips = texts.reduce((n, t) => n + metric(t, /alert_evaluator_postgres_round_trips_total\{[^}]*work="packet"[^}]*\} (\d+)/g), 0);
  const latency = (channel: keyof typeof arrivals) =>
    [...sent].flatMap(([subject, at]) => (arrivals[channel].has(subject) ? [arrivals[channel].get(subject)! - at] : [])).sort((a, b) => a - b);

  await Promise.all([gateway.stop(), ...evaluators.map((e) => e.stop())]);
  await alertsSub.close();
  webhook.close();
  for (const topic of Object.values(topics)) await topic.delete().catch(() => undefined);
  await dataset.delete({ force: true }).catch(() => undefined);
  return { replicas, accepted, latency: { topic: latency('topic'), webhook: latency('webhook'), bigquery: latency('bigquery') }, perReplica, roundTrips, wallSeconds, cpu };
}

const results = [];
for (const replicas of [1, 3]) results.push(await run(replicas));
for (const r of results) {
  const evaluated = r.perReplica.reduce((a, b) => a + b, 0);
  console.log(`\n== ${r.replicas} replica(s): ${evaluated} packets evaluated in ${r.wallSeconds.toFixed(1)} s (${LIVE_SENSORS} live sensors, ${backlog}-packet backlog, ${blasts} blasts)`);
  for (const [channel, values] of Object.entries(r.latency))
    console.log(`  POST → alarm on ${channel.padEnd(8)} ${values.length}/${blasts}: p50 ${pct(values, 50).toFixed(0)} ms, p99 ${pct(values, 99).toFixed(0)} ms`);
  console.log(`  accepted by the gateway ${r.accepted}, not yet evaluated at the end ${r.accepted - evaluated}`);
  console.log(`  evaluated packets/s per replica: ${r.perReplica.map((n) => (n / r.wallSeconds).toFixed(0)).join(', ')} (total ${(evaluated / r.wallSeconds).toFixed(0)})`);
  console.log(`  PostgreSQL round trips per packet: ${(r.roundTrips / evaluated).toFixed(1)}`);
  const totalCpu = r.cpu.reduce((n, [, s]) => n + s, 0);
  console.log(`  CPU (2 cores = ${(2 * r.wallSeconds).toFixed(0)} core-s available): ${r.cpu.map(([label, s]) => `${label} ${s.toFixed(1)} s (${((100 * s) / (2 * r.wallSeconds)).toFixed(0)} %)`).join('; ')}; total ${((100 * totalCpu) / (2 * r.wallSeconds)).toFixed(0)} %`);
}
const [one, three] = results;
if (one && three) {
  const rate = (r: typeof one) => r.perReplica.reduce((a, b) => a + b, 0) / r.wallSeconds;
  console.log(`\n3 replicas / 1: p99 topic ×${(pct(three.latency.topic, 99) / pct(one.latency.topic, 99)).toFixed(2)}, total packets/s ×${(rate(three) / rate(one)).toFixed(2)}`);
}
process.exit(0);
