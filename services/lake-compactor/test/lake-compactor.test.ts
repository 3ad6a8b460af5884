import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HourlyVibrationFeatures, encodeSensorReadings, toBigQuerySchema, type SensorReading } from '@mine/contracts';
import { createBigQuery, createLogger, createPubSub, createStorage, loadConfig } from '@mine/platform';
import { SensorStream, blastSource, mineLayout } from '@mine/simulator';
import { stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { packetFeatures } from '@mine/vibration';
import { buildSpoolService, staLtaOptions } from '../src/app.js';
import { runCompaction } from '../src/run.js';
import { LakeCompactorEnv } from '../src/config.js';
import { openDuckDb, sqlString } from '../src/parquet.js';

const env = stackEnv();
const pubsub = createPubSub(env.projectId);
const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });
const bigquery = createBigQuery({ projectId: env.projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
const logger = createLogger({ service: 'lake-compactor-test', level: 'silent' });
const HOUR = new Date(Date.UTC(2026, 10, 20, 5));

function readings(): SensorReading[] {
  const sensors = mineLayout(4, ['north-pit', 'south-decline'], 2);
  const out: SensorReading[] = [];
  sensors.forEach((sensor, i) => {
    const stream = new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: i + 11 });
    if (i === 0) stream.add(blastSource(HOUR.getTime() / 1000 + 600.3, 22, 14));
    for (let k = 0; k < 30; k++) {
      // Sensor 3 skips sequence 10: a gap the hourly features must count.
      const packet = stream.packet(HOUR.getTime() / 1000 + 590 + k);
      if (i === 3 && k === 10) continue;
      out.push({ ...packet, site: sensor.site, zone: sensor.zone, receivedAt: new Date(HOUR.getTime() + 600_000 + k * 1000).toISOString() });
    }
  });
  return out;
}

/** As sensor-gateway publishes them: a request's packets (one sensor's, received together) in one message. */
function gatewayMessages(readings: SensorReading[]) {
  const requests: SensorReading[][] = [];
  for (const reading of readings) {
    const last = requests.at(-1);
    if (last && last[0]!.sensorId === reading.sensorId && last[0]!.receivedAt === reading.receivedAt) last.push(reading);
    else requests.push([reading]);
  }
  return requests.flatMap((request) => encodeSensorReadings(request));
}

