import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { createBigQuery, createStorage } from '@mine/platform';
import { stackEnv, uniqueName } from '@mine/testkit';
import { provision, qualityGates, topology } from '../src/index.js';

const env = stackEnv();

test('the marts views answer the dashboards’ questions over seeded raw data', async (t) => {
  const projectId = uniqueName('marts').replace(/_/g, '-');
  const pubsub = new PubSub({ projectId });
  t.after(() => pubsub.close());
  const bigquery = createBigQuery({ projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
  await provision(topology, { pubsub, bigquery, storage: createStorage({ projectId, storageApiEndpoint: env.storageApiEndpoint }) }, { projectId, location: 'EU' });
  const insert = (dataset: string, table: string, rows: object[]) => bigquery.dataset(dataset).table(table).insert(rows);
  const query = async (sql: string) => (await bigquery.query({ query: sql.replaceAll('$p', projectId) }))[0].map((r) => ({ ...r }));

  const issue = (issueId: string, type: string, severity: string, status: string, at: string) => ({
    eventId: randomUUID(), issueId, type, occurredAt: at, receivedAt: at, machineId: 'HT-1', siteId: 'north-pit', severity, status, reporter: 'u_1',
  });
  await insert('raw_mobile', 'machinery_issue_events', [
    issue('I-1', 'created', 'critical', 'open', '2026-11-20T08:00:00Z'),
    issue('I-2', 'created', 'high', 'open', '2026-11-20T09:00:00Z'),
    issue('I-2', 'resolved', 'high', 'resolved', '2026-11-20T11:00:00Z'),
    issue('I-3', 'created', 'critical', 'open', '2026-11-21T07:00:00Z'),
  ]);
  assert.deepEqual(await query('SELECT siteId, severity, openIssues FROM `$p.marts.machinery_open_by_severity` ORDER BY severity'), [{ siteId: 'north-pit', severity: 'critical', openIssues: 2 }]);

  const hour = (sensorId: string, zone: string, hourStart: string, ppv: number, gaps = 0, seismicEvents = 0) => ({
    site: 'north-pit', zone, sensorId, hourStart, packets: 3600, gaps, ppvMaxMmS: ppv, pvsMaxMmS: ppv * 1.2, rmsMmS: 0.1, dominantFrequencyHz: 14, seismicEvents, firstPacketAt: hourStart, lastPacketAt: hourStart,
  });
  const recent = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
  await insert('curated', 'vibration_hourly', [
    hour('geo-1', 'wall-3', '2026-11-20T05:00:00Z', 22.5, 2, 3),
    hour('geo-2', 'wall-3', '2026-11-20T05:00:00Z', 3.1, 0, 4),
    hour('geo-3', 'wall-4', recent, 0.4),
  ]);
  assert.deepEqual(await query("SELECT zone, ppvMaxMmS, seismicEvents, sensorsReporting, gaps FROM `$p.marts.vibration_hourly_by_zone` WHERE zone = 'wall-3'"), [
    { zone: 'wall-3', ppvMaxMmS: 22.5, seismicEvents: 7, sensorsReporting: 2, gaps: 2 },
  ]);
  assert.deepEqual((await query('SELECT sensorId FROM `$p.marts.sensors_offline` ORDER BY sensorId')).map((r) => r.sensorId), ['geo-1', 'geo-2']);

  const run = (jobName: string, eventType: string, eventTime: string, rowCount?: number, qualityPassed?: boolean) => ({
    runId: randomUUID(), eventType, eventTime, jobNamespace: 'mine-platform', jobName, inputs: [], outputs: [], ...(rowCount !== undefined ? { rowCount } : {}), ...(qualityPassed !== undefined ? { qualityPassed } : {}), event: '{}',
  });
  await insert('ops', 'pipeline_runs', [
    run('db-extractor.production.orders', 'COMPLETE', '2026-11-20T02:00:00Z', 1200, true),
    run('db-extractor.production.orders', 'COMPLETE', '2026-11-21T02:00:00Z', 1500, true),
    run('db-extractor.production.orders', 'FAIL', '2026-11-22T02:00:00Z'),
    run('s3-avro-sync.file', 'COMPLETE', '2026-11-22T03:00:00Z', 40, false),
  ]);
  // The copies the batch services make, with the source systems' columns, as the quality gate publishes them.
  const create = (dataset: string, table: string, fields: [string, string][]) =>
    bigquery.dataset(dataset).createTable(table, { schema: { fields: fields.map(([name, type]) => ({ name, type })) } });
  await create('curated', 'extraction_records', [['id', 'INT64'], ['pit', 'STRING'], ['bench', 'STRING'], ['shift_date', 'DATE'], ['tonnes', 'NUMERIC']]);
  await create('curated', 'afru', [['MANDT', 'STRING'], ['RUECK', 'STRING'], ['ERSDA', 'DATE'], ['ISM01', 'NUMERIC']]);
  await create('curated', 'cobk', [['MANDT', 'STRING'], ['KOKRS', 'STRING'], ['BELNR', 'STRING'], ['BUDAT', 'DATE']]);
  await create('curated', 'coep', [['MANDT', 'STRING'], ['KOKRS', 'STRING'], ['BELNR', 'STRING'], ['BUZEI', 'STRING'], ['OBJNR', 'STRING'], ['KSTAR', 'STRING'], ['WRTTP', 'STRING'], ['VERSN', 'STRING'], ['WKGBTR', 'NUMERIC']]);
  await create('curated', 'rock_quality_analyses', [['sampleId', 'STRING'], ['siteId', 'STRING'], ['pitId', 'STRING'], ['bench', 'STRING'], ['sampledAt', 'TIMESTAMP'], ['ucsMpa', 'FLOAT64'], ['rqdPercent', 'FLOAT64'], ['gradeCuPercent', 'FLOAT64']]);
  await insert('curated', 'extraction_records', [
    { id: 1, pit: 'P2', bench: 'B4', shift_date: '2026-11-20', tonnes: 1200.5 },
    { id: 2, pit: 'P2', bench: 'B4', shift_date: '2026-11-20', tonnes: 800 },
    { id: 3, pit: 'P3', bench: 'B1', shift_date: '2026-11-20', tonnes: 500 },
  ]);
  await insert('curated', 'afru', [{ MANDT: '100', RUECK: '0000004711', ERSDA: '2026-11-20', ISM01: 7.5 }, { MANDT: '100', RUECK: '0000004712', ERSDA: '2026-11-20', ISM01: 6 }]);
  await insert('curated', 'cobk', [
    { MANDT: '100', KOKRS: '1000', BELNR: '0000100001', BUDAT: '2026-11-20' },
    { MANDT: '100', KOKRS: '1000', BELNR: '0000100002', BUDAT: '2026-11-21' },
  ]);
  const costLine = (BELNR: string, BUZEI: string, WKGBTR: number, WRTTP = '04') => ({ MANDT: '100', KOKRS: '1000', BELNR, BUZEI, OBJNR: 'KS10000000004100', KSTAR: '0000400000', WRTTP, VERSN: '000', WKGBTR });
  await insert('curated', 'coep', [
    costLine('0000100001', '001', 6000),
    costLine('0000100001', '002', 1501.5),
    costLine('0000100001', '003', 99999, '01'), // plan, not actual
    costLine('0000100002', '001', 1000),
  ]);
  await insert('curated', 'rock_quality_analyses', [
    { sampleId: 'S-1', siteId: 'north-pit', pitId: 'P2', bench: 'B4', sampledAt: '2026-11-20T08:00:00Z', ucsMpa: 90, rqdPercent: 70, gradeCuPercent: 0.5 },
    { sampleId: 'S-2', siteId: 'north-pit', pitId: 'P2', bench: 'B4', sampledAt: '2026-11-20T10:00:00Z', ucsMpa: 110, rqdPercent: 80, gradeCuPercent: 0.7 },
  ]);
  // Provisioning again creates any view that was waiting for these tables.
  await provision(topology, { pubsub, bigquery, storage: createStorage({ projectId, storageApiEndpoint: env.storageApiEndpoint }) }, { projectId, location: 'EU' });
  assert.deepEqual(await query('SELECT pit, CAST(tonnes AS FLOAT64) AS tonnes, records, CAST(confirmedActivity AS FLOAT64) AS confirmedActivity FROM `$p.marts.production_daily` ORDER BY pit'), [
    { pit: 'P2', tonnes: 2000.5, records: 2, confirmedActivity: 13.5 },
    { pit: 'P3', tonnes: 500, records: 1, confirmedActivity: 13.5 },
  ]);
  // Lower-case aliases: the emulator lower-cases the column names of this view's results (BigQuery does not; names are case-insensitive in SQL).
  assert.deepEqual(
    await query('SELECT CAST(day AS STRING) AS day, CAST(tonnes AS FLOAT64) AS tonnes, CAST(costs AS FLOAT64) AS costs, costLines AS lines, CAST(costPerTonne AS FLOAT64) AS per_tonne FROM `$p.marts.production_costs_daily` ORDER BY day'),
    [
      { day: '2026-11-20', tonnes: 2500.5, costs: 7501.5, lines: 2, per_tonne: 3 },
      { day: '2026-11-21', tonnes: null, costs: 1000, lines: 1, per_tonne: null },
    ],
  );
  assert.deepEqual(await query('SELECT pitId, bench, samples, ucsMpa, rqdPercent, CAST(tonnes AS FLOAT64) AS tonnes FROM `$p.marts.rock_quality_by_bench`'), [
    { pitId: 'P2', bench: 'B4', samples: 2, ucsMpa: 100, rqdPercent: 75, tonnes: 2000.5 },
  ]);

  const health = await query('SELECT jobName, lastRows, qualityPassed, lastSuccessAt, lastFailureAt FROM `$p.marts.pipeline_health` ORDER BY jobName');
  assert.deepEqual(health.map((h) => [h.jobName, h.lastRows, h.qualityPassed]), [['db-extractor.production.orders', 1500, true], ['s3-avro-sync.file', 40, false]]);
  assert.equal(health[0].lastSuccessAt.value, '2026-11-21T02:00:00.000Z');
  assert.equal(health[0].lastFailureAt.value, '2026-11-22T02:00:00.000Z');

  // Run history keeps every run: an hour that failed stays visible (unrecovered) after another hour succeeds,
  // until that same hour succeeds; a run killed after START is UNFINISHED; a failure after writing rows is PARTIAL.
  const phase = (runId: string, jobName: string, eventType: string, eventTime: string, inputs: string[], extra: object = {}) => ({
    runId, eventType, eventTime, jobNamespace: 'mine-platform', jobName, inputs, outputs: [], event: '{}', ...extra,
  });
  const hour05 = ['gs://lake/spool/2026-11-22T05'];
  const hour06 = ['gs://lake/spool/2026-11-22T06'];
  await insert('ops', 'pipeline_runs', [
    phase('h05-a', 'lake-compactor.hourly', 'START', '2026-11-22T06:05:00Z', hour05),
    phase('h05-a', 'lake-compactor.hourly', 'FAIL', '2026-11-22T06:06:00Z', hour05, { errorMessage: 'spool unreadable' }),
    phase('h06-a', 'lake-compactor.hourly', 'START', '2026-11-22T07:05:00Z', hour06),
    phase('h06-a', 'lake-compactor.hourly', 'COMPLETE', '2026-11-22T07:06:00Z', hour06, { rowCount: 10 }),
    phase('x-1', 'db-extractor.production.extraction_records', 'START', '2026-11-22T08:00:00Z', ['postgres://production/public.extraction_records']),
    phase('s-1', 's3-avro-sync', 'START', '2026-11-22T08:00:00Z', ['s3://supplier/deliveries/']),
    phase('s-1', 's3-avro-sync', 'FAIL', '2026-11-22T08:01:00Z', ['s3://supplier/deliveries/'], { rowCount: 40, errorMessage: '1 of 3 files failed' }),
  ]);
  const history = async () => Object.fromEntries((await query("SELECT runId, status, recovered, durationSeconds FROM `$p.marts.pipeline_run_history` WHERE runId IN ('h05-a', 'h05-b', 'h06-a', 'x-1', 's-1')")).map((r) => [r.runId, [r.status, r.recovered, r.durationSeconds]]));
  assert.deepEqual(await history(), { 'h05-a': ['FAIL', false, 60], 'h06-a': ['COMPLETE', true, 60], 'x-1': ['UNFINISHED', false, null], 's-1': ['PARTIAL', false, 60] });
  await insert('ops', 'pipeline_runs', [
    phase('h05-b', 'lake-compactor.hourly', 'START', '2026-11-22T08:05:00Z', hour05),
    phase('h05-b', 'lake-compactor.hourly', 'COMPLETE', '2026-11-22T08:07:00Z', hour05, { rowCount: 12 }),
  ]);
  assert.deepEqual((await history())['h05-a'], ['FAIL', true, 60]);

  // Freshness per gated dataset: an objective from the declaration, the lag since the last publication, and whether checks block it now.
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  await insert('ops', 'pipeline_runs', [
    phase('g-1', 'quality-gate.raw_production.extraction_records', 'COMPLETE', minutesAgo(30), []),
    phase('g-2', 'quality-gate.raw_rock_quality.analyses', 'COMPLETE', minutesAgo(120), []),
    phase('g-3', 'quality-gate.raw_rock_quality.analyses', 'FAIL', minutesAgo(10), [], { errorMessage: 'range:rqdPercent failed' }),
  ]);
  const freshness = Object.fromEntries(
    (await query('SELECT tableId, objectiveSeconds, lagSeconds, withinObjective, blocked FROM `$p.marts.dataset_freshness`')).map((r) => [r.tableId, r]),
  );
  assert.equal(Object.keys(freshness).length, qualityGates.length);
  const production = freshness['raw_production.extraction_records']!;
  assert.ok(production.lagSeconds >= 30 * 60 && production.lagSeconds < 60 * 60, `lag ${production.lagSeconds}`);
  assert.deepEqual([production.objectiveSeconds, production.withinObjective, production.blocked], [3 * 3600, true, false]);
  assert.deepEqual([freshness['raw_rock_quality.analyses']!.blocked, freshness['raw_rock_quality.analyses']!.withinObjective], [true, true]);
  assert.deepEqual([freshness['ops.vibration_hourly']!.lagSeconds, freshness['ops.vibration_hourly']!.withinObjective], [null, false]);
});
