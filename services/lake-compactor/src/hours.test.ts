import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandHours } from './hours.js';

test('backfill hours: single hours and end-exclusive ranges across a day; impossible ones refused by name', () => {
  assert.deepEqual(expandHours(['2026-11-24T05', '2026-11-30T22..2026-12-01T01']), ['2026-11-24T05', '2026-11-30T22', '2026-11-30T23', '2026-12-01T00']);
  assert.throws(() => expandHours(['2026-11-31T05']), /2026-11-31T05: hours look like/);
  assert.throws(() => expandHours(['2026-11-24T05..2026-11-24T05']), /a range looks like/);
  assert.throws(() => expandHours(['yesterday']), /yesterday/);
});
