// Rows/s from PostgreSQL to staged chunk files, as a ratio of `COPY … TO STDOUT` of the same table, same run.
//   eval "$(tools/stack/stack.sh env)" && npx tsx --conditions=source services/db-extractor/bench/extract-bench.ts [rows] [chunk]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { stackEnv, uniqueName } from '@mine/testkit';
import { compressChunk, keysetChunks } from '../src/chunks.js';
import { PostgresReader } from '../src/sources/postgres.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const chunk = Number(process.argv[3] ?? 50_000);
const env = stackEnv();
const name = uniqueName('dbx_bench');
const admin = new pg.Client({ connectionString: env.databaseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = env.databaseUrl.replace(/\/[^/]*$/, `/${name}`);
const db = new pg.Client({ connectionString: url });
await db.connect();
await db.query(`CREATE TABLE extraction_records (id bigint PRIMARY KEY, pit text, bench text, tonnes numeric(12,3), grade numeric(6,4), measured_at timestamptz, meta jsonb, updated_at timestamptz NOT NULL);
  INSERT INTO extraction_records SELECT i, 'P' || (i % 3), 'B' || (i % 12), i * 1.125, 0.4567, now(), jsonb_build_object('loader', i % 9), TIMESTAMPTZ '2026-11-01' + i * INTERVAL '1 second' FROM generate_series(1, ${rows}) i;
  CREATE INDEX ON extraction_records (updated_at, id); ANALYZE extraction_records;`);

async function timed(work: () => Promise<void>) {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

let copyBytes = 0;
const copySeconds = await timed(async () => {
  const stream = db.query(copyTo('COPY (SELECT * FROM extraction_records ORDER BY updated_at, id) TO STDOUT'));
  await pipeline(stream, new Writable({ write: (c, _e, cb) => ((copyBytes += c.length), cb()) }));
});

const dir = await mkdtemp(join(tmpdir(), 'dbx-bench-'));
const reader = new PostgresReader(url);
const columns = (await reader.describe('public.extraction_records')).map((c) => c.name);
let extracted = 0;
let stagedBytes = 0;
const extractSeconds = await timed(async () => {
  const request = { table: 'public.extraction_records', columns, order: ['updated_at', 'id'], cursor: ['updated_at'], limit: chunk };
  let n = 0;
  // The extractor's own chunk loop, with a local file where it stages on GCS.
  for await (const { data, rows } of keysetChunks(reader, request, () => new Date().toISOString())) {
    const body = await compressChunk(data);
    await writeFile(join(dir, `chunk-${++n}.csv.gz`), body);
    stagedBytes += body.length;
    extracted += rows;
  }
});
await reader.close();
await rm(dir, { recursive: true, force: true });
await db.end();
await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
await admin.end();

console.log(`${rows} rows, chunks of ${chunk}`);
console.log(`COPY … TO STDOUT                          ${copySeconds.toFixed(2)} s  ${Math.round(rows / copySeconds).toLocaleString('en')} rows/s  (${(copyBytes / 1e6).toFixed(1)} MB text)`);
console.log(`keyset COPY chunks → gzipped CSV files        ${extractSeconds.toFixed(2)} s  ${Math.round(extracted / extractSeconds).toLocaleString('en')} rows/s  (${(stagedBytes / 1e6).toFixed(1)} MB staged)`);
console.log(`ratio extractor / COPY: ${((100 * copySeconds) / extractSeconds).toFixed(0)} %`);
