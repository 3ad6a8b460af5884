import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastRecordStart } from './postgres.js';

const start = (csv: string) => csv.slice(lastRecordStart(Buffer.from(csv)));

test('the last CSV record is found past quoted newlines and doubled quotes', () => {
  assert.equal(start('id,note\n1,a\n2,b\n'), '2,b\n');
  assert.equal(start('id,note\n1,a\n2,"line one\nline two"\n'), '2,"line one\nline two"\n');
  assert.equal(start('id,note\n1,"x"\n2,"say ""hi""\n,"""\n'), '2,"say ""hi""\n,"""\n');
  assert.equal(start('id,note\n1,"a\n\n"\n'), '1,"a\n\n"\n');
});

test('a header and one record, and a lone record, start where they should', () => {
  assert.equal(start('id\n7\n'), '7\n');
  assert.equal(start('7\n'), '7\n');
});
