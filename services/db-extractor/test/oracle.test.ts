import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OracleReader } from '../src/sources/oracle.js';

// No Oracle server can run on the project's CI machines. With `docker compose --profile oracle up`
// (Oracle Free with tools/oracle/init), set ORACLE_URL=oracle://sapsr3:sapsr3@localhost:1521/FREEPDB1 to run this.
const url = process.env.ORACLE_URL;

test('reads SAP tables from Oracle: MANDT filtered, DATS and TIMS converted, NUMC kept, keyset chunks', { skip: url ? false : 'ORACLE_URL is not set (no Oracle server here); see the README' }, async () => {
  const reader = new OracleReader(url!, { dats: ['ERSDA'], tims: ['ERZET'], numc: ['RUECK', 'RMZHL'] });
  try {
    const columns = await reader.describe('SAPSR3.AFRU');
    assert.deepEqual(columns.map((c) => reader.mapColumn(c).type).slice(0, 5), ['STRING', 'STRING', 'STRING', 'DATE', 'TIME']);
    const request = { table: 'SAPSR3.AFRU', columns: columns.map((c) => c.name), order: ['ERSDA', 'ERZET', 'RUECK', 'RMZHL'], cursor: ['ERSDA', 'ERZET'], sapClient: '100', limit: 1 };
    const first = await reader.readChunk(request, '2026-11-24T00:00:00Z');
    assert.equal(first.rows, 1);
    const row = JSON.parse(first.data.toString());
    assert.equal(row.ERSDA, '2026-11-20');
    assert.equal(row.ERZET, '06:30:00');
    assert.equal(row.RUECK, '0000004711');
    const second = await reader.readChunk({ ...request, after: request.order.map((c) => first.last![c]) }, '2026-11-24T00:00:00Z');
    assert.equal(JSON.parse(second.data.toString()).RMZHL, '00000002');
  } finally {
    await reader.close();
  }
});
