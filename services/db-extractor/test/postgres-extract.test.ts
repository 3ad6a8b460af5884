import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createBigQuery, createLogger, createStorage } from '@mine/platform';
import { stackEnv, uniqueName } from '@mine/testkit';
import { parsePlan } from '../src/plan.js';
import { runExtraction } from '../src/run.js';
import { extractorMetrics } from '../src/progress.js';

const env = stackEnv();
const logger = createLogger({ service: 'db-extractor-test', level: 'silent' });
const bigquery = createBigQuery({ projectId: env.projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });

/** A database of its own on the shared PostgreSQL, a dataset and a staging bucket, all removed afterwards. */
async function freshSource(t: import('node:test').TestContext, prefix: string) {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: env.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = env.databaseUrl.replace(/\/[^/]*$/, `/${name}`);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const [dataset] = await bigquery.createDataset(name);
  const [bucket] = await storage.createBucket(name.replace(/_/g, '-'));
  t.after(async () => {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await dataset.delete({ force: true }).catch(() => undefined);
    await bucket.deleteFiles({ force: true }).then(() => bucket.delete()).catch(() => undefined);
  });
  return { url, db, dataset, bucket };
}

test('PostgreSQL tables are extracted full and incrementally, MERGEd, resumed after a kill, with every type round-tripped and schema drift handled', async (t) => {
  const { url, db, dataset, bucket } = await freshSource(t, 'dbx');

  // A production-app schema: extraction records per pit, bench and shift, and the shift calendar.
  await db.query(`
    CREATE TABLE extraction_records (
      id bigint PRIMARY KEY, pit text NOT NULL, bench text NOT NULL, shift_date date NOT NULL, tonnes numeric(12,3) NOT NULL,
      grade_cu numeric(6,4), equipment_ids int[], tags text[], measured_at timestamptz NOT NULL, local_time timestamp,
      meta jsonb, record_uuid uuid NOT NULL, photo bytea, updated_at timestamptz NOT NULL);
    CREATE TABLE shifts (id int PRIMARY KEY, name text NOT NULL, crew_size int NOT NULL);
    INSERT INTO shifts VALUES (1, 'day', 14), (2, 'night', 11), (3, 'swing', 9);
    INSERT INTO extraction_records
      SELECT i, 'P' || (i % 3), 'B' || (i % 12), DATE '2026-11-01' + (i % 20), (i * 1.125)::numeric(12,3), CASE WHEN i % 7 = 0 THEN NULL ELSE 0.4567 END,
             ARRAY[i % 5, i % 7], ARRAY['shovel-' || (i % 4)], TIMESTAMPTZ '2026-11-01 06:00:00+00' + i * INTERVAL '1 minute', TIMESTAMP '2026-11-01 08:30:00.123456',
             jsonb_build_object('loader', 'L' || (i % 9), 'wet', i % 2 = 0), md5(i::text)::uuid, decode('deadbeef', 'hex'),
             TIMESTAMPTZ '2026-11-10 00:00:00+00' + i * INTERVAL '1 second'
      FROM generate_series(1, 2500) AS i;`);

  const plan = parsePlan(JSON.stringify({
    sources: [{
      name: 'production', kind: 'postgres', connectionEnv: 'PRODUCTION_DATABASE_URL', dataset: dataset.id,
      tables: [
        { table: 'public.extraction_records', target: 'extraction_records', mode: 'incremental', cursor: ['updated_at'], primaryKey: ['id'], chunkSize: 1000, lookbackSeconds: 60, partitionBy: 'measured_at', clusterBy: ['pit'] },
        { table: 'public.shifts', target: 'shifts', mode: 'full', primaryKey: ['id'], chunkSize: 2 },
      ],
    }],
  }));
  const run = (extra: object = {}) => runExtraction({ plan, connection: (v) => (v === 'PRODUCTION_DATABASE_URL' ? url : undefined), bigquery, staging: bucket, logger, ...extra });
  const query = async (sql: string) => (await bigquery.query({ query: sql.replaceAll('$ds', `\`${env.projectId}.${dataset.id}\``) }))[0];

  const metrics = extractorMetrics();
  const first = await run({ metrics });
  assert.deepEqual(first.failed, []);
  // Progress is exported as it goes: rows and chunks per table, tables by outcome, and an ETA that ends at 0.
  const exported = async (metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }) =>
    Object.fromEntries((await metric.get()).values.map((v) => [String(v.labels.table ?? v.labels.outcome), v.value]));
  assert.deepEqual(await exported(metrics.rows), { 'production.public.extraction_records': 2500, 'production.public.shifts': 3 });
  assert.deepEqual(await exported(metrics.tables), { done: 2 });
  assert.equal((await exported(metrics.eta))['production.public.extraction_records'], 0);
  assert.deepEqual(first.results.map((r) => [r.target, r.rows, r.chunks]), [['extraction_records', 2500, 3], ['shifts', 3, 2]]);
  assert.deepEqual(await query('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM $ds.extraction_records'), [{ n: 2500, ids: 2500 }]);

  // Every type round-trips.
  const [row] = await query(`SELECT CAST(tonnes AS STRING) AS tonnes, CAST(grade_cu AS STRING) AS grade, equipment_ids, tags, shift_date, measured_at, local_time,
      JSON_VALUE(meta, '$.loader') AS loader, record_uuid, TO_HEX(photo) AS photo FROM $ds.extraction_records WHERE id = 8`);
  const source = (await db.query(`SELECT record_uuid::text AS uuid FROM extraction_records WHERE id = 8`)).rows[0];
  // Exact decimals (NUMERIC), compared as numbers: the emulator prints NUMERIC with nine decimals.
  assert.equal(Number(row.tonnes), 9);
  assert.equal(Number(row.grade), 0.4567);
  assert.deepEqual(row.equipment_ids, [3, 1]);
  assert.deepEqual(row.tags, ['shovel-0']);
  assert.equal(row.shift_date.value, '2026-11-09');
  assert.equal(row.measured_at.value, '2026-11-01T06:08:00.000Z');
  assert.equal(row.local_time.value, '2026-11-01T08:30:00.123456');
  assert.equal(row.loader, 'L8');
  assert.equal(row.record_uuid, source.uuid);
  assert.equal(row.photo.toLowerCase(), 'deadbeef');

  // Updates and inserts between runs land through MERGE; the full table follows its source exactly.
  await db.query(`UPDATE extraction_records SET tonnes = 999.5, updated_at = TIMESTAMPTZ '2026-11-20 00:00:00+00' + id * INTERVAL '1 second' WHERE id <= 10;
    INSERT INTO extraction_records SELECT i, 'P9', 'B1', DATE '2026-11-21', 1, NULL, NULL, NULL, now(), NULL, NULL, gen_random_uuid(), NULL, TIMESTAMPTZ '2026-11-21 00:00:00+00' + i * INTERVAL '1 second' FROM generate_series(2501, 2505) AS i;
    DELETE FROM shifts WHERE id = 3; INSERT INTO shifts VALUES (4, 'maintenance', 5);`);
  const second = await run();
  // The 15 changed rows, plus the 61 last rows of the first run again: the 60 s look-back re-reads them (harmless under MERGE).
  assert.deepEqual(second.results.map((r) => [r.target, r.rows]), [['extraction_records', 15 + 61], ['shifts', 3]]);
  assert.deepEqual(await query('SELECT COUNT(*) AS n, COUNTIF(tonnes = 999.5) AS updated FROM $ds.extraction_records'), [{ n: 2505, updated: 10 }]);
  assert.deepEqual((await query('SELECT id, name FROM $ds.shifts ORDER BY id')).map((r) => [r.id, r.name]), [[1, 'day'], [2, 'night'], [4, 'maintenance']]);

  // A run killed after its first chunk publishes nothing; the next run resumes it without duplicates or gaps.
  await db.query(`INSERT INTO extraction_records SELECT i, 'P1', 'B2', DATE '2026-11-22', 2, NULL, NULL, NULL, now(), NULL, NULL, gen_random_uuid(), NULL, TIMESTAMPTZ '2026-11-22 00:00:00+00' + i * INTERVAL '1 second' FROM generate_series(2506, 4005) AS i`);
  const killed = await run({ stopAfterChunks: 1, only: ['extraction_records'] });
  assert.equal(killed.results[0]?.status, 'stopped');
  assert.deepEqual(await query('SELECT COUNT(*) AS n FROM $ds.extraction_records'), [{ n: 2505 }]);
  const resumed = await run({ only: ['extraction_records'] });
  assert.equal(resumed.results[0]?.status, 'done');
  assert.deepEqual(await query('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids, MAX(id) AS top FROM $ds.extraction_records'), [{ n: 4005, ids: 4005, top: 4005 }]);

  // Schema drift: a new column is added; a dropped one fails that table only.
  await db.query(`ALTER TABLE extraction_records ADD COLUMN operator text; UPDATE extraction_records SET operator = 'ana', updated_at = TIMESTAMPTZ '2026-11-23 00:00:00+00' WHERE id = 1`);
  const widened = await run();
  assert.deepEqual(widened.failed, []);
  assert.deepEqual(await query(`SELECT operator FROM $ds.extraction_records WHERE id = 1`), [{ operator: 'ana' }]);
  await db.query(`ALTER TABLE extraction_records DROP COLUMN grade_cu`);
  const narrowed = await run();
  assert.equal(narrowed.failed.length, 1);
  assert.match(narrowed.failed[0]!.error, /column grade_cu was removed at the source/);
  assert.deepEqual(narrowed.results.map((r) => r.target), ['shifts'], 'the other table still ran');
});

