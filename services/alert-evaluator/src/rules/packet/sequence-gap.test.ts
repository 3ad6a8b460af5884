import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sequenceGap } from './sequence-gap.js';
import { packetContext, sine } from './test-context.js';

test('sensor-sequence-gap: lost packets are observed; the next packet and a restarted count are normal; a late or first one says nothing', () => {
  const gap = sequenceGap.evaluate(packetContext(sine(1, 20), { continuity: 'gap', previousSequence: 3, sequence: 9 }));
  assert.deepEqual(gap.observations?.[0]?.details, { from: 3, to: 9 });
  assert.match(gap.observations?.[0]?.message ?? '', /skipped 5 packet\(s\) after 3/);
  for (const continuity of ['next', 'reset'] as const) assert.equal(sequenceGap.evaluate(packetContext(sine(1, 20), { continuity })).normals?.length, 1);
  for (const continuity of ['late', 'first'] as const) assert.deepEqual(sequenceGap.evaluate(packetContext(sine(1, 20), { continuity })), {});
});
