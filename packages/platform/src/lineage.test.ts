import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { readFileSync, readdirSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { OPENLINEAGE_SCHEMA_URL, compileValidator, describeIssues, LineageRunEvent, PipelineRunRow } from '@mine/contracts';
import { PlatformEnv, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { HttpLineageTransport, LineageEmitter, StreamLineage, buildRunEvent, createLineage, toPipelineRunRow, type LineageTransport } from './lineage.js';

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => void;

const eventValidator = compileValidator(LineageRunEvent);
const rowValidator = compileValidator(PipelineRunRow);
const quietLogger = createLogger({ service: 'unit', level: 'silent' });

class Collect implements LineageTransport {
  events: LineageRunEvent[] = [];
  async emit(event: LineageRunEvent) {
    this.events.push(event);
  }
}

test('a run emits START then COMPLETE, spec-shaped, with row counts and quality', async () => {
  const sink = new Collect();
  const emitter = new LineageEmitter('mine-platform', [sink], quietLogger);
  const run = await emitter.startRun('db-extractor.production.orders', [{ namespace: 'postgres://prod:5432', name: 'production.public.orders' }]);
  await run.complete([{ namespace: 'bigquery', name: 'mine-local.raw_production.orders', rowCount: 1200 }], [{ assertion: 'not_null', column: 'id', success: true }]);
  assert.deepEqual(sink.events.map((e) => e.eventType), ['START', 'COMPLETE']);
  for (const event of sink.events) {
    const result = eventValidator.validate(event);
    assert.ok(result.ok, result.ok ? '' : describeIssues(result.issues));
    assert.equal(event.run.runId, run.runId);
  }
  const complete = sink.events[1]!;
  assert.equal((complete.outputs?.[0]?.outputFacets?.outputStatistics as any).rowCount, 1200);
  const row = toPipelineRunRow(complete);
  assert.ok(rowValidator.check(row));
  assert.equal(row.rowCount, 1200);
  assert.equal(row.qualityPassed, true);
  assert.deepEqual(row.outputs, ['bigquery/mine-local.raw_production.orders']);
  await assert.rejects(async () => run.fail(new Error('late')), /already ended/);
});

test('FAIL carries the error message facet', () => {
  const event = buildRunEvent({ eventType: 'FAIL', runId: '6f1c3f4e-8a51-4c47-9d7e-0a6f8f1b2c3d', namespace: 'n', job: 'j', error: new Error('column dropped') });
  assert.ok(eventValidator.check(event));
  assert.equal(toPipelineRunRow(event).errorMessage, 'column dropped');
});

test('the contract rejects events that break the spec', () => {
  const good = buildRunEvent({ eventType: 'START', runId: '6f1c3f4e-8a51-4c47-9d7e-0a6f8f1b2c3d', namespace: 'n', job: 'j' });
  assert.equal(eventValidator.check({ ...good, eventType: 'DONE' }), false);
  assert.equal(eventValidator.check({ ...good, run: { runId: 'not-a-uuid' } }), false);
  assert.equal(eventValidator.check({ ...good, job: { namespace: 'n', name: 'j', facets: { x: { noProducer: true } } } }), false);
  const { producer: _dropped, ...withoutProducer } = good;
  assert.equal(eventValidator.check(withoutProducer), false);
});

test('HTTP transport posts to a Marquez-compatible endpoint, and failures never throw into the job', async () => {
  const requests: { url: string; body: any }[] = [];
  const fakeFetch = (async (url: URL, init: RequestInit) => {
    requests.push({ url: url.toString(), body: JSON.parse(String(init.body)) });
    return new Response(null, { status: requests.length === 1 ? 201 : 500 });
  }) as unknown as typeof fetch;
  const lines: string[] = [];
  const logger = createLogger({ service: 'unit', destination: new Writable({ write: (c, _e, cb) => (lines.push(c.toString()), cb()) }) });
  const emitter = new LineageEmitter('mine-platform', [new HttpLineageTransport('http://marquez:5000', fakeFetch)], logger);
  const run = await emitter.startRun('job', []);
  await run.complete([]);
  assert.equal(requests[0]?.url, 'http://marquez:5000/api/v1/lineage');
  assert.equal(requests[1]?.body.eventType, 'COMPLETE');
  assert.ok(lines.some((l) => l.includes('lineage event not delivered')));
});

// The official OpenLineage JSON schemas (spec 2-0-2 and the facets the platform emits), vendored
// unchanged from the OpenLineage repository (packages/contracts/openlineage/README.md says from where).
const specDir = new URL('../../contracts/openlineage/', import.meta.url);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
for (const file of readdirSync(specDir).filter((f) => f.endsWith('.json'))) ajv.addSchema(JSON.parse(readFileSync(new URL(file, specDir), 'utf8')));

/** Problems of an event against the spec: the RunEvent schema, then every facet against the schema its _schemaURL names. */
function specProblems(event: unknown): string[] {
  const runEvent = ajv.getSchema(OPENLINEAGE_SCHEMA_URL)!;
  const problems = runEvent(event) ? [] : (runEvent.errors ?? []).map((e) => `RunEvent ${e.instancePath} ${e.message}`);
  const facets: { _schemaURL: string }[] = [];
  const collect = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      if (typeof (value as { _schemaURL?: unknown })._schemaURL === 'string') facets.push(value as { _schemaURL: string });
      Object.values(value).forEach(collect);
    }
  };
  collect(event);
  for (const f of facets) {
    const validate = ajv.getSchema(f._schemaURL);
    if (!validate) problems.push(`no official schema for ${f._schemaURL}`);
    else if (!validate(f)) problems.push(...(validate.errors ?? []).map((e) => `${f._schemaURL} ${e.instancePath} ${e.message}`));
  }
  return problems;
}

