import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bucket } from '@google-cloud/storage';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

const HOUR_MS = 3_600_000;

/** A run of consecutive samples of one sensor (x, y, z in mm/s). */
export interface Segment {
  startTimeUs: number;
  sampleRateHz: number;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
}

export interface LakeReaderOptions {
  bucket: Bucket;
  workDir: string;
  memoryLimit: string;
  /** hours older than this are only read from the raw lake */
  spoolDays: number;
}

const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;
/** The lake's Hive partition of an hour (lake-compactor's layout). */
const partition = (hourMs: number) => {
  const iso = new Date(hourMs).toISOString();
  return `date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
};

/**
 * Reads a sensor's waveform between two times from the lake: for each hour,
 * the compacted raw Parquet of its site when the hour has been compacted,
 * otherwise the spool files the lake-compactor streams packets into (the
 * current and recent hours). Samples are deduplicated by time (a packet
 * delivered twice) and cut into segments wherever the samples are not
 * consecutive, as miniSEED records are.
 */
export class LakeReader {
  private instance: DuckDBInstance | undefined;

  constructor(private readonly options: LakeReaderOptions) {}

  private async connect(): Promise<DuckDBConnection> {
    this.instance ??= await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: this.options.memoryLimit, temp_directory: join(this.options.workDir, 'duckdb-spill') });
    const connection = await this.instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    return connection;
  }

  async readSensor(site: string, sensorId: string, startMs: number, endMs: number): Promise<Segment[]> {
    const dir = await mkdtemp(join(this.options.workDir, 'fdsn-'));
    const connection = await this.connect();
    try {
      const raw: string[] = [];
      const spool: string[] = [];
      const spoolFrom = Date.now() - this.options.spoolDays * 24 * HOUR_MS;
      for (let hour = Math.floor(startMs / HOUR_MS) * HOUR_MS; hour < endMs; hour += HOUR_MS) {
        const rawFile = this.options.bucket.file(`raw/site=${site}/${partition(hour)}part-00000.parquet`);
        if ((await rawFile.exists())[0]) {
          raw.push(await this.download(rawFile.name, dir));
        } else if (hour + HOUR_MS > spoolFrom) {
          const [files] = await this.options.bucket.getFiles({ prefix: `spool/${partition(hour)}` });
          for (const file of files.filter((f) => f.name.endsWith('.parquet'))) spool.push(await this.download(file.name, dir));
        }
      }
      if (raw.length === 0 && spool.length === 0) return [];
      const window = `t >= ${Math.round(startMs * 1000)} AND t < ${Math.round(endMs * 1000)}`;
      const parts = [
        ...(raw.length ? [`SELECT epoch_us(sampleTime) AS t, sampleRateHz AS rate, x, y, z FROM read_parquet([${raw.map(sqlString).join(', ')}]) WHERE sensorId = ${sqlString(sensorId)}`] : []),
        // The same sample times the compactor gives raw rows: start + round(index × 1e6 / rate) µs.
        ...(spool.length
          ? [`SELECT epoch_us(startTime) + CAST(round(i * 1000000 / sampleRateHz) AS BIGINT) AS t, sampleRateHz AS rate, x[i + 1] AS x, y[i + 1] AS y, z[i + 1] AS z
              FROM (SELECT startTime, sampleRateHz, x, y, z, unnest(range(len(x))) AS i FROM read_parquet([${spool.map(sqlString).join(', ')}], union_by_name = true) WHERE sensorId = ${sqlString(sensorId)})`]
          : []),
      ];
      const result = await connection.runAndReadAll(`SELECT t, rate, any_value(x), any_value(y), any_value(z) FROM (${parts.join(' UNION ALL ')}) WHERE ${window} GROUP BY t, rate ORDER BY t`);
      if (result.currentRowCount === 0) return [];
      const columns = result.getColumns();
      return segments(columns[0]! as bigint[], columns[1]! as number[], columns[2]! as number[], columns[3]! as number[], columns[4]! as number[]);
    } finally {
      connection.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async download(name: string, dir: string): Promise<string> {
    const local = join(dir, `${name.replace(/[^A-Za-z0-9.-]/g, '_')}`);
    await this.options.bucket.file(name).download({ destination: local, validation: 'crc32c' });
    return local;
  }

  close(): void {
    this.instance?.closeSync();
  }
}

function segments(t: bigint[], rate: number[], x: number[], y: number[], z: number[]): Segment[] {
  const out: Segment[] = [];
  let from = 0;
  for (let i = 1; i <= t.length; i++) {
    const continues = i < t.length && rate[i] === rate[i - 1] && Math.abs(Number(t[i]! - t[i - 1]!) - 1e6 / rate[i]!) < 5e5 / rate[i]!;
    if (continues) continue;
    out.push({ startTimeUs: Number(t[from]!), sampleRateHz: rate[from]!, x: Float64Array.from(x.slice(from, i)), y: Float64Array.from(y.slice(from, i)), z: Float64Array.from(z.slice(from, i)) });
    from = i;
  }
  return out;
}
