import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { compileValidator, describeIssues, LineageRunEvent, PipelineRunRow } from '@mine/contracts';
import { createLogger } from './logger.js';
import { HttpLineageTransport, LineageEmitter, buildRunEvent, toPipelineRunRow, type LineageTransport } from './lineage.js';

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
