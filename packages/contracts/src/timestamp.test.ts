import { test } from 'node:test';
import assert from 'node:assert/strict';
import './formats.js';
import { SensorPacket } from './sensor.js';
import { checkTimestamp, canonicalTimestamp } from './timestamp.js';
import { compileValidator, describeIssues } from './validate.js';

test('timestamps are normalised to one canonical UTC form', () => {
  const cases: [string, string][] = [
    ['2026-11-24T05:00:00Z', '2026-11-24T05:00:00.000Z'],
    ['2026-11-24t05:00:00z', '2026-11-24T05:00:00.000Z'],
    ['2026-11-24 05:00:00.5+01:00', '2026-11-24T04:00:00.500Z'],
    ['2026-11-24T23:30:00-01:00', '2026-11-25T00:30:00.000Z'],
    ['2026-11-24T05:00:00.123456789Z', '2026-11-24T05:00:00.123456Z'],
    ['2026-11-24T05:00:00.000001Z', '2026-11-24T05:00:00.000001Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ];
  for (const [input, canonical] of cases) assert.equal(canonicalTimestamp(input), canonical, input);
  // The canonical form reads back as the same instant.
  assert.equal(Date.parse(canonicalTimestamp('2026-11-24t05:00:00.25+02:00')), Date.UTC(2026, 10, 24, 3, 0, 0, 250));
});

test('impossible dates and times are refused with the reason', () => {
  const refused: [string, RegExp][] = [
    ['2026-11-31T00:00:00Z', /2026-11-31 is not a calendar date/],
    ['2026-02-29T00:00:00Z', /2026-02-29 is not a calendar date/],
    ['2026-13-01T00:00:00Z', /month 13/],
    ['2026-11-00T00:00:00Z', /not a calendar date/],
    ['2026-11-24T24:00:00Z', /not a time of day/],
    ['2026-11-24T23:60:00Z', /not a time of day/],
    ['2026-12-31T23:59:60Z', /leap seconds/],
    ['2026-11-24T05:00:00+24:00', /offset/],
    ['2026-11-24T05:00:00', /RFC 3339/],
    ['yesterday', /RFC 3339/],
  ];
  for (const [input, reason] of refused) {
    const result = checkTimestamp(input);
    assert.ok(!result.ok && reason.test(result.problem), `${input}: ${JSON.stringify(result)}`);
    assert.throws(() => canonicalTimestamp(input), reason);
  }
});

test('the contract refuses a packet with an impossible startTime and names why', () => {
  const packet = { sensorId: 'geo-001', sequence: 1, startTime: '2026-11-31T00:00:00Z', sampleRateHz: 500, samples: { x: [0], y: [0], z: [0] } };
  const result = compileValidator(SensorPacket).validate(packet);
  assert.ok(!result.ok);
  assert.match(describeIssues(result.issues), /\/startTime: .*2026-11-31 is not a calendar date/);
  assert.ok(compileValidator(SensorPacket).check({ ...packet, startTime: '2026-11-30t00:00:00Z' }), 'a lowercase t is RFC 3339');
});
