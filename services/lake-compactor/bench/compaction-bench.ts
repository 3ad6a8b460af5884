// Compactor throughput, as a ratio of DuckDB's own COPY of the same rows to Parquet, in one run.
//   npx tsx --conditions=source services/lake-compactor/bench/compaction-bench.ts [packets]
// No emulator: it measures the Parquet work (spool files written, the hour compacted) on local disk.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SensorReading } from '@mine/contracts';
import { SensorStream, mineLayout } from '@mine/simulator';
import { openDuckDb, sqlString, writeSpoolParquet } from '../src/parquet.js';

const packets = Number(process.argv[2] ?? 2000);
const SAMPLES = 500;
const dir = await mkdtemp(join(tmpdir(), 'compaction-bench-'));
const duckdb = await openDuckDb();
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const sensors = mineLayout(100);
const streams = sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: SAMPLES, packetSeconds: 1, noiseMmS: 0.05, seed: i }));
const readings: SensorReading[] = [];
for (let i = 0; readings.length < packets; i++) {
  for (const stream of streams) {
    if (readings.length >= packets) break;
    readings.push({ ...stream.packet(1_795_000_000 + i), site: stream.sensor.site, zone: stream.sensor.zone, receivedAt: new Date().toISOString() });
  }
}
const rows = packets * SAMPLES;

async function timed(label: string, work: () => Promise<void>) {
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { label, seconds, rowsPerSecond: rows / seconds };
}

// 1. spool: packets → Parquet (the streaming path), 20 files as the service would write them.
const spoolFiles: string[] = [];
const spool = await timed('spool: packets → Parquet (NDJSON → DuckDB)', async () => {
  const per = Math.ceil(packets / 20);
  for (let i = 0; i < packets; i += per) {
    const path = join(dir, `spool-${i}.parquet`);
    await writeSpoolParquet(duckdb, readings.slice(i, i + per), path);
    spoolFiles.push(path);
  }
});

// 2. compaction: spool files → deduped, unnested raw samples Parquet (the compactor's SQL).
const rawPath = join(dir, 'raw.parquet');
const compaction = await timed('compaction: spool → raw samples', async () => {
  await duckdb.run(`CREATE OR REPLACE TEMP TABLE packets AS SELECT * FROM read_parquet([${spoolFiles.map(sqlString).join(',')}])
    QUALIFY row_number() OVER (PARTITION BY sensorId, sequence ORDER BY receivedAt) = 1`);
  await duckdb.run(`COPY (SELECT sensorId, sequence, zone, sampleIndex,
      startTime + to_microseconds(CAST(round(sampleIndex * 1000000 / sampleRateHz) AS BIGINT)) AS sampleTime, sampleRateHz, x, y, z
    FROM (SELECT sensorId, sequence, zone, startTime, sampleRateHz, unnest(range(len(x))) AS sampleIndex, unnest(x) AS x, unnest(y) AS y, unnest(z) AS z FROM packets)
    ORDER BY sensorId, sequence, sampleIndex) TO ${sqlString(rawPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`);
});

// Baseline: DuckDB writing the same raw rows, already in a table, to Parquet.
await duckdb.run(`CREATE OR REPLACE TEMP TABLE raw_rows AS SELECT * FROM read_parquet(${sqlString(rawPath)})`);
const baseline = await timed('baseline: DuckDB COPY of the raw rows', async () => {
  await duckdb.run(`COPY raw_rows TO ${sqlString(join(dir, 'baseline.parquet'))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`);
});

// Candidate writer: hyparquet-writer (pure JavaScript) on the same rows, from JS arrays.
const columns = (await duckdb.runAndReadAll('SELECT sensorId, sequence, sampleIndex, x, y, z FROM raw_rows')).getColumns();
const hyparquet = await timed('candidate: hyparquet-writer, same rows', async () => {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'sensorId', data: columns[0] as string[], type: 'STRING' },
      { name: 'sequence', data: columns[1] as bigint[], type: 'INT64' },
      { name: 'sampleIndex', data: columns[2] as bigint[], type: 'INT64' },
      { name: 'x', data: columns[3] as number[], type: 'DOUBLE' },
      { name: 'y', data: columns[4] as number[], type: 'DOUBLE' },
      { name: 'z', data: columns[5] as number[], type: 'DOUBLE' },
    ],
  });
  await writeFile(join(dir, 'hyparquet.parquet'), Buffer.from(buffer));
});
clearInterval(rssTimer);

console.log(`${packets} packets × ${SAMPLES} samples = ${rows.toLocaleString('en')} raw rows (raw Parquet ${((await stat(rawPath)).size / 1e6).toFixed(1)} MB)`);
for (const r of [spool, compaction, baseline, hyparquet]) console.log(`${r.label.padEnd(46)} ${r.seconds.toFixed(2).padStart(6)} s ${(r.rowsPerSecond / 1e6).toFixed(2).padStart(6)} M rows/s`);
console.log(`ratio compaction / DuckDB COPY: ${((100 * compaction.rowsPerSecond) / baseline.rowsPerSecond).toFixed(0)} %`);
console.log(`ratio spool write / DuckDB COPY: ${((100 * spool.rowsPerSecond) / baseline.rowsPerSecond).toFixed(0)} %`);
console.log(`ratio hyparquet-writer / DuckDB COPY: ${((100 * hyparquet.rowsPerSecond) / baseline.rowsPerSecond).toFixed(0)} %`);
console.log(`peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
await rm(dir, { recursive: true, force: true });
