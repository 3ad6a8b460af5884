import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oracleChunk, oracleCount, postgresChunk, postgresCount } from './sql.js';
import { drift, mapOracleColumn, mapPostgresColumn, sapDate, sapTime } from './types.js';

test('PostgreSQL chunks: keyset after the last key, from the watermark, ordered by cursor then key', () => {
  const q = postgresChunk({ table: 'public.extractions', columns: ['id', 'updated_at', 'tonnes'], order: ['updated_at', 'id'], cursor: ['updated_at'], from: ['2026-11-01T00:00:00Z'], after: ['2026-11-02T00:00:00Z', 42], limit: 5000 });
  assert.equal(q.sql, 'SELECT "id", "updated_at", "tonnes" FROM "public"."extractions" WHERE ("updated_at") >= ($1) AND ("updated_at", "id") > ($2, $3) ORDER BY "updated_at", "id" LIMIT $4');
  assert.deepEqual(q.params, ['2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 42, 5000]);
  assert.equal(postgresChunk({ table: 'shifts', columns: ['id'], order: ['id'], limit: 10 }).sql, 'SELECT "id" FROM "shifts" ORDER BY "id" LIMIT $1');
});

test('Oracle chunks: named binds, the SAP client filter, an expanded keyset and FETCH FIRST', () => {
  const q = oracleChunk({
    table: 'SAPSR3.AFRU',
    columns: ['MANDT', 'RUECK', 'RMZHL', 'ERSDA', 'ERZET'],
    order: ['ERSDA', 'ERZET', 'RUECK', 'RMZHL'],
    cursor: ['ERSDA', 'ERZET'],
    from: ['20261120', '063000'],
    after: ['20261121', '141500', '0000004711', '00000002'],
    sapClient: '100',
    limit: 1000,
  });
  assert.equal(
    q.sql,
    'SELECT MANDT, RUECK, RMZHL, ERSDA, ERZET FROM SAPSR3.AFRU WHERE MANDT = :mandt' +
      ' AND ((ERSDA > :w0) OR (ERSDA = :w0 AND ERZET >= :w1))' +
      ' AND ((ERSDA > :k0) OR (ERSDA = :k0 AND ERZET > :k1) OR (ERSDA = :k0 AND ERZET = :k1 AND RUECK > :k2) OR (ERSDA = :k0 AND ERZET = :k1 AND RUECK = :k2 AND RMZHL > :k3))' +
      ' ORDER BY ERSDA, ERZET, RUECK, RMZHL FETCH FIRST :limit ROWS ONLY',
  );
  assert.deepEqual(q.params, { mandt: '100', w0: '20261120', w1: '063000', k0: '20261121', k1: '141500', k2: '0000004711', k3: '00000002', limit: 1000 });
  assert.doesNotMatch(q.sql, /20261121|4711/, 'values are bound, never inlined');
});

test('PostgreSQL types map to BigQuery', () => {
  const map = (dbType: string, extra: object = {}) => mapPostgresColumn({ name: 'c', dbType, nullable: true, ...extra });
  assert.deepEqual(
    ['int4', 'int8', 'float8', 'bool', 'text', 'uuid', 'timestamptz', 'timestamp', 'date', 'jsonb', 'bytea'].map((t) => map(t).type),
    ['INT64', 'INT64', 'FLOAT64', 'BOOL', 'STRING', 'STRING', 'TIMESTAMP', 'DATETIME', 'DATE', 'JSON', 'BYTES'],
  );
  assert.equal(map('numeric', { precision: 12, scale: 3 }).type, 'NUMERIC');
  assert.equal(map('numeric', { precision: 40, scale: 2 }).type, 'BIGNUMERIC');
  assert.equal(map('numeric').type, 'BIGNUMERIC', 'unconstrained numeric keeps every digit');
  assert.deepEqual(map('_int4'), { name: 'c', type: 'INT64', mode: 'REPEATED' });
  assert.equal(mapPostgresColumn({ name: 'c', dbType: 'int4', nullable: false }).mode, 'REQUIRED');
  assert.throws(() => map('tsvector'), /no BigQuery type/);
});

test('Oracle and SAP types map to BigQuery; DATS and TIMS convert, NUMC keeps its zeros', () => {
  const map = (dbType: string, extra: object = {}) => mapOracleColumn({ name: 'C', dbType, nullable: true, ...extra }).type;
  assert.equal(map('NUMBER', { precision: 10, scale: 0 }), 'INT64');
  assert.equal(map('NUMBER', { precision: 13, scale: 3 }), 'NUMERIC');
  assert.equal(map('NUMBER'), 'BIGNUMERIC');
  assert.equal(map('DATE'), 'DATETIME');
  assert.equal(map('TIMESTAMP(6)'), 'DATETIME');
  assert.equal(map('TIMESTAMP(6) WITH TIME ZONE'), 'TIMESTAMP');
  assert.equal(map('CLOB'), 'STRING');
  assert.equal(map('BLOB'), 'BYTES');
  assert.equal(map('RAW'), 'BYTES');
  const sap = { dats: ['ERSDA'], tims: ['ERZET'], numc: ['RUECK'] };
  assert.deepEqual(mapOracleColumn({ name: 'ERSDA', dbType: 'VARCHAR2', nullable: false }, sap), { name: 'ERSDA', type: 'DATE', mode: 'NULLABLE' });
  assert.equal(mapOracleColumn({ name: 'ERZET', dbType: 'VARCHAR2', nullable: false }, sap).type, 'TIME');
  assert.equal(mapOracleColumn({ name: 'RUECK', dbType: 'VARCHAR2', nullable: false }, sap).type, 'STRING');
  assert.equal(sapDate('20261120'), '2026-11-20');
  assert.equal(sapDate('00000000'), null);
  assert.equal(sapDate('        '), null);
  assert.throws(() => sapDate('2026-11-20'), /DATS/);
  assert.equal(sapTime('063000'), '06:30:00');
});

test('schema drift: new columns are added, removed or retyped ones fail the table', () => {
  const current = [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' as const }, { name: 'tonnes', type: 'NUMERIC', mode: 'NULLABLE' as const }, { name: '_extracted_at', type: 'TIMESTAMP', mode: 'REQUIRED' as const }];
  assert.deepEqual(drift(current, [{ name: 'id', type: 'INT64', mode: 'REQUIRED' }, { name: 'tonnes', type: 'NUMERIC', mode: 'NULLABLE' }, { name: 'shift', type: 'STRING', mode: 'REQUIRED' }]), {
    add: [{ name: 'shift', type: 'STRING', mode: 'NULLABLE' }],
    problems: [],
  });
  assert.deepEqual(drift(current, [{ name: 'id', type: 'INT64', mode: 'REQUIRED' }]).problems, ['column tonnes was removed at the source']);
  assert.deepEqual(drift(current, [{ name: 'id', type: 'INT64', mode: 'REQUIRED' }, { name: 'tonnes', type: 'FLOAT64', mode: 'NULLABLE' }]).problems, ['column tonnes changed from NUMERIC to FLOAT64']);
});

test('source row counts: the whole PostgreSQL table; in Oracle only the SAP client, by a named bind', () => {
  assert.deepEqual(postgresCount('public.extraction_records'), { sql: 'SELECT count(*) AS n FROM "public"."extraction_records"', params: [] });
  assert.deepEqual(oracleCount('SAPSR3.AFRU', '100'), { sql: 'SELECT COUNT(*) AS N FROM SAPSR3.AFRU WHERE MANDT = :mandt', params: { mandt: '100' } });
  assert.deepEqual(oracleCount('SAPSR3.AFRU'), { sql: 'SELECT COUNT(*) AS N FROM SAPSR3.AFRU', params: {} });
});
