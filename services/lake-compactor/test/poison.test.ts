import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSensorReadings, type SensorReading } from '@mine/contracts';
import { DEAD_LETTER_ATTRIBUTES, PoisonMessageError, createLogger, createPubSub, createStorage, loadConfig } from '@mine/platform';
import { createTestTopic, pullMessages, stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { buildSpoolService } from '../src/app.js';
import { LakeCompactorEnv } from '../src/config.js';
import { openDuckDb, sqlString } from '../src/parquet.js';
import { SpoolWriter } from '../src/spool.js';

const env = stackEnv();
const pubsub = createPubSub(env.projectId);
const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });
const logger = createLogger({ service: 'lake-compactor-test', level: 'silent' });

const reading = (sensorId: string, sequence: number, startTime: string): SensorReading => ({
  sensorId,
  sequence,
  startTime,
  sampleRateHz: 500,
  samples: { x: [0.1, 0.2], y: [0.3, 0.4], z: [0.5, 0.6] },
  site: 'north-pit',
  zone: 'z1',
  receivedAt: '2026-11-20T05:10:00.000Z',
});

async function spooledRows(bucket: ReturnType<typeof storage.bucket>, duckdb: Awaited<ReturnType<typeof openDuckDb>>) {
  const dir = await mkdtemp(join(tmpdir(), 'poison-check-'));
  const [files] = await bucket.getFiles({ prefix: 'spool/' });
  if (files.length === 0) return [];
  const paths = await Promise.all(files.map(async (f, i) => (await f.download({ destination: join(dir, `${i}.parquet`) }), join(dir, `${i}.parquet`))));
  const rows = await duckdb.runAndReadAll(`SELECT sensorId, sequence, strftime(startTime, '%Y-%m-%dT%H:%M:%S.%gZ') FROM read_parquet([${paths.map(sqlString).join(',')}]) ORDER BY sensorId, sequence`);
  return rows.getRows().map(([s, q, t]) => `${s}/${q}@${t}`);
}

