import { DuckDBInstance, listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { SensorReading } from '@mine/contracts';

/** Columns of a spool file: one row per packet, samples as lists (the dedupe key is sensorId + sequence). */
export const SPOOL_COLUMNS = `sensorId VARCHAR, sequence BIGINT, site VARCHAR, zone VARCHAR, startTime TIMESTAMPTZ,
  sampleRateHz DOUBLE, receivedAt TIMESTAMPTZ, x DOUBLE[], y DOUBLE[], z DOUBLE[]`;

/** An in-process DuckDB, used as the Parquet writer and the compaction engine. */
export async function openDuckDb(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  return connection;
}

export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Writes packets to a local Parquet file (zstd) through DuckDB's appender. */
export async function writeSpoolParquet(connection: DuckDBConnection, readings: SensorReading[], path: string): Promise<void> {
  const table = `spool_${Math.random().toString(36).slice(2)}`;
  await connection.run(`CREATE TEMP TABLE ${table} (${SPOOL_COLUMNS})`);
  try {
    const appender = await connection.createAppender(table);
    for (const r of readings) {
      appender.appendVarchar(r.sensorId);
      appender.appendBigInt(BigInt(r.sequence));
      appender.appendVarchar(r.site);
      appender.appendVarchar(r.zone);
      appender.appendVarchar(r.startTime);
      appender.appendDouble(r.sampleRateHz);
      appender.appendVarchar(r.receivedAt);
      appender.appendList(listValue(r.samples.x));
      appender.appendList(listValue(r.samples.y));
      appender.appendList(listValue(r.samples.z));
      appender.endRow();
    }
    appender.closeSync();
    await connection.run(`COPY ${table} TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${table}`);
  }
}
