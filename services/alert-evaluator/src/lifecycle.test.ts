import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAlarm, type OpenAlarm } from './lifecycle.js';

const active = (state: OpenAlarm['state'], level: OpenAlarm['level'] = 'orange', lastSeenAtMs = 1_000): OpenAlarm => ({ state, level, lastSeenAtMs });

test('an observation raises a new alarm, counts on an open one, escalates on a higher level and revives a cleared-unacknowledged one', () => {
  assert.deepEqual(nextAlarm(undefined, { kind: 'observed', level: 'yellow', atMs: 5 }), { change: 'raised', state: 'ACTIVE_UNACK', level: 'yellow' });
  assert.deepEqual(nextAlarm(active('ACTIVE_ACK'), { kind: 'observed', level: 'yellow', atMs: 2_000 }), { change: 'observed', state: 'ACTIVE_ACK', level: 'orange', announce: false, lastSeenAtMs: 2_000 });
  assert.deepEqual(nextAlarm(active('ACTIVE_ACK'), { kind: 'observed', level: 'red', atMs: 2_000 }), { change: 'observed', state: 'ACTIVE_UNACK', level: 'red', announce: true, lastSeenAtMs: 2_000 });
  assert.deepEqual(nextAlarm(active('CLEARED_UNACK'), { kind: 'observed', level: 'orange', atMs: 2_000 }), { change: 'observed', state: 'ACTIVE_UNACK', level: 'orange', announce: true, lastSeenAtMs: 2_000 });
  assert.equal((nextAlarm(active('ACTIVE_UNACK', 'orange', 9_000), { kind: 'observed', level: 'orange', atMs: 2_000 }) as { lastSeenAtMs: number }).lastSeenAtMs, 9_000, 'a late observation does not move last-seen back');
});

test('normal conditions clear after the hold time (at once when immediate), to CLEARED_ACK only if acknowledged', () => {
  assert.deepEqual(nextAlarm(active('ACTIVE_UNACK'), { kind: 'normal', atMs: 2_999, holdMs: 2_000 }), { change: 'none' });
  assert.deepEqual(nextAlarm(active('ACTIVE_UNACK'), { kind: 'normal', atMs: 3_000, holdMs: 2_000 }), { change: 'state', state: 'CLEARED_UNACK' });
  assert.deepEqual(nextAlarm(active('ACTIVE_ACK'), { kind: 'normal', atMs: 3_000, holdMs: 2_000 }), { change: 'state', state: 'CLEARED_ACK' });
  assert.deepEqual(nextAlarm(active('ACTIVE_ACK'), { kind: 'normal', atMs: 1_001, holdMs: 2_000, immediate: true }), { change: 'state', state: 'CLEARED_ACK' });
  assert.deepEqual(nextAlarm(active('CLEARED_UNACK'), { kind: 'normal', atMs: 9_000, holdMs: 0 }), { change: 'none' });
  assert.deepEqual(nextAlarm(undefined, { kind: 'normal', atMs: 9_000, holdMs: 0 }), { change: 'none' });
});

test('acknowledging moves ACTIVE_UNACK to ACTIVE_ACK and CLEARED_UNACK to CLEARED_ACK; nothing else', () => {
  assert.deepEqual(nextAlarm(active('ACTIVE_UNACK'), { kind: 'acknowledged' }), { change: 'state', state: 'ACTIVE_ACK' });
  assert.deepEqual(nextAlarm(active('CLEARED_UNACK'), { kind: 'acknowledged' }), { change: 'state', state: 'CLEARED_ACK' });
  assert.deepEqual(nextAlarm(active('ACTIVE_ACK'), { kind: 'acknowledged' }), { change: 'none' });
  assert.deepEqual(nextAlarm(undefined, { kind: 'acknowledged' }), { change: 'none' });
});
