import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, continuityOf, type StreamPosition } from './continuity.js';

const T0 = Date.UTC(2026, 10, 25, 1, 0, 0);
const at = (second: number) => new Date(T0 + second * 1000).toISOString();
const position: StreamPosition = { bootId: 'b1', lastSequence: 100, lastPacketAtMs: T0 + 100_000 };

test('next, gap, late and first', () => {
  assert.equal(continuityOf(undefined, { sequence: 7, startTime: at(0) }), 'first');
  assert.equal(continuityOf(position, { bootId: 'b1', sequence: 101, startTime: at(101) }), 'next');
  assert.equal(continuityOf(position, { bootId: 'b1', sequence: 105, startTime: at(105) }), 'gap');
  assert.equal(continuityOf(position, { bootId: 'b1', sequence: 99, startTime: at(99) }), 'late');
  assert.equal(continuityOf(position, { bootId: 'b1', sequence: 100, startTime: at(100) }), 'late', 'a redelivery is deduplicated before this');
});

test('a restarted count is a reset, told by the boot id or by newer data under a lower number', () => {
  assert.equal(continuityOf(position, { bootId: 'b2', sequence: 0, startTime: at(130) }), 'reset');
  assert.equal(continuityOf(position, { bootId: 'b2', sequence: 5000, startTime: at(130) }), 'reset');
  const noBoot = { ...position, bootId: undefined };
  assert.equal(continuityOf(noBoot, { sequence: 0, startTime: at(130) }), 'reset');
  assert.equal(continuityOf(noBoot, { sequence: 3, startTime: at(50) }), 'late');
  // After one absurd number, the next ordinary packet restarts the stream instead of looking old forever.
  const absurd = advance(noBoot, { sequence: 2 ** 52, startTime: at(101) }, 'gap');
  assert.equal(continuityOf(absurd, { sequence: 102, startTime: at(102) }), 'reset');
});

test('a late packet leaves the position where it was', () => {
  assert.deepEqual(advance(position, { bootId: 'b1', sequence: 50, startTime: at(50) }, 'late'), position);
  assert.deepEqual(advance(position, { bootId: 'b2', sequence: 0, startTime: at(130) }, 'reset'), { bootId: 'b2', lastSequence: 0, lastPacketAtMs: T0 + 130_000 });
});
