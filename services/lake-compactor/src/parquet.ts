import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { canonicalTimestamp, type SensorReading } from '@mine/contracts';

/** Columns of a spool file: one row per packet, samples as lists (the dedupe key is sensorId + sequence). */
export const SPOOL_COLUMNS = `sensorId VARCHAR, sequence BIGINT, site VARCHAR, zone VARCHAR, startTime TIMESTAMPTZ,
  sampleRateHz DOUBLE, receivedAt TIMESTAMPTZ, x DOUBLE[], y DOUBLE[], z DOUBLE[]`;

/**
 * An in-process DuckDB, used as the Parquet writer and the compaction engine.
 * Bounded: past `memoryLimit` it spills to a temp directory under `workDir`
 * (the scratch volume), and it need not keep insertion order (every output
 * orders explicitly), which lets it stream.
 */
export async function openDuckDb(limits: { DUCKDB_MEMORY_LIMIT?: string; WORK_DIR?: string } = {}): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '2',
    memory_limit: limits.DUCKDB_MEMORY_LIMIT ?? '1GB',
    temp_directory: join(limits.WORK_DIR ?? tmpdir(), 'duckdb-spill'),
    preserve_insertion_order: 'false',
  });
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  return connection;
}

export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Writes packets to a local Parquet file (zstd). The packets go to DuckDB as
 * newline-delimited JSON, parsed in DuckDB's C++ reader with the spool's column
 * types given explicitly; per-value appends from JavaScript measured 5× slower.
 */
export async function writeSpoolParquet(connection: DuckDBConnection, readings: SensorReading[], path: string): Promise<void> {
  const ndjson = `${path}.ndjson`;
  // Timestamps in one canonical form: RFC 3339 allows a lowercase t that DuckDB refuses (a throw here isolates the packet).
  const rows = readings.map((r) => ({ ...r, startTime: canonicalTimestamp(r.startTime), receivedAt: canonicalTimestamp(r.receivedAt), x: r.samples.x, y: r.samples.y, z: r.samples.z, samples: undefined }));
  await writeFile(ndjson, rows.map((r) => JSON.stringify(r)).join('\n'));
  try {
    await connection.run(`COPY (SELECT * FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited', columns = {${SPOOL_JSON_COLUMNS}}))
      TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    await rm(ndjson, { force: true });
  }
}

const SPOOL_JSON_COLUMNS = SPOOL_COLUMNS.split(',')
  .map((column) => column.trim().split(/\s+/))
  .map(([name, type]) => `${name}: '${type}'`)
  .join(', ');
