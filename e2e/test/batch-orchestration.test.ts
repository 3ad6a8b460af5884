import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PubSub } from '@google-cloud/pubsub';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { createBigQuery, createS3, createStorage } from '@mine/platform';
import { recordLoads, rockQualityDelivery } from '@mine/simulator';
import { provision, topology } from '@mine/topology';
import { stackEnv, startJob, startService, uniqueName, waitFor } from '@mine/testkit';

const env = stackEnv();

test('sources → batch jobs → quality gate → marts: a killed run and a skipped schedule are caught up with nothing missing or doubled; a failing check blocks publication and shows in run history', async (t) => {
  // A project of its own, provisioned from the topology, and a production database and supplier bucket of its own.
  const projectId = uniqueName('orch').replace(/_/g, '-');
  const pubsub = new PubSub({ projectId });
  const bigquery = createBigQuery({ projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
  const storage = createStorage({ projectId, storageApiEndpoint: env.storageApiEndpoint });
  await provision(topology, { pubsub, bigquery, storage }, { projectId, location: 'EU' });
  const database = uniqueName('production');
  const admin = new pg.Client({ connectionString: env.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const databaseUrl = env.databaseUrl.replace(/\/[^/]*$/, `/${database}`);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const supplierBucket = uniqueName('supplier').replace(/_/g, '-');
  const s3 = createS3({ region: env.s3Region, endpoint: env.s3Endpoint, accessKeyId: env.s3AccessKeyId, secretAccessKey: env.s3SecretAccessKey });
  await s3.send(new CreateBucketCommand({ Bucket: supplierBucket }));
  const deliver = async (samples: number, daysAgo: number) => {
    const file = await rockQualityDelivery({ samples, at: new Date(Date.now() - daysAgo * 86_400_000) });
    await s3.send(new PutObjectCommand({ Bucket: supplierBucket, Key: file.key, Body: file.body }));
  };
  const gate = await startService('quality-gate', { GCP_PROJECT_ID: projectId });
  t.after(async () => {
    await gate.stop();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await pubsub.close();
  });
  const query = async (sql: string) => (await bigquery.query({ query: sql.replaceAll('$p', projectId) }))[0].map((r) => ({ ...r }));
  const count = async (table: string) => Number((await query(`SELECT COUNT(*) AS n FROM \`$p.${table}\``))[0]!.n);
  const jobEnv = {
    GCP_PROJECT_ID: projectId,
    PRODUCTION_DATABASE_URL: databaseUrl,
    PLAN_JSON: JSON.stringify({
      sources: [{ name: 'production', kind: 'postgres', connectionEnv: 'PRODUCTION_DATABASE_URL', dataset: 'raw_production', tables: [
        { table: 'public.extraction_records', target: 'extraction_records', mode: 'incremental', cursor: ['updated_at'], primaryKey: ['id'], chunkSize: 40, lookbackSeconds: 60 },
      ] }],
    }),
    S3_BUCKET: supplierBucket,
    S3_PREFIX: 'deliveries/',
  };
  const runToEnd = async (name: string, args: string[] = []) => {
    const job = startJob(name, { env: jobEnv, args });
    const code = await job.exited;
    assert.equal(code, 0, `${name} ${args.join(' ')} exited ${code}:\n${job.logs.slice(-15).join('\n')}`);
    return job;
  };
  const published = (table: string, rows: number) =>
    waitFor(async () => ((await count(table).catch(() => -1)) === rows ? true : undefined), { timeoutMs: 120_000, intervalMs: 500, what: `${table} published with ${rows} rows` });

  await recordLoads(db, { count: 400 });
  await deliver(20, 2);
  await deliver(30, 1);

  // 1. The extractor is killed (SIGKILL) once it has loaded a chunk.
  const killed = startJob('db-extractor', { env: jobEnv });
  const state = storage.bucket(`${projectId}-landing`).file('staging/db-extractor/_state/production.extraction_records.json');
  await waitFor(async () => ((await state.exists())[0] && JSON.parse((await state.download())[0].toString()).inProgress?.chunks >= 1 ? true : undefined), { timeoutMs: 60_000, intervalMs: 100, what: 'a first chunk loaded' });
  await killed.kill();

  // 2. A schedule is skipped: the sources change and no job runs.
  await recordLoads(db, { count: 60, updates: 25 });
  await deliver(15, 0);

  // 3. The next runs catch up from their durable state; each announces its tables and the gate publishes them.
  await runToEnd('db-extractor');
  await runToEnd('s3-avro-sync');
  await published('curated.extraction_records', 460);
  await published('curated.rock_quality_analyses', 65);
  const [source] = (await db.query('SELECT COUNT(*)::int AS n, SUM(tonnes)::text AS tonnes FROM extraction_records')).rows;
  const [copy] = await query('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids, CAST(SUM(tonnes) AS STRING) AS tonnes FROM `$p.curated.extraction_records`');
  assert.deepEqual([copy!.n, copy!.ids, Number(copy!.tonnes)], [source.n, source.n, Number(source.tonnes)], 'nothing missing, nothing doubled, updates applied');
  assert.deepEqual(await query('SELECT COUNT(DISTINCT sampleId) AS samples FROM `$p.curated.rock_quality_analyses`'), [{ samples: 65 }]);
  const bench = await query('SELECT SUM(samples) AS samples, COUNT(*) AS benchDays FROM `$p.marts.rock_quality_by_bench`');
  assert.equal(bench[0]!.samples, 65);

  // Run history keeps the killed run (UNFINISHED, recovered by the later run of the same table) and every gate run.
  const history = await query("SELECT jobName, status, recovered, rowCount FROM `$p.marts.pipeline_run_history` WHERE jobName IN ('db-extractor.production.extraction_records', 's3-avro-sync') OR STARTS_WITH(jobName, 'quality-gate.') ORDER BY startedAt");
  const extractor = history.filter((h) => h.jobName === 'db-extractor.production.extraction_records');
  assert.deepEqual(extractor.map((h) => [h.status, h.recovered]), [['UNFINISHED', true], ['COMPLETE', true]]);
  assert.deepEqual(history.filter((h) => h.jobName === 's3-avro-sync').map((h) => [h.status, h.rowCount]), [['COMPLETE', 65]]);
  assert.deepEqual(history.filter((h) => h.jobName.startsWith('quality-gate.')).map((h) => [h.jobName, h.status]).sort(), [
    ['quality-gate.raw_production.extraction_records', 'COMPLETE'],
    ['quality-gate.raw_rock_quality.analyses', 'COMPLETE'],
  ]);

  // 4. A load with a negative tonnage: the gate blocks it, the marts keep the last good data, the row is quarantined.
  await db.query(`INSERT INTO extraction_records VALUES (100000, 'P1', 'B1', CURRENT_DATE, -5, now(), now())`);
  await runToEnd('db-extractor');
  await waitFor(async () => ((await query("SELECT status FROM `$p.marts.pipeline_run_history` WHERE jobName = 'quality-gate.raw_production.extraction_records' AND status = 'FAIL'")).length ? true : undefined), { timeoutMs: 120_000, intervalMs: 500, what: 'the blocked gate run in run history' });
  assert.equal(await count('raw_production.extraction_records'), 461);
  assert.equal(await count('curated.extraction_records'), 460);
  assert.deepEqual(await query("SELECT assertion, JSON_VALUE(`row`, '$.id') AS id FROM `$p.ops.quality_quarantine`"), [{ assertion: 'range:tonnes', id: '100000' }]);
  assert.deepEqual(await query("SELECT blocked FROM `$p.marts.dataset_freshness` WHERE tableId = 'raw_production.extraction_records'"), [{ blocked: true }]);
  const [blockedRun] = await query("SELECT errorMessage, qualityPassed FROM `$p.marts.pipeline_run_history` WHERE jobName = 'quality-gate.raw_production.extraction_records' AND status = 'FAIL'");
  assert.equal(blockedRun!.qualityPassed, false);
  assert.match(blockedRun!.errorMessage, /range:tonnes: 1 rows outside/);

  // 5. A backfill of the supplier's deliveries by date range reloads them, with progress and an ETA, and doubles nothing.
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const backfill = await runToEnd('s3-avro-sync', ['--backfill', '--from', from]);
  const progress = backfill.logs.map((line) => JSON.parse(line) as { message?: string; progress?: string; etaSeconds?: number }).filter((l) => l.message === 'file done');
  assert.deepEqual(progress.map((l) => l.progress).sort(), ['1/3', '2/3', '3/3']);
  assert.ok(progress.every((l) => typeof l.etaSeconds === 'number'), 'each file reports the time left');
  await waitFor(async () => ((await query("SELECT runId FROM `$p.marts.pipeline_run_history` WHERE jobName = 'quality-gate.raw_rock_quality.analyses' AND status = 'COMPLETE'")).length === 2 ? true : undefined), { timeoutMs: 120_000, intervalMs: 500, what: 'the backfill published' });
  assert.equal(await count('raw_rock_quality.analyses'), 65);
  assert.equal(await count('curated.rock_quality_analyses'), 65);
});
