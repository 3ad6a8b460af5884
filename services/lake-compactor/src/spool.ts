import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bucket } from '@google-cloud/storage';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SensorReading } from '@mine/contracts';
import type { Logger } from '@mine/platform';
import { writeSpoolParquet } from './parquet.js';

interface Pending {
  reading: SensorReading;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** `spool/date=YYYY-MM-DD/hour=HH/`: the hour a packet belongs to is the hour it started in. */
export function hourPrefix(kind: 'spool' | 'raw' | 'features/packets' | 'features/hourly', startTime: string, site?: string): string {
  const iso = new Date(startTime).toISOString();
  return `${kind}/${site ? `site=${site}/` : ''}date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
}

export interface SpoolOptions {
  bucket: Bucket;
  duckdb: DuckDBConnection;
  workDir: string;
  maxPackets: number;
  maxAgeMs: number;
  logger: Logger;
  onFlush?: (files: number, packets: number) => void;
}

/**
 * Collects packets and writes them as small Parquet files under spool/,
 * grouped by the hour they started in. A packet's promise resolves only once
 * its file is stored in Cloud Storage, and the subscriber acknowledges it only
 * then: a crash before that leaves the message to be redelivered.
 */
export class SpoolWriter {
  private buffer: Pending[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: SpoolOptions) {}

  add(reading: SensorReading): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.buffer.push({ reading, resolve, reject });
      if (this.buffer.length >= this.options.maxPackets) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.options.maxAgeMs);
    });
  }

  /** Writes what is buffered; flushes run one after another (DuckDB's connection is not shared concurrently). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  /** Drops buffered packets without storing them, as a crash would; Pub/Sub redelivers them. */
  abandon(): void {
    clearTimeout(this.timer);
    for (const pending of this.buffer) pending.reject(new Error('spool abandoned'));
    this.buffer = [];
  }

  private async write(batch: Pending[]): Promise<void> {
    const byHour = new Map<string, Pending[]>();
    for (const pending of batch) {
      const prefix = hourPrefix('spool', pending.reading.startTime);
      byHour.set(prefix, [...(byHour.get(prefix) ?? []), pending]);
    }
    const dir = await mkdtemp(join(this.options.workDir, 'spool-'));
    try {
      for (const [prefix, group] of byHour) {
        try {
          const local = join(dir, `${randomUUID()}.parquet`);
          await writeSpoolParquet(this.options.duckdb, group.map((p) => p.reading), local);
          const name = `${prefix}${new Date().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}.parquet`;
          // The upload verifies its CRC32C; only a stored object releases the messages for acking.
          await this.options.bucket.upload(local, { destination: name, resumable: false, validation: 'crc32c', contentType: 'application/vnd.apache.parquet' });
          for (const pending of group) pending.resolve();
        } catch (error) {
          this.options.logger.error({ err: error, prefix, packets: group.length }, 'spool write failed; packets will be redelivered');
          for (const pending of group) pending.reject(error as Error);
        }
      }
      this.options.onFlush?.(byHour.size, batch.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
