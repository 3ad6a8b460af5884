import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PubSub } from '@google-cloud/pubsub';
import { createBigQuery, createLogger, createStorage, Publisher } from '@mine/platform';
import { stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { provision, topology } from '@mine/topology';
import { buildQualityGate } from '../src/app.js';

const env = stackEnv();
const logger = createLogger({ service: 'quality-gate-test', level: 'silent' });

test('a run-completed message audits the table: passing checks publish it to curated, a failing one blocks it, quarantines the rows and shows in run history', async (t) => {
  // A project of its own, provisioned from the topology: the real topic, subscription, datasets and marts.
  const projectId = uniqueName('gate').replace(/_/g, '-');
  const pubsub = new PubSub({ projectId });
  const bigquery = createBigQuery({ projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
  await provision(topology, { pubsub, bigquery, storage: createStorage({ projectId, storageApiEndpoint: env.storageApiEndpoint }) }, { projectId, location: 'EU' });
  const gate = await buildQualityGate({
    config: { GCP_PROJECT_ID: projectId, LOG_LEVEL: 'silent', PORT: 0, HOST: '127.0.0.1', SUBSCRIPTION: 'quality-gate.pipeline-runs', DEAD_LETTER_TOPIC: 'pipeline-runs-dead-letter', QUARANTINE_TABLE: 'ops.quality_quarantine', QUARANTINE_LIMIT: 1000, MAX_IN_FLIGHT: 4, LINEAGE_TRANSPORT: 'log,bigquery', LINEAGE_LOCATION: 'europe-west1' } as never,
    logger,
    pubsub,
    bigquery,
  });
  gate.start();
  t.after(async () => {
    await gate.close();
    await pubsub.close();
  });
  const query = async (sql: string) => (await bigquery.query({ query: sql.replaceAll('$p', projectId) }))[0].map((r) => ({ ...r }));
  const publisher = new Publisher(pubsub, 'pipeline-runs');
  const announce = (runId: string, rows: number) =>
    publisher.publish({ data: { runId, job: 'db-extractor.production.extraction_records', status: 'COMPLETE', completedAt: new Date().toISOString(), outputs: [{ table: 'raw_production.extraction_records', rowsWritten: rows, expectedRows: { min: rows, max: rows } }] } });
  const gateRun = (count: number) => waitFor(() => (gate.results.length >= count ? gate.results[count - 1] : undefined), { timeoutMs: 90_000, what: `gate run ${count}` });

  await bigquery.dataset('raw_production').createTable('extraction_records', {
    schema: { fields: [['id', 'INT64'], ['pit', 'STRING'], ['bench', 'STRING'], ['shift_date', 'DATE'], ['tonnes', 'NUMERIC'], ['_extracted_at', 'TIMESTAMP']].map(([name, type]) => ({ name, type })) },
  });
  const record = (id: number, tonnes: number) => ({ id, pit: 'P1', bench: 'B1', shift_date: '2026-11-20', tonnes, _extracted_at: new Date().toISOString() });
  await bigquery.dataset('raw_production').table('extraction_records').insert([1, 2, 3, 4].map((id) => record(id, 100 + id)));

  await announce('load-1', 4);
  const passed = await gateRun(1);
  assert.equal(passed.published, true, JSON.stringify(passed.outcomes));
  assert.deepEqual(passed.outcomes.map((o) => [o.assertion, o.success]), [
    ['schema', true], ['row_count_matches_source', true], ['unique_key:id', true], ['range:tonnes', true], ['freshness:_extracted_at', true],
  ]);
  assert.deepEqual(await query('SELECT COUNT(*) AS n FROM `$p.curated.extraction_records`'), [{ n: 4 }]);

  // A bad load: a negative tonnage and a duplicated key. The curated copy keeps the last good rows.
  await bigquery.dataset('raw_production').table('extraction_records').insert([record(5, -20), record(4, 104)]);
  await announce('load-2', 6);
  const blocked = await gateRun(2);
  assert.equal(blocked.published, false);
  assert.deepEqual(blocked.outcomes.filter((o) => !o.success).map((o) => [o.assertion, o.failingRowCount]), [['unique_key:id', 2], ['range:tonnes', 1]]);
  assert.deepEqual(await query('SELECT COUNT(*) AS n FROM `$p.curated.extraction_records`'), [{ n: 4 }]);
  const quarantined = await query("SELECT assertion, JSON_VALUE(`row`, '$.id') AS id FROM `$p.ops.quality_quarantine` ORDER BY assertion, id");
  assert.deepEqual(quarantined, [{ assertion: 'range:tonnes', id: '5' }, { assertion: 'unique_key:id', id: '4' }, { assertion: 'unique_key:id', id: '4' }]);

  // Run history shows both gate runs, the blocked one with its reason; the freshness mart says the table is blocked.
  const history = await query("SELECT status, qualityPassed, errorMessage FROM `$p.marts.pipeline_run_history` WHERE jobName = 'quality-gate.raw_production.extraction_records' ORDER BY startedAt");
  assert.deepEqual(history.map((h) => [h.status, h.qualityPassed]), [['COMPLETE', true], ['FAIL', false]]);
  assert.match(history[1]!.errorMessage, /blocked: unique_key:id: 1 keys appear more than once; range:tonnes: 1 rows outside \[0, 1000\]/);
  const [freshness] = await query("SELECT blocked, withinObjective FROM `$p.marts.dataset_freshness` WHERE tableId = 'raw_production.extraction_records'");
  assert.deepEqual(freshness, { blocked: true, withinObjective: true });

  // The loader repairs the rows; its next run-completed message publishes again.
  await bigquery.query({ query: `DELETE FROM \`${projectId}.raw_production.extraction_records\` WHERE id IN (4, 5)` });
  await bigquery.dataset('raw_production').table('extraction_records').insert([record(4, 104), record(6, 50)]);
  await announce('load-3', 5);
  const recovered = await gateRun(3);
  assert.equal(recovered.published, true, JSON.stringify(recovered.outcomes.filter((o) => !o.success)));
  assert.deepEqual(await query('SELECT COUNT(*) AS n FROM `$p.curated.extraction_records`'), [{ n: 5 }]);
  const [after] = await query("SELECT blocked FROM `$p.marts.dataset_freshness` WHERE tableId = 'raw_production.extraction_records'");
  assert.equal(after!.blocked, false);
});
