import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePackets } from './validate.js';

const device = { sensorId: 'geo-001', site: 'north-pit', zone: 'z1', tokenSha256: '0'.repeat(64) };
const now = Date.UTC(2026, 10, 30, 12, 0, 0);
const limits = { clockSkewMs: 60_000, maxAgeMs: 6 * 3_600_000, maxPackets: 100 };
const packet = (sequence: number, startTime: string) => ({ sensorId: 'geo-001', sequence, startTime, sampleRateHz: 500, samples: { x: [0.1], y: [0.2], z: [0.3] } });

test('accepted packets carry startTime in one canonical form; impossible dates are refused with the reason, alone', () => {
  const { readings, rejected } = validatePackets(
    [packet(1, '2026-11-30t11:59:00z'), packet(2, '2026-11-31T00:00:00Z'), packet(3, '2026-11-30 13:59:30.123456+02:00'), packet(4, '2026-11-30T11:59:59.5Z')],
    device,
    now,
    limits,
  );
  assert.deepEqual(
    readings.map((r) => [r.sequence, r.startTime]),
    [
      [1, '2026-11-30T11:59:00.000Z'],
      [3, '2026-11-30T11:59:30.123456Z'],
      [4, '2026-11-30T11:59:59.500Z'],
    ],
  );
  assert.deepEqual(
    rejected.map((r) => [r.index, r.sequence, r.reason]),
    [[1, 2, 'schema']],
  );
  assert.match(rejected[0]!.detail, /\/startTime: .*2026-11-31 is not a calendar date/);
});
