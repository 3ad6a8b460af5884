import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bucket } from '@google-cloud/storage';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SensorReading } from '@mine/contracts';
import { Batcher, PoisonMessageError, type Logger, type Pending } from '@mine/platform';
import { writeSpoolParquet } from './parquet.js';

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
  private readonly batcher: Batcher<SensorReading>;

  constructor(private readonly options: SpoolOptions) {
    this.batcher = new Batcher({ maxItems: options.maxPackets, maxWaitMs: options.maxAgeMs, write: (batch) => this.write(batch) });
  }

  /** Resolves once the packet is in a stored spool file. */
  add(reading: SensorReading): Promise<void> {
    return this.batcher.add(reading);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** Drops buffered packets without storing them, as a crash would; Pub/Sub redelivers them. */
  abandon(): void {
    this.batcher.abandon('spool abandoned');
  }

  private async write(batch: Pending<SensorReading>[]): Promise<void> {
    const byHour = new Map<string, Pending<SensorReading>[]>();
    for (const pending of batch) {
      const prefix = hourPrefix('spool', pending.item.startTime);
      byHour.set(prefix, [...(byHour.get(prefix) ?? []), pending]);
    }
    const dir = await mkdtemp(join(this.options.workDir, 'spool-'));
    try {
      for (const [prefix, group] of byHour) {
        try {
          const local = join(dir, `${randomUUID()}.parquet`);
          const stored = await this.writeIsolatingPoison(group, local);
          if (stored.length === 0) continue;
          const name = `${prefix}${new Date().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}.parquet`;
          // The upload verifies its CRC32C; only a stored object releases the messages for acking.
          await this.options.bucket.upload(local, { destination: name, resumable: false, validation: 'crc32c', contentType: 'application/vnd.apache.parquet' });
          for (const pending of stored) pending.resolve();
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

  /**
   * Writes the group's local file. A local write fails only on the data (the
   * writer refused a value), so when it does the group is halved until the
   * packets it cannot store are found: each is rejected as poison (its message
   * is dead-lettered with the reason) and the rest are written. Returns the
   * packets in the file.
   */
  private async writeIsolatingPoison(group: Pending<SensorReading>[], path: string): Promise<Pending<SensorReading>[]> {
    const write = (items: Pending<SensorReading>[]) => writeSpoolParquet(this.options.duckdb, items.map((p) => p.item), path);
    try {
      await write(group);
      return group;
    } catch {
      const poison: [Pending<SensorReading>, Error][] = [];
      const storable = async (items: Pending<SensorReading>[]): Promise<Pending<SensorReading>[]> => {
        try {
          await write(items);
          return items;
        } catch (error) {
          if (items.length === 1) {
            poison.push([items[0]!, error as Error]);
            return [];
          }
          const half = Math.ceil(items.length / 2);
          return [...(await storable(items.slice(0, half))), ...(await storable(items.slice(half)))];
        }
      };
      const stored = await storable(group);
      for (const [pending, error] of poison) {
        const { sensorId, sequence } = pending.item;
        this.options.logger.warn({ sensorId, sequence, err: error }, 'packet cannot be spooled; dead-lettered alone');
        pending.reject(new PoisonMessageError('unstorable_packet', `${sensorId}/${sequence}: ${error.message}`));
      }
      if (stored.length > 0) await write(stored);
      return stored;
    }
  }
}
