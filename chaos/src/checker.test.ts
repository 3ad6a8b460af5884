import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countStage, percentile, stageHolds } from './checker.js';
import { Ledger } from './ledger.js';

test('a stage counts lost, duplicated and phantom records against the ledger, and the delay from the acknowledgement', () => {
  const ledger = new Ledger();
  for (const key of ['a', 'b', 'c', 'd']) ledger.attempt('src', key, 1000);
  ledger.settle('src', 'a', 'acknowledged', undefined, 1000);
  ledger.settle('src', 'b', 'acknowledged', undefined, 1000);
  ledger.settle('src', 'c', 'refused', 'http 400');
  // d stays indeterminate: present or absent, it is neither lost nor a phantom.
  const observed = [{ key: 'a', at: 1100 }, { key: 'a', at: 1500 }, { key: 'd', at: 1200 }, { key: 'z', at: 1300 }];
  const stage = countStage('sink', ledger.acknowledged('src'), ledger.sentKeys('src'), observed);
  assert.deepEqual([stage.acknowledged, stage.lost, stage.duplicated, stage.phantoms], [2, 1, 1, 1]);
  assert.deepEqual(stage.examples.lost, ['b']);
  assert.equal(stage.p99Ms, 100);
  assert.equal(stageHolds(stage), false);
  assert.equal(stageHolds(countStage('topic', ledger.acknowledged('src'), ledger.sentKeys('src'), [{ key: 'a' }, { key: 'a' }, { key: 'b' }], { duplicatesCount: false })), true);
  assert.deepEqual(ledger.summary('src'), { sent: 4, acknowledged: 2, indeterminate: 1, refused: { 'http 400': 1 } });
});

test('an acknowledgement is never undone by a later refusal of a resend', () => {
  const ledger = new Ledger();
  ledger.attempt('src', 'a');
  ledger.settle('src', 'a', 'acknowledged');
  ledger.attempt('src', 'a');
  ledger.settle('src', 'a', 'refused', 'duplicate');
  assert.equal(ledger.acknowledged('src').size, 1);
});

test('percentiles are nearest-rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([], 99), undefined);
});
