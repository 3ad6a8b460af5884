import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher } from './batcher.js';

test('writes by count and by age, and settles each item after its write', async () => {
  const writes: number[][] = [];
  const batcher = new Batcher<number>({
    maxItems: 3,
    maxWaitMs: 20,
    write: async (batch) => {
      writes.push(batch.map((p) => p.item));
      for (const p of batch) (p.item === 5 ? p.reject(new Error('refused')) : p.resolve());
    },
  });
  const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
  assert.deepEqual(writes, [[1, 2, 3], [4, 5]]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
});

test('a failed write rejects its whole batch; abandon drops what was not written', async () => {
  const batcher = new Batcher<string>({ maxItems: 2, maxWaitMs: 10_000, write: async () => { throw new Error('disk full'); } });
  await assert.rejects(Promise.all([batcher.add('a'), batcher.add('b')]), /disk full/);
  const pending = batcher.add('c');
  batcher.abandon('crash');
  await assert.rejects(pending, /crash/);
});