test('a packet the spool cannot store is rejected alone with its reason; the rest of its batch is stored', async (t) => {
  const name = uniqueName('lake-poison').replace(/_/g, '-');
  const [bucket] = await storage.createBucket(name);
  t.after(() => bucket.deleteFiles({ force: true }).then(() => bucket.delete()).catch(() => undefined));
  const duckdb = await openDuckDb();
  const workDir = await mkdtemp(join(tmpdir(), 'lake-poison-'));
  const spool = new SpoolWriter({ bucket, duckdb, workDir, maxPackets: 100, maxAgeMs: 60_000, logger });
  // Not through the contract (which now refuses 2026-11-31): the writer must isolate whatever it cannot store.
  const outcomes = await Promise.allSettled([
    spool.add(reading('geo-001', 1, '2026-11-20T05:00:01.000Z')),
    spool.add(reading('geo-002', 1, '2026-11-20t05:00:02z')),
    spool.add(reading('geo-003', 1, '2026-11-20 07:00:03+02:00')),
    spool.add(reading('geo-004', 1, '2026-11-20T05:00:04.000Z')),
    spool.flush().then(() => undefined),
  ]);
  assert.deepEqual(outcomes.slice(0, 4).map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);

  const poisoned = await Promise.allSettled([
    spool.add(reading('geo-001', 2, '2026-11-20T05:00:05.000Z')),
    spool.add({ ...reading('geo-005', 1, '2026-11-20T05:00:06.000Z'), startTime: '2026-11-31T05:00:06Z' }),
    spool.add(reading('geo-004', 2, '2026-11-20T05:00:07.000Z')),
    spool.flush().then(() => undefined),
  ]);
  assert.deepEqual(poisoned.slice(0, 3).map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
  const error = (poisoned[1] as PromiseRejectedResult).reason;
  assert.ok(error instanceof PoisonMessageError, String(error));
  assert.equal(error.reason, 'unstorable_packet');
  assert.match(String(error.detail), /geo-005\/1: .*2026-11-31 is not a calendar date/);
  assert.deepEqual(await spooledRows(bucket, duckdb), [
    'geo-001/1@2026-11-20T05:00:01.000Z',
    'geo-001/2@2026-11-20T05:00:05.000Z',
    'geo-002/1@2026-11-20T05:00:02.000Z',
    'geo-003/1@2026-11-20T05:00:03.000Z',
    'geo-004/1@2026-11-20T05:00:04.000Z',
    'geo-004/2@2026-11-20T05:00:07.000Z',
  ]);
  assert.deepEqual(await readdir(workDir), [], 'scratch cleaned up');
});

test('through the subscription: an impossible date dead-letters only its message, with the reason; the others are spooled', async (t) => {
  const name = uniqueName('lake-poison-sub').replace(/_/g, '-');
  const source = await createTestTopic(pubsub, 'lake-poison-src');
  const dlq = await createTestTopic(pubsub, 'lake-poison-dlq');
  const [bucket] = await storage.createBucket(name);
  t.after(async () => {
    await Promise.all([source.cleanup(), dlq.cleanup()]);
    await bucket.deleteFiles({ force: true }).then(() => bucket.delete()).catch(() => undefined);
  });
  const config = loadConfig(LakeCompactorEnv, {
    GCP_PROJECT_ID: env.projectId,
    SUBSCRIPTION: source.subscription.name.split('/').pop()!,
    DEAD_LETTER_TOPIC: dlq.topic.name.split('/').pop()!,
    LAKE_BUCKET: name,
    SPOOL_MAX_PACKETS: '100',
    SPOOL_MAX_AGE_MS: '200',
    WORK_DIR: await mkdtemp(join(tmpdir(), 'lake-poison-sub-')),
  });
  const service = await buildSpoolService({ config, logger, pubsub, storage });
  service.start();
  t.after(() => service.close());
  for (const message of encodeSensorReadings([reading('geo-001', 1, '2026-11-20T05:00:01.000Z'), reading('geo-001', 2, '2026-11-20T05:00:02.000Z')])) await source.topic.publishMessage(message);
  // The earlier one-packet JSON format, from a producer that does not normalise: one lowercase t, one impossible date.
  await source.topic.publishMessage({ json: reading('geo-002', 1, '2026-11-20t05:00:03Z') });
  await source.topic.publishMessage({ json: reading('geo-003', 1, '2026-11-31T05:00:04Z') });
  for (const message of encodeSensorReadings([reading('geo-004', 1, '2026-11-20T05:00:05.000Z')])) await source.topic.publishMessage(message);

  const dead = await pullMessages(dlq.subscription, { atLeast: 1, timeoutMs: 20_000 });
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.attributes[DEAD_LETTER_ATTRIBUTES.reason], 'contract_violation');
  assert.match(dead[0]!.attributes[DEAD_LETTER_ATTRIBUTES.detail]!, /startTime: .*2026-11-31 is not a calendar date/);
  assert.equal(JSON.parse(dead[0]!.data.toString()).sensorId, 'geo-003');
  const duckdb = await openDuckDb();
  const rows = await waitFor(async () => {
    const r = await spooledRows(bucket, duckdb);
    return r.length >= 4 ? r : undefined;
  }, { timeoutMs: 20_000, what: 'the good packets spooled' });
  assert.deepEqual(rows, [
    'geo-001/1@2026-11-20T05:00:01.000Z',
    'geo-001/2@2026-11-20T05:00:02.000Z',
    'geo-002/1@2026-11-20T05:00:03.000Z',
    'geo-004/1@2026-11-20T05:00:05.000Z',
  ]);
  // Nothing compacted yet: the service says how far behind the lake is.
  await service.measureFreshness();
  const metrics = (await service.app.inject('/metrics')).body;
  assert.match(metrics, /lake_compactor_lake_pending_hours\{[^}]*\} 1\n/);
  assert.match(metrics, /lake_compactor_lake_behind_seconds\{hour="2026-11-20T05"[^}]*\} \d/);
});