test('hostile source rows: user-defined types, NULL cursors, a timestamp cursor’s look-back, NaN and infinity, empty strings, and names that cannot be columns', async (t) => {
  const { url, db, dataset, bucket } = await freshSource(t, 'dbxh');
  await db.query(`
    CREATE TYPE shift_kind AS ENUM ('day', 'night');
    CREATE DOMAIN tonnes AS numeric(10,2) CHECK (VALUE >= 0);
    CREATE TYPE grid_point AS (x float8, y float8);
    CREATE TABLE loads (
      id int PRIMARY KEY, shift shift_kind NOT NULL, shifts shift_kind[], mass tonnes, at grid_point, span int4range, host inet,
      note text, ratio float8, grade numeric(12,4), seen_at timestamp, on_day date, changed_at timestamp);
    INSERT INTO loads VALUES
      (1, 'day', '{day,night}', 12.5, ROW(1.5, -2), '[1,5)', '10.0.0.1', '', 'NaN', 'NaN', 'infinity', '-infinity', '2026-11-20 10:00:00'),
      (2, 'night', NULL, 0, NULL, NULL, NULL, NULL, 'Infinity', 1.5, '2026-11-20 09:00:00', '2026-11-20', NULL),
      (3, 'day', '{}', 7, ROW(0, 0), 'empty', '::1', 'x', '-Infinity', 'NaN', '-infinity', 'infinity', '2026-11-20 10:00:05');
    CREATE TABLE odd_names (id int PRIMARY KEY, "bad""name" text);`);
  const plan = parsePlan(JSON.stringify({
    sources: [{
      name: 'production', kind: 'postgres', connectionEnv: 'PRODUCTION_DATABASE_URL', dataset: dataset.id,
      tables: [
        { table: 'public.loads', target: 'loads', mode: 'incremental', cursor: ['changed_at'], primaryKey: ['id'], chunkSize: 2, lookbackSeconds: 60 },
        { table: 'public.odd_names', target: 'odd_names', mode: 'full', primaryKey: ['id'], chunkSize: 10 },
      ],
    }],
  }));
  const run = () => runExtraction({ plan, connection: (v) => (v === 'PRODUCTION_DATABASE_URL' ? url : undefined), bigquery, staging: bucket, logger });
  const query = async (sql: string) => (await bigquery.query({ query: sql.replaceAll('$ds', `\`${env.projectId}.${dataset.id}\``) }))[0];

  const first = await run();
  assert.deepEqual(first.failed.map((f) => f.table), ['production.public.odd_names']);
  assert.match(first.failed[0]!.error, /column names "bad\\"name" cannot be BigQuery column names/);
  assert.deepEqual(first.results.map((r) => [r.target, r.rows, r.status]), [['loads', 3, 'done']], 'the row with a NULL cursor is extracted too');
  const rows = (await query('SELECT * FROM $ds.loads')).sort((x: { id: number }, y: { id: number }) => x.id - y.id);
  const plain = rows.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v])));
  // Enums and arrays of them as text, a domain as its base type (NUMERIC), other user-defined types in their text form.
  assert.deepEqual(plain.map((r) => [r.id, r.shift, r.shifts, Number(r.mass), r.at, r.span, r.host]), [
    [1, 'day', ['day', 'night'], 12.5, '(1.5,-2)', '[1,5)', '10.0.0.1/32'],
    [2, 'night', [], 0, null, null, null],
    [3, 'day', [], 7, '(0,0)', 'empty', '::1/128'],
  ]);
  // An empty string stays an empty string, NULL stays NULL.
  assert.deepEqual(plain.map((r) => r.note), ['', null, 'x']);
  // Infinite timestamps and dates and a NaN NUMERIC have no BigQuery value: NULL. The table finished, nothing is stuck.
  assert.deepEqual(plain.map((r) => [r.seen_at === null, r.on_day === null, r.grade === null]), [[true, true, true], [false, false, false], [true, true, true]]);
  // Float NaN and infinities are FLOAT64's own values.
  assert.deepEqual((await query('SELECT id, CAST(ratio AS STRING) AS ratio FROM $ds.loads ORDER BY id')).map((r: { ratio: string }) => r.ratio), ['nan', 'inf', '-inf']);

  // A row changed 30 s before the watermark (a timestamp cursor, no zone) is found by the look-back;
  // a row whose cursor is still NULL is read again, and its change arrives.
  await db.query(`INSERT INTO loads (id, shift, note, changed_at) VALUES (4, 'night', 'late', '2026-11-20 09:59:35'); UPDATE loads SET note = 'fixed' WHERE id = 2;`);
  const second = await run();
  assert.deepEqual(second.results.map((r) => [r.target, r.status]), [['loads', 'done']]);
  const after = await query('SELECT id, note FROM $ds.loads ORDER BY id');
  assert.deepEqual(after.map((r: { id: number; note: string | null }) => [r.id, r.note]), [[1, ''], [2, 'fixed'], [3, 'x'], [4, 'late']]);
});
