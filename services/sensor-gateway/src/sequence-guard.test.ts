import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SensorReading } from '@mine/contracts';
import { SequenceGuard } from './sequence-guard.js';

const T0 = Date.UTC(2026, 10, 25, 1, 0, 0);
const reading = (sequence: number, second: number, bootId?: string): SensorReading => ({
  sensorId: 'geo-1',
  sequence,
  ...(bootId ? { bootId } : {}),
  startTime: new Date(T0 + second * 1000).toISOString(),
  sampleRateHz: 100,
  samples: { x: new Array(100).fill(0), y: new Array(100).fill(0), z: new Array(100).fill(0) },
  site: 's',
  zone: 'z',
  receivedAt: new Date(T0).toISOString(),
});

test('a sequence far ahead of what the elapsed time explains is refused with the reason', () => {
  const guard = new SequenceGuard({ slack: 100 });
  assert.equal(guard.check(reading(2 ** 52, 0)), undefined, 'nothing known yet');
  guard.accepted(reading(10, 0));
  assert.equal(guard.check(reading(11, 1)), undefined);
  assert.equal(guard.check(reading(10 + 100 + 7200, 3600)), undefined, 'a device offline for an hour');
  assert.match(guard.check(reading(2 ** 52, 2)) ?? '', /^sequence 4503599627370496 is \d+ ahead of the last accepted \(10\); at most 104 fit in the 2\.0 s/);
  assert.equal(guard.check(reading(3, 5)), undefined, 'older numbers are the evaluator’s business (late packet or restart)');
});

test('a new boot starts its own count', () => {
  const guard = new SequenceGuard({ slack: 100 });
  guard.accepted(reading(10, 0, 'boot-a'));
  assert.equal(guard.check(reading(5_000_000, 1, 'boot-b')), undefined);
  guard.accepted(reading(1, 1, 'boot-b'));
  assert.ok(guard.check(reading(5_000_000, 2, 'boot-b')));
});
