import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { stackEnv, uniqueName } from '@mine/testkit';
const rows = 400000;
const env = stackEnv();
const name = uniqueName('probe');
const admin = new pg.Client({ connectionString: env.databaseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const db = new pg.Client({ connectionString: env.databaseUrl.replace(/\/[^/]*$/, `/${name}`) });
await db.connect();
await db.query(`CREATE TABLE extraction_records (id bigint PRIMARY KEY, pit text, bench text, tonnes numeric(12,3), grade numeric(6,4), measured_at timestamptz, meta jsonb, updated_at timestamptz NOT NULL);
  INSERT INTO extraction_records SELECT i, 'P' || (i % 3), 'B' || (i % 12), i * 1.125, 0.4567, now(), jsonb_build_object('loader', i % 9), TIMESTAMPTZ '2026-11-01' + i * INTERVAL '1 second' FROM generate_series(1, ${rows}) i;
  CREATE INDEX ON extraction_records (updated_at, id); ANALYZE extraction_records;`);
async function copy(sql: string) {
  const t = process.hrtime.bigint(); let bytes = 0; const parts: Buffer[] = [];
  await pipeline(db.query(copyTo(sql)), new Writable({ write: (c, _e, cb) => ((bytes += c.length), parts.push(c), cb()) }));
  return { s: Number(process.hrtime.bigint() - t) / 1e9, bytes, buf: Buffer.concat(parts) };
}
for (let r = 0; r < 2; r++) {
const base = await copy('COPY (SELECT * FROM extraction_records ORDER BY updated_at, id) TO STDOUT');
console.log('text copy', base.s.toFixed(3), base.bytes);
const plainTable = await copy('COPY extraction_records TO STDOUT');
console.log('text copy table', plainTable.s.toFixed(3));
const json = await copy(`COPY (SELECT row_to_json(t)::text FROM (SELECT *, now() AS _x FROM extraction_records ORDER BY updated_at, id) t) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`);
console.log('json copy', json.s.toFixed(3), json.bytes, (base.s / json.s * 100).toFixed(0) + '%');
const jsonText = await copy(`COPY (SELECT row_to_json(t)::text FROM (SELECT *, now() AS _x FROM extraction_records ORDER BY updated_at, id) t) TO STDOUT`);
console.log('json copy text fmt', jsonText.s.toFixed(3));
const csv = await copy(`COPY (SELECT * FROM extraction_records ORDER BY updated_at, id) TO STDOUT WITH (FORMAT csv)`);
console.log('csv copy', csv.s.toFixed(3));
await db.query(`SET TIME ZONE 'UTC'`);
const csv2 = await copy(`COPY (SELECT id, pit, bench, tonnes, grade, measured_at AT TIME ZONE 'UTC', meta, updated_at AT TIME ZONE 'UTC', TIMESTAMPTZ '2026-11-24T10:00:00Z' AS _x FROM extraction_records ORDER BY updated_at, id) TO STDOUT WITH (FORMAT csv, NULL '\\N')`);
console.log('csv copy exprs', csv2.s.toFixed(3), csv2.bytes, (base.s / csv2.s * 100).toFixed(0) + '%');
console.log(csv2.buf.subarray(0, 300).toString());
let t = process.hrtime.bigint(); const gz = gzipSync(json.buf, { level: 1 }); console.log('gzip1', (Number(process.hrtime.bigint() - t) / 1e9).toFixed(3), gz.length);
t = process.hrtime.bigint(); let n=0; for (let at = json.buf.indexOf(10); at !== -1; at = json.buf.indexOf(10, at + 1)) n++; console.log('count', (Number(process.hrtime.bigint() - t) / 1e9).toFixed(3), n);
}
await db.end(); await admin.query(`DROP DATABASE ${name} WITH (FORCE)`); await admin.end();