test('batch and streaming runs validate against the official OpenLineage JSON schema, facets included', async () => {
  const sink = new Collect();
  const emitter = new LineageEmitter('mine-platform', [sink], quietLogger);
  const batch = await emitter.startRun('db-extractor.production.orders', [{ namespace: 'postgres://prod:5432', name: 'production.public.orders' }]);
  await batch.complete([{ namespace: 'bigquery', name: 'mine-local.raw_production.orders', rowCount: 1200, bytes: 52_000 }], [{ assertion: 'not_null', column: 'id', success: true }]);
  const failed = await emitter.startRun('s3-avro-sync', []);
  await failed.fail(new Error('bucket unreachable'));
  const stream = new StreamLineage(emitter, 'lake-compactor.spool', [{ namespace: 'pubsub', name: 'topic:mine-local:sensor-readings' }], [{ namespace: 'gs://mine-local-lake', name: 'spool' }], 60_000);
  await stream.start();
  stream.count('topic:mine-local:sensor-readings', 500);
  stream.count('spool', 3);
  await stream.report();
  stream.count('topic:mine-local:sensor-readings', 20);
  await stream.close();

  assert.deepEqual(sink.events.map((e) => e.eventType), ['START', 'COMPLETE', 'START', 'FAIL', 'START', 'RUNNING', 'COMPLETE']);
  for (const event of sink.events) assert.deepEqual(specProblems(event), [], `${event.job.name} ${event.eventType}`);
  const [running, completed] = sink.events.slice(5);
  assert.equal((running!.inputs![0]!.inputFacets!.inputStatistics as unknown as { rowCount: number }).rowCount, 500, 'the interval’s messages');
  assert.equal((running!.outputs![0]!.outputFacets!.outputStatistics as unknown as { rowCount: number }).rowCount, 3);
  assert.equal((completed!.inputs![0]!.inputFacets!.inputStatistics as unknown as { rowCount: number }).rowCount, 20, 'counts restart each interval');
  assert.equal((running!.job.facets!.jobType as unknown as { processingType: string }).processingType, 'STREAMING');

  // The check can fail: a facet that breaks its schema, an event without its run id.
  const broken = structuredClone(sink.events[1]!) as any;
  broken.outputs[0].outputFacets.outputStatistics.rowCount = 'many';
  assert.match(specProblems(broken).join(), /OutputStatisticsOutputDatasetFacet.*must be integer/);
  assert.match(specProblems({ ...sink.events[0], run: {} }).join(), /must have required property 'runId'/);
});

test('LINEAGE_TRANSPORT picks the transports; http needs LINEAGE_URL; unknown names fail start-up', () => {
  const base = { GCP_PROJECT_ID: 'p', LINEAGE_LOCATION: 'europe-west1' };
  const kinds = (emitter: LineageEmitter) => (emitter as unknown as { transports: object[] }).transports.map((t) => t.constructor.name);
  assert.deepEqual(kinds(createLineage({ ...base, LINEAGE_TRANSPORT: 'log,http', LINEAGE_URL: 'http://marquez:5000' }, { logger: quietLogger })), ['LogLineageTransport', 'HttpLineageTransport']);
  assert.deepEqual(kinds(createLineage({ ...base, LINEAGE_TRANSPORT: 'google' }, { logger: quietLogger })), ['GoogleLineageTransport']);
  assert.deepEqual(kinds(createLineage({ ...base, LINEAGE_TRANSPORT: 'none' }, { logger: quietLogger })), []);
  assert.deepEqual(kinds(createLineage({ ...base, LINEAGE_TRANSPORT: 'log,bigquery' }, { logger: quietLogger })), ['LogLineageTransport'], 'no BigQuery client: no ops.pipeline_runs');
  assert.throws(() => createLineage({ ...base, LINEAGE_TRANSPORT: 'http' }, { logger: quietLogger }), /needs LINEAGE_URL/);
  assert.throws(() => loadConfig(Type.Object(PlatformEnv), { GCP_PROJECT_ID: 'p', LINEAGE_TRANSPORT: 'kafka' }), /LINEAGE_TRANSPORT/);
});
