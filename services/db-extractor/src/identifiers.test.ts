import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fc, fuzzSurface } from '@mine/testkit';
import { lookBack } from './extract.js';
import { BIGQUERY_COLUMN, checkColumnNames, oracleChunk, pgQuote, postgresChunk } from './sql.js';
import { mapPostgresColumn } from './types.js';

test('PostgreSQL identifiers are quoted with embedded quotes doubled; the NULL-cursor pass filters on the cursor', () => {
  assert.equal(pgQuote('a"b'), '"a""b"');
  const { sql } = postgresChunk({ table: 'public.t', columns: ['id', 'x"; DROP TABLE t; --'], order: ['id'], cursor: ['changed_at'], nullCursor: true, limit: 10 });
  assert.equal(sql, 'SELECT "id", "x""; DROP TABLE t; --" FROM "public"."t" WHERE "changed_at" IS NULL ORDER BY "id" LIMIT $1');
});

test('a `timestamp` (no zone) watermark is moved back as wall-clock time and stays without a zone; timestamptz stays an instant', () => {
  assert.deepEqual(lookBack(['2026-11-20T10:00:05'], 60), ['2026-11-20T09:59:05.000']);
  assert.deepEqual(lookBack(['2026-11-20T10:00:05.123456'], 1), ['2026-11-20T10:00:04.123']);
  assert.deepEqual(lookBack(['2026-11-20T10:00:05Z'], 60), ['2026-11-20T09:59:05.000Z']);
  assert.deepEqual(lookBack(['42'], 60), ['42']);
  // Found by fuzzing: the earliest Date moved back is no Date (toISOString threw).
  const earliest = new Date(-8.64e15);
  assert.deepEqual(lookBack([earliest], 60), [earliest]);
});

test('source rows: column names from a catalogue are accepted only as safe BigQuery names, else refused with one error; watermarks of any shape never throw', async () => {
  const names = fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), fc.constantFrom('a"b', 'x`y', 'drop table', 'ÉTAT', '1st', '_ok', 'select')), { minLength: 1, maxLength: 8 });
  await fuzzSurface('source column names', names, (columns) => {
    for (const dialect of ['postgres', 'oracle'] as const) {
      try {
        checkColumnNames('t', columns, dialect);
      } catch (error) {
        assert.match((error as Error).message, /^table t: column names .* cannot be BigQuery column names/);
        continue;
      }
      for (const c of columns) assert.ok(BIGQUERY_COLUMN.test(c) && !c.includes('`') && !c.includes('"'));
      if (dialect === 'oracle') oracleChunk({ table: 't', columns, order: [columns[0]!], limit: 1 });
    }
  }, 2000);
  const values = fc.array(fc.oneof(fc.string(), fc.date({ noInvalidDate: false }), fc.integer(), fc.constant(null), fc.constantFrom('infinity', '2026-13-45T99:99:99', '2026-11-20T10:00:05')), { maxLength: 3 });
  await fuzzSurface('source cursor values (look-back)', values, (watermark) => {
    const moved = lookBack(watermark, 60);
    assert.ok(moved === undefined || Array.isArray(moved));
  }, 1000);
});

test('enums, composites and other types without a mapping are read as text, never a refused table', () => {
  assert.deepEqual(mapPostgresColumn({ name: 'shift', dbType: 'text', nullable: false, textual: true, sourceType: 'shift_kind' }), { name: 'shift', type: 'STRING', mode: 'REQUIRED' });
  assert.deepEqual(mapPostgresColumn({ name: 'shifts', dbType: '_text', nullable: true, textual: true, sourceType: '_shift_kind' }), { name: 'shifts', type: 'STRING', mode: 'REPEATED' });
});