test('packets are spooled (acked only when stored), survive a crash and redelivery, and compact into deterministic hourly Parquet', async (t) => {
  const name = uniqueName('lake').replace(/_/g, '-');
  const [topic] = await pubsub.createTopic(name);
  const [dlq] = await pubsub.createTopic(`${name}-dlq`);
  await topic.createSubscription(`${name}.sub`, { ackDeadlineSeconds: 10 });
  const [bucket] = await storage.createBucket(name);
  const [dataset] = await bigquery.createDataset(uniqueName('lake'));
  await dataset.createTable('vibration_hourly', { schema: { fields: toBigQuerySchema(HourlyVibrationFeatures) } });
  t.after(async () => {
    await pubsub.subscription(`${name}.sub`).delete().catch(() => undefined);
    await Promise.all([topic.delete(), dlq.delete()]).catch(() => undefined);
    await bucket.deleteFiles({ force: true }).then(() => bucket.delete()).catch(() => undefined);
    await dataset.delete({ force: true }).catch(() => undefined);
  });
  const config = loadConfig(LakeCompactorEnv, {
    GCP_PROJECT_ID: env.projectId,
    SUBSCRIPTION: `${name}.sub`,
    DEAD_LETTER_TOPIC: `${name}-dlq`,
    LAKE_BUCKET: name,
    SPOOL_MAX_PACKETS: '25',
    SPOOL_MAX_AGE_MS: '60000',
    WORK_DIR: await mkdtemp(join(tmpdir(), 'lake-')),
  });
  assert.throws(() => staLtaOptions({ ...config, DETRIGGER_RATIO: 5 }), /detriggerRatio < triggerRatio/, 'inconsistent event-count settings are refused at start-up');
  const sent = readings();
  const deps = { config, logger, pubsub, storage };

  // First instance: 60 packets; two spool files of 25 are stored, the last 10 wait in memory when it crashes.
  let service = await buildSpoolService(deps);
  service.start();
  for (const r of sent.slice(0, 60)) await topic.publishMessage({ json: r });
  const spooled = async () => (await bucket.getFiles({ prefix: 'spool/' }))[0].length;
  await waitFor(async () => ((await spooled()) >= 2 ? true : undefined), { what: 'two spool files' });
  await service.crash();

  // Second instance: the unacknowledged 10 come back, with the rest and a redelivered batch of 15.
  service = await buildSpoolService({ ...deps, config: { ...config, SPOOL_MAX_AGE_MS: 300 } });
  service.start();
  t.after(() => service.close());
  // These arrive as the gateway sends them, five packets a message (the rest above in the earlier one-packet JSON).
  for (let i = 61; i < sent.length; i++) {
    if ((i - 60) % 5 !== 0 && sent[i]!.sensorId === sent[i - 1]!.sensorId) sent[i] = { ...sent[i]!, receivedAt: sent[i - 1]!.receivedAt };
  }
  const batched = gatewayMessages(sent.slice(60));
  assert.ok(batched.length < sent.length - 60 && batched.some((m) => m.attributes.packets === '5'));
  for (const message of batched) await topic.publishMessage(message);
  for (const r of sent.slice(20, 35)) await topic.publishMessage({ json: r });
  const duckdb = await openDuckDb();
  const countSpooled = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spool-check-'));
    const [files] = await bucket.getFiles({ prefix: 'spool/' });
    const paths: string[] = [];
    for (const [i, f] of files.entries()) {
      paths.push(join(dir, `${i}.parquet`));
      await f.download({ destination: paths[i]! });
    }
    const rows = (await duckdb.runAndReadAll(`SELECT count(DISTINCT sensorId || ':' || sequence), count(*) FROM read_parquet([${paths.map(sqlString).join(',')}])`)).getRows()[0]!;
    return { distinct: Number(rows[0]), total: Number(rows[1]) };
  };
  await waitFor(
    async () => {
      const { distinct, total } = await countSpooled();
      return distinct === sent.length && total >= sent.length + 15 ? true : undefined;
    },
    { timeoutMs: 30_000, what: 'every packet and the redelivered batch spooled' },
  );

  // Each sensor sends 30 s, the blast comes 10.3 s in: a 5 s long window lets the detector warm up before it.
  const staLta = { ltaSeconds: 5 };
  const options = { bucket, duckdb, workDir: config.WORK_DIR, logger, staLta, features: { bigquery, dataset: dataset.id!, table: 'vibration_hourly' }, settleMs: 0, leaseMs: 60_000 };
  const firstRun = await runCompaction(options);
  assert.deepEqual(firstRun.compacted.map((c) => c.hour), ['2026-11-20T05'], `the pending hour found from the spool, no hour named ${JSON.stringify([firstRun.failed, firstRun.skipped])}`);
  const first = firstRun.compacted[0]!.result;
  assert.equal(first.spoolPackets - first.duplicates, sent.length, 'duplicates removed, nothing lost');
  assert.ok(first.duplicates >= 15, `redelivered packets dropped (${first.duplicates})`);
  assert.deepEqual(first.sites.map((s) => s.site), ['north-pit', 'south-decline']);
  assert.equal(first.sites.reduce((n, s) => n + s.rawRows, 0), sent.length * 500, 'one raw row per sample');
  assert.deepEqual(first.sites[0]!.objects, {
    raw: ['raw/site=north-pit/date=2026-11-20/hour=05/part-geo-001.parquet', 'raw/site=north-pit/date=2026-11-20/hour=05/part-geo-003.parquet'],
    packets: 'features/packets/site=north-pit/date=2026-11-20/hour=05/part-00000.parquet',
    hourly: 'features/hourly/site=north-pit/date=2026-11-20/hour=05/part-00000.parquet',
  });
  // The raw samples read back from the lake as DuckDB sees it: one row per sample, in order.
  const rawLocal = join(config.WORK_DIR, 'raw.parquet');
  await bucket.file(first.sites[0]!.objects.raw[0]!).download({ destination: rawLocal });
  const [rawCheck] = (
    await duckdb.runAndReadAll(`SELECT count(*), count(DISTINCT sequence), count(*) FILTER (WHERE sampleTime <= previous)
      FROM (SELECT sequence, sampleTime, lag(sampleTime) OVER (ORDER BY file_row_number) AS previous FROM read_parquet(${sqlString(rawLocal)}, file_row_number = true))`)
  ).getRows();
  assert.deepEqual(rawCheck!.map(Number), [30 * 500, 30, 0], 'every sample once, in time order');

  // Features in the lake equal what packages/vibration computes on the packets as sent; DuckDB reads the lake directly.
  const local = join(config.WORK_DIR, 'packets.parquet');
  await bucket.file(first.sites[0]!.objects.packets).download({ destination: local });
  const lake = (await duckdb.runAndReadAll(`SELECT sensorId, sequence, ppvX, pvs, rms, dominantFrequencyHz FROM read_parquet(${sqlString(local)}) ORDER BY sensorId, sequence`)).getRowObjects();
  for (const row of lake) {
    const original = sent.find((r) => r.sensorId === row.sensorId && BigInt(r.sequence) === row.sequence)!;
    const expected = packetFeatures(original);
    for (const key of ['ppvX', 'pvs', 'rms', 'dominantFrequencyHz'] as const) assert.ok(Math.abs(Number(row[key]) - expected[key]) < 1e-9, `${row.sensorId}/${row.sequence} ${key}`);
  }
  const hourlyLocal = join(config.WORK_DIR, 'hourly.parquet');
  await bucket.file(first.sites[1]!.objects.hourly).download({ destination: hourlyLocal });
  const gaps = (await duckdb.runAndReadAll(`SELECT sensorId, gaps, packets FROM read_parquet(${sqlString(hourlyLocal)}) ORDER BY sensorId`)).getRows();
  assert.deepEqual(gaps.map((r) => [r[0], Number(r[1]), Number(r[2])]), [['geo-002', 0, 30], ['geo-004', 1, 29]]);

  // The blast is in the hourly features in BigQuery.
  const [rows] = await bigquery.query({ query: `SELECT sensorId, ppvMaxMmS, seismicEvents FROM \`${env.projectId}.${dataset.id}.vibration_hourly\` ORDER BY sensorId` });
  assert.equal(rows.length, 4);
  assert.ok(Math.abs(rows[0].ppvMaxMmS - 22) < 1, `blast PPV ${rows[0].ppvMaxMmS}`);
  // The blast is one STA/LTA event on the sensor that felt it; background noise triggers none.
  assert.deepEqual(rows.map((r) => r.seismicEvents), [1, 0, 0, 0]);

  // Nothing changed, nothing to do; a forced rerun replaces: same objects, same rows in BigQuery.
  assert.deepEqual((await runCompaction(options)).compacted, []);
  const again = (await runCompaction({ ...options, force: ['2026-11-20T05'] })).compacted[0]!.result;
  assert.deepEqual(again.sites.map((s) => [s.rawRows, s.objects]), first.sites.map((s) => [s.rawRows, s.objects]));
  const [[{ n }]] = await bigquery.query({ query: `SELECT count(*) AS n FROM \`${env.projectId}.${dataset.id}.vibration_hourly\`` });
  assert.equal(n, 4);

  // A late packet is folded in by the next run, which finds its hour changed.
  const late = sent[5]!;
  await topic.publishMessage({ json: { ...late, sequence: 1000, receivedAt: new Date(HOUR.getTime() + 7_200_000).toISOString() } });
  await waitFor(async () => ((await countSpooled()).distinct === sent.length + 1 ? true : undefined), { timeoutMs: 20_000, what: 'late packet spooled' });
  const recompacted = (await runCompaction(options)).compacted;
  assert.deepEqual(recompacted.map((c) => [c.hour, c.packets]), [['2026-11-20T05', sent.length + 1]]);
});
