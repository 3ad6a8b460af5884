import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { toBigQuerySchema, MachineryIssueEvent, SensorReading, compileValidator } from './index.js';

test('maps TypeBox kinds, formats and optionality to BigQuery columns', () => {
  const schema = Type.Object({
    id: Type.String({ description: 'the id' }),
    count: Type.Integer(),
    ratio: Type.Optional(Type.Number()),
    ok: Type.Boolean(),
    at: Type.String({ format: 'date-time' }),
    day: Type.Optional(Type.String({ format: 'date' })),
    tags: Type.Array(Type.String()),
    level: Type.Union([Type.Literal('a'), Type.Literal('b')]),
    amount: Type.String({ bigquery: 'NUMERIC' }),
    nested: Type.Object({ x: Type.Number(), y: Type.Optional(Type.Array(Type.Integer())) }),
    payload: Type.Unknown(),
  });
  assert.deepEqual(toBigQuerySchema(schema), [
    { name: 'id', type: 'STRING', mode: 'REQUIRED', description: 'the id' },
    { name: 'count', type: 'INT64', mode: 'REQUIRED' },
    { name: 'ratio', type: 'FLOAT64', mode: 'NULLABLE' },
    { name: 'ok', type: 'BOOL', mode: 'REQUIRED' },
    { name: 'at', type: 'TIMESTAMP', mode: 'REQUIRED' },
    { name: 'day', type: 'DATE', mode: 'NULLABLE' },
    { name: 'tags', type: 'STRING', mode: 'REPEATED' },
    { name: 'level', type: 'STRING', mode: 'REQUIRED' },
    { name: 'amount', type: 'NUMERIC', mode: 'REQUIRED' },
    {
      name: 'nested',
      type: 'RECORD',
      mode: 'REQUIRED',
      fields: [
        { name: 'x', type: 'FLOAT64', mode: 'REQUIRED' },
        { name: 'y', type: 'INT64', mode: 'REPEATED' },
      ],
    },
    { name: 'payload', type: 'JSON', mode: 'REQUIRED' },
  ]);
});

test('rejects shapes BigQuery cannot hold', () => {
  assert.throws(() => toBigQuerySchema(Type.Object({ m: Type.Array(Type.Array(Type.Number())) })), /arrays of arrays/);
  assert.throws(() => toBigQuerySchema(Type.Object({ u: Type.Union([Type.String(), Type.Number()]) })), /union/);
});

test('the platform contracts all map to BigQuery schemas', () => {
  const issueFields = toBigQuerySchema(MachineryIssueEvent).map((f) => `${f.name}:${f.type}:${f.mode}`);
  assert.ok(issueFields.includes('eventId:STRING:REQUIRED'));
  assert.ok(issueFields.includes('occurredAt:TIMESTAMP:REQUIRED'));
  assert.ok(issueFields.includes('assignee:STRING:NULLABLE'));
  const reading = toBigQuerySchema(SensorReading);
  assert.deepEqual(
    reading.find((f) => f.name === 'samples')?.fields?.map((f) => `${f.name}:${f.mode}`),
    ['x:REPEATED', 'y:REPEATED', 'z:REPEATED'],
  );
});

test('validators report every problem with its path', () => {
  const validator = compileValidator(SensorReading);
  const result = validator.validate({
    sensorId: 'bad id with spaces',
    sequence: -1,
    startTime: 'yesterday',
    sampleRateHz: 10,
    samples: { x: [1], y: [1], z: [1] },
    site: 's',
    zone: 'z',
    receivedAt: '2026-01-01T00:00:00Z',
  });
  assert.equal(result.ok, false);
  const paths = result.ok ? [] : result.issues.map((i) => i.path);
  for (const path of ['/sensorId', '/sequence', '/startTime', '/sampleRateHz']) assert.ok(paths.includes(path), `${path} in ${paths}`);
  assert.equal(
    validator.validate({
      sensorId: 'geo-001',
      sequence: 3,
      startTime: '2026-01-01T00:00:00.250Z',
      sampleRateHz: 500,
      samples: { x: [0.1, -0.2], y: [0, 0], z: [1, 2] },
      site: 'north',
      zone: 'z1',
      receivedAt: '2026-01-01T00:00:01Z',
    }).ok,
    true,
  );
});
