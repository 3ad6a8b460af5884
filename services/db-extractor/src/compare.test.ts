import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare } from './extract.js';

test('cursor values compare by value: integers beyond 2^53, decimals, ISO timestamps, tuples', () => {
  assert.equal(compare(['9'], ['10']), -1);
  assert.equal(compare(['9223372036854775807'], ['9223372036854775806']), 1);
  assert.equal(compare(['2.5'], ['10.25']), -1);
  assert.equal(compare(['2026-11-01T00:00:09Z'], ['2026-11-01T00:00:10Z']), -1);
  assert.equal(compare([new Date('2026-11-02T00:00:00Z')], ['2026-11-01T23:59:59.000Z']), 1);
  assert.equal(compare(['2026-11-01', '7'], ['2026-11-01', '12']), -1);
  assert.equal(compare(['a', 1], ['a', 1]), 0);
});
