import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TableProgress } from './progress.js';

test('progress reports rows, rate and the ETA from the estimate', () => {
  const progress = new TableProgress(10_000, 0);
  assert.deepEqual(progress.add(2_000, 1_000), { rows: 2_000, rowsPerSecond: 2_000, estimatedRows: 10_000, etaSeconds: 4 });
  assert.deepEqual(progress.add(2_000, 4_000), { rows: 4_000, rowsPerSecond: 1_000, estimatedRows: 10_000, etaSeconds: 6 });
});

test('an estimate the run has passed gives an ETA of zero, and no estimate gives none', () => {
  assert.equal(new TableProgress(100, 0).add(150, 1_000).etaSeconds, 0);
  assert.deepEqual(new TableProgress(undefined, 0).add(500, 500), { rows: 500, rowsPerSecond: 1_000 });
});
