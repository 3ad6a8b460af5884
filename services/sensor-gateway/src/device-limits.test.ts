import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceLimits } from './device-limits.js';

test('a device gets its burst, then its rate; another device is not affected', () => {
  let now = 0;
  const limits = new DeviceLimits({ ratePerSecond: 2, burst: 3, maxInFlight: 10 }, () => now);
  const admitted = () => Array.from({ length: 5 }, () => 'release' in limits.admit('noisy')).filter(Boolean).length;
  assert.equal(admitted(), 3, 'the burst');
  const refused = limits.admit('noisy');
  assert.ok('cause' in refused && refused.cause === 'device_rate' && refused.retryAfterSeconds === 1);
  assert.ok('release' in limits.admit('quiet'), 'another device still gets in');
  now += 1000;
  assert.equal(admitted(), 2, 'two more after a second at 2/s');
});

test('requests in flight are capped per device and freed once answered (twice freed counts once)', () => {
  const limits = new DeviceLimits({ ratePerSecond: 1000, burst: 1000, maxInFlight: 2 }, () => 0);
  const first = limits.admit('d');
  const second = limits.admit('d');
  const third = limits.admit('d');
  assert.ok('cause' in third && third.cause === 'device_in_flight');
  assert.ok('release' in first && 'release' in second);
  first.release();
  first.release();
  assert.ok('release' in limits.admit('d'));
  assert.ok('cause' in limits.admit('d'), 'the double release freed one slot, not two');
});
