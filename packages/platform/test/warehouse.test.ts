import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { toBigQuerySchema, type BigQueryField } from '@mine/contracts';
import { stackEnv, uniqueName } from '@mine/testkit';
import { createBigQuery, createStorage } from '../src/index.js';

const env = stackEnv();
const bigquery = createBigQuery({ projectId: env.projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });

const Measurement = Type.Object({
  id: Type.Integer(),
  site: Type.String(),
  tonnes: Type.Number(),
  measuredAt: Type.String({ format: 'date-time' }),
  tags: Type.Array(Type.String()),
  note: Type.Optional(Type.String()),
});
const fields = toBigQuerySchema(Measurement) as BigQueryField[];

async function throwawayDataset(t: import('node:test').TestContext) {
  const [dataset] = await bigquery.createDataset(uniqueName('it'));
  t.after(() => dataset.delete({ force: true }).catch(() => undefined));
  return dataset;
}

test('streams rows into a table made from a contract and queries them back', async (t) => {
  const dataset = await throwawayDataset(t);
  const [table] = await dataset.createTable('measurements', { schema: { fields } });
  await table.insert(
    [
      { insertId: 'm-1', json: { id: 1, site: 'north', tonnes: 12.5, measuredAt: '2026-11-01T08:00:00Z', tags: ['a', 'b'] } },
      { insertId: 'm-2', json: { id: 2, site: 'south', tonnes: 7.25, measuredAt: '2026-11-01T09:30:00Z', tags: [], note: 'wet' } },
    ],
    { raw: true },
  );
  const [rows] = await bigquery.query({
    query: `SELECT id, site, tonnes, ARRAY_LENGTH(tags) AS tagCount, note FROM \`${env.projectId}.${dataset.id}.measurements\` ORDER BY id`,
  });
  assert.deepEqual(
    rows.map((r) => ({ ...r })),
    [
      { id: 1, site: 'north', tonnes: 12.5, tagCount: 2, note: null },
      { id: 2, site: 'south', tonnes: 7.25, tagCount: 0, note: 'wet' },
    ],
  );
  const [metadata] = await table.getMetadata();
  assert.deepEqual(
    metadata.schema.fields.map((f: BigQueryField) => `${f.name}:${f.mode}`),
    fields.map((f) => `${f.name}:${f.mode}`),
  );
});

test('loads an NDJSON file from Cloud Storage with a deterministic job id, then MERGEs', async (t) => {
  const dataset = await throwawayDataset(t);
  const [table] = await dataset.createTable('measurements', { schema: { fields } });
  const [bucket] = await storage.createBucket(uniqueName('it-load').replace(/_/g, '-'));
  t.after(() => bucket.deleteFiles({ force: true }).then(() => bucket.delete()).catch(() => undefined));
  const lines = Array.from({ length: 250 }, (_, i) =>
    JSON.stringify({ id: i, site: i % 2 ? 'north' : 'south', tonnes: i * 1.5, measuredAt: '2026-11-02T00:00:00Z', tags: [`t${i % 3}`] }),
  );
  const file = bucket.file('staging/measurements/part-0000.json');
  await file.save(`${lines.join('\n')}\n`, { resumable: false, contentType: 'application/x-ndjson' });

  const jobId = `load-${dataset.id}-part-0000`;
  const [job] = await table.createLoadJob(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', writeDisposition: 'WRITE_APPEND', jobId });
  assert.equal(job.id, jobId);
  const [[{ n }]] = await bigquery.query({ query: `SELECT COUNT(*) AS n FROM \`${env.projectId}.${dataset.id}.measurements\`` });
  assert.equal(n, 250);

  await bigquery.query({
    query: `MERGE \`${env.projectId}.${dataset.id}.measurements\` AS target
            USING (SELECT 3 AS id, 'east' AS site, 99.0 AS tonnes UNION ALL SELECT 1000, 'east', 1.0) AS source
            ON target.id = source.id
            WHEN MATCHED THEN UPDATE SET site = source.site, tonnes = source.tonnes
            WHEN NOT MATCHED THEN INSERT (id, site, tonnes, measuredAt, tags) VALUES (source.id, source.site, source.tonnes, TIMESTAMP '2026-11-03 00:00:00+00', [])`,
  });
  const [after] = await bigquery.query({
    query: `SELECT id, site, tonnes FROM \`${env.projectId}.${dataset.id}.measurements\` WHERE id IN (3, 1000) ORDER BY id`,
  });
  assert.deepEqual(after.map((r) => ({ ...r })), [
    { id: 3, site: 'east', tonnes: 99 },
    { id: 1000, site: 'east', tonnes: 1 },
  ]);
  const [[{ total }]] = await bigquery.query({ query: `SELECT COUNT(*) AS total FROM \`${env.projectId}.${dataset.id}.measurements\`` });
  assert.equal(total, 251);
});
