import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bucket } from '@google-cloud/storage';
import type { BigQuery } from '@google-cloud/bigquery';
import type { DuckDBConnection } from '@duckdb/node-api';
import { HourlyVibrationFeatures, toBigQuerySchema } from '@mine/contracts';
import type { Logger } from '@mine/platform';
import { StaLtaDetector, packetFeatures, type StaLtaOptions, type StaLtaSnapshot } from '@mine/vibration';
import { sqlString } from './parquet.js';
import { hourPrefix } from './spool.js';
import type { SpoolObject } from './state.js';

export interface CompactionOptions {
  /** the lake bucket (for `store` unless given, and for BigQuery's load URIs) */
  bucket?: Bucket;
  duckdb: DuckDBConnection;
  workDir: string;
  logger: Logger;
  /** where spool objects come from and lake objects go; the lake bucket unless given (the benchmark uses local disk) */
  store?: LakeStore;
  /** dataset.table for hourly features in BigQuery */
  features?: { bigquery: BigQuery; dataset: string; table: string };
  /** STA/LTA settings for the seismic event counts; the library's defaults are the alarm rules' defaults */
  staLta?: StaLtaOptions;
  /** each sensor's detector state at the end of the previous hour, to continue from */
  carryIn?: DetectorCarry;
}

/** Per sensor, the STA/LTA detector's state at the end of an hour. */
export type DetectorCarry = Record<string, StaLtaSnapshot>;

export interface SiteOutput {
  site: string;
  packets: number;
  rawRows: number;
  sensors: number;
  /** lake objects written: raw samples (one per sensor), per-packet and hourly features */
  objects: { raw: string[]; packets: string; hourly: string };
}

export interface CompactionResult {
  hourStart: string;
  spoolFiles: number;
  spoolPackets: number;
  duplicates: number;
  sites: SiteOutput[];
  /** the detectors' state at the end of the hour, for the next hour */
  carryOut: DetectorCarry;
}

/** Spool objects in, lake objects out. */
export interface LakeStore {
  download(object: SpoolObject, path: string): Promise<void>;
  upload(path: string, name: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  delete(name: string): Promise<void>;
}

export function bucketStore(bucket: Bucket): LakeStore {
  return {
    download: async (object, path) => {
      await bucket.file(object.name, { generation: Number(object.generation) }).download({ destination: path, validation: 'crc32c' });
    },
    upload: async (path, name) => {
      await bucket.upload(path, { destination: name, resumable: false, validation: 'crc32c', contentType: 'application/vnd.apache.parquet' });
    },
    list: async (prefix) => (await bucket.getFiles({ prefix }))[0].map((f) => f.name),
    delete: async (name) => {
      await bucket.file(name).delete({ ignoreNotFound: true });
    },
  };
}

const PART = 'part-00000.parquet';
const TIME_TEXT = `'%Y-%m-%dT%H:%M:%S.%gZ'`;

/**
 * Compacts one hour of spool objects into the lake: raw samples (one file
 * per sensor), per-packet features and hourly features per site,
 * Hive-partitioned under fixed names, so a rerun replaces rather than
 * duplicates. Duplicated packets (redeliveries) are dropped by sensor id +
 * sequence.
 *
 * Memory does not grow with the hour: spool objects are fetched one at a
 * time and re-partitioned by sensor on the scratch disk, then each sensor's
 * hour (3,600 packets at one a second) is deduplicated, unnested and
 * written, and its packets streamed through the feature code in chunks.
 * What stays in memory for the whole hour is one row of features per packet.
 */
export async function compactHour(hourStart: Date, spool: SpoolObject[], options: CompactionOptions): Promise<CompactionResult> {
  const { duckdb, logger } = options;
  if (!options.store && !options.bucket) throw new Error('compactHour needs a bucket or a store');
  const store = options.store ?? bucketStore(options.bucket!);
  const iso = hourStart.toISOString();
  const result: CompactionResult = { hourStart: `${iso.slice(0, 13)}:00:00.000Z`, spoolFiles: spool.length, spoolPackets: 0, duplicates: 0, sites: [], carryOut: {} };
  if (spool.length === 0) return result;

  const dir = await mkdtemp(join(options.workDir, 'compact-'));
  try {
    // 1. Each spool object, one at a time, re-partitioned by site and sensor on the scratch disk.
    const bySensor = join(dir, 'by-sensor');
    const download = join(dir, 'download.parquet');
    for (const [i, object] of spool.entries()) {
      await store.download(object, download);
      const copied = await duckdb.run(`COPY (SELECT site, sensorId, sequence, zone, startTime, sampleRateHz, receivedAt, x, y, z FROM read_parquet(${sqlString(download)}))
        TO ${sqlString(bySensor)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (site, sensorId), FILENAME_PATTERN 'spool-${i}-{i}', OVERWRITE_OR_IGNORE)`);
      result.spoolPackets += copied.rowsChanged;
      await rm(download, { force: true });
    }

    await duckdb.run(`CREATE OR REPLACE TEMP TABLE packet_features (site VARCHAR, sensorId VARCHAR, sequence BIGINT, zone VARCHAR, startTime TIMESTAMPTZ,
      sampleRateHz DOUBLE, sampleCount INTEGER, ppvX DOUBLE, ppvY DOUBLE, ppvZ DOUBLE, pvs DOUBLE, rms DOUBLE, dominantFrequencyHz DOUBLE, seismicTriggers INTEGER)`);
    // 2. Sensor by sensor: raw samples to the lake, features computed from the same deduplicated packets.
    for (const { site, sensors } of await partitions(duckdb, bySensor)) {
      const objects: string[] = [];
      let rawRows = 0;
      for (const { sensorId, glob } of sensors) {
        const sensor = await compactSensor(site, sensorId, glob, iso, dir, store, options);
        rawRows += sensor.rawRows;
        result.duplicates += sensor.duplicates;
        objects.push(sensor.object);
        result.carryOut[sensorId] = sensor.carry;
      }
      result.sites.push(await compactSite(site, iso, dir, store, objects, rawRows, options));
    }
    const packets = result.sites.reduce((n, s) => n + s.packets, 0);
    await duckdb.run('DROP TABLE IF EXISTS packet_features; DROP TABLE IF EXISTS sensor_packets');
    logger.info({ hour: result.hourStart, spoolFiles: spool.length, packets, duplicates: result.duplicates, sites: result.sites.length }, 'hour compacted');
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The site and sensor partitions DuckDB wrote, in order. */
async function partitions(duckdb: DuckDBConnection, bySensor: string) {
  const rows = (await duckdb.runAndReadAll(`SELECT DISTINCT site, sensorId, parse_dirpath(filename) AS dir FROM read_parquet(${sqlString(`${bySensor}/*/*/*.parquet`)}, hive_partitioning = true, filename = true) ORDER BY site, sensorId`)).getRows();
  const sites = new Map<string, { sensorId: string; glob: string }[]>();
  for (const [site, sensorId, dir] of rows) {
    const list = sites.get(String(site)) ?? [];
    list.push({ sensorId: String(sensorId), glob: `${String(dir)}/*.parquet` });
    sites.set(String(site), list);
  }
  return [...sites].map(([site, sensors]) => ({ site, sensors }));
}

async function compactSensor(site: string, sensorId: string, glob: string, hourIso: string, dir: string, store: LakeStore, options: CompactionOptions) {
  const { duckdb } = options;
  await duckdb.run(`CREATE OR REPLACE TEMP TABLE sensor_packets AS
    SELECT ${sqlString(sensorId)} AS sensorId, sequence, zone, startTime, sampleRateHz, x, y, z
    FROM read_parquet(${sqlString(glob)}, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY sequence ORDER BY receivedAt, startTime) = 1`);
  // Counted apart from the spool's total, so the compaction check sees a packet that fell out of every partition.
  const [[spooled, kept]] = (await duckdb.runAndReadAll(`SELECT (SELECT count(*) FROM read_parquet(${sqlString(glob)}, hive_partitioning = false)), (SELECT count(*) FROM sensor_packets)`)).getRows() as [[bigint, bigint]];
  const rawPath = join(dir, 'raw.parquet');
  const raw = await duckdb.run(`COPY (
      SELECT sensorId, sequence, zone, sampleIndex,
             startTime + to_microseconds(CAST(round(sampleIndex * 1000000 / sampleRateHz) AS BIGINT)) AS sampleTime,
             sampleRateHz, x, y, z
      FROM (SELECT sensorId, sequence, zone, startTime, sampleRateHz,
                   unnest(range(len(x))) AS sampleIndex, unnest(x) AS x, unnest(y) AS y, unnest(z) AS z
            FROM sensor_packets)
      ORDER BY sequence, sampleIndex
    ) TO ${sqlString(rawPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`);
  const object = `${hourPrefix('raw', hourIso, site)}part-${sensorId}.parquet`;
  await store.upload(rawPath, object);
  await rm(rawPath, { force: true });

  // Per-packet features come from packages/vibration, the same code alert-evaluator uses; one detector
  // runs over the sensor's packets in sequence order, continuing from its state at the end of the last hour.
  const detector = StaLtaDetector.restore(options.staLta ?? {}, options.carryIn?.[sensorId]);
  const appender = await duckdb.createAppender('packet_features');
  const packets = await duckdb.stream(`SELECT sequence, zone, strftime(startTime, ${TIME_TEXT}), sampleRateHz, x, y, z FROM sensor_packets ORDER BY sequence`);
  for await (const rows of packets.yieldRows()) {
    for (const [sequence, zone, startTime, sampleRateHz, x, y, z] of rows) {
      const samples = { x: (x as { items: number[] }).items, y: (y as { items: number[] }).items, z: (z as { items: number[] }).items };
      const packet = { sampleRateHz: Number(sampleRateHz), samples };
      const f = packetFeatures(packet);
      const triggers = detector.processPacket(packet, Date.parse(String(startTime))).filter((e) => e.type === 'on').length;
      appender.appendVarchar(site);
      appender.appendVarchar(sensorId);
      appender.appendBigInt(BigInt(sequence as bigint));
      appender.appendVarchar(String(zone));
      appender.appendVarchar(String(startTime));
      appender.appendDouble(Number(sampleRateHz));
      appender.appendInteger(f.sampleCount);
      for (const value of [f.ppvX, f.ppvY, f.ppvZ, f.pvs, f.rms, f.dominantFrequencyHz]) appender.appendDouble(value);
      appender.appendInteger(triggers);
      appender.endRow();
    }
  }
  appender.closeSync();
  return { rawRows: raw.rowsChanged, object, carry: detector.snapshot(), duplicates: Number(spooled) - Number(kept) };
}

async function compactSite(site: string, hourIso: string, dir: string, store: LakeStore, rawObjects: string[], rawRows: number, options: CompactionOptions): Promise<SiteOutput> {
  const { duckdb } = options;
  const where = `site = ${sqlString(site)}`;
  const packetPath = join(dir, `packets-${site}.parquet`);
  const packets = await duckdb.run(`COPY (SELECT * FROM packet_features WHERE ${where} ORDER BY sensorId, sequence) TO ${sqlString(packetPath)} (FORMAT parquet, COMPRESSION zstd)`);

  const hourlyPath = join(dir, `hourly-${site}.parquet`);
  const hourly = await duckdb.run(`COPY (
      SELECT ${sqlString(site)} AS site, zone, sensorId, TIMESTAMPTZ ${sqlString(hourIso.slice(0, 13) + ':00:00+00')} AS hourStart,
             CAST(count(*) AS BIGINT) AS packets,
             CAST(max(sequence) - min(sequence) + 1 - count(*) AS BIGINT) AS gaps,
             max(greatest(ppvX, ppvY, ppvZ)) AS ppvMaxMmS, max(pvs) AS pvsMaxMmS,
             sqrt(sum(rms * rms * sampleCount) / sum(sampleCount)) AS rmsMmS,
             arg_max(dominantFrequencyHz, pvs) AS dominantFrequencyHz,
             CAST(sum(seismicTriggers) AS BIGINT) AS seismicEvents,
             min(startTime) AS firstPacketAt, max(startTime) AS lastPacketAt
      FROM packet_features WHERE ${where} GROUP BY zone, sensorId ORDER BY zone, sensorId
    ) TO ${sqlString(hourlyPath)} (FORMAT parquet, COMPRESSION zstd)`);

  const objects = { raw: rawObjects, packets: `${hourPrefix('features/packets', hourIso, site)}${PART}`, hourly: `${hourPrefix('features/hourly', hourIso, site)}${PART}` };
  await store.upload(packetPath, objects.packets);
  await store.upload(hourlyPath, objects.hourly);
  // Raw files of sensors this compaction did not write (an earlier layout's single file) would double rows.
  const rawPrefix = hourPrefix('raw', hourIso, site);
  for (const stale of (await store.list(rawPrefix)).filter((name) => !rawObjects.includes(name))) await store.delete(stale);
  if (options.features && options.bucket) {
    // Loaded from a flat staging name: a Hive-style path makes the emulator's Parquet reader (DuckDB)
    // add the partition keys as columns, which real BigQuery only does when asked to.
    const staged = `staging/hourly/${site}_${hourIso.slice(0, 13).replace(':', '')}.parquet`;
    await store.upload(hourlyPath, staged);
    await loadHourly(site, hourIso, `gs://${options.bucket.name}/${staged}`, options.features);
  }
  await rm(packetPath, { force: true });
  await rm(hourlyPath, { force: true });
  return { site, packets: packets.rowsChanged, rawRows, sensors: hourly.rowsChanged, objects };
}

/**
 * Replaces the site's hour in BigQuery in one step: the file is loaded into a
 * staging table, then one transaction deletes the hour's rows and inserts the
 * staged ones. A crash leaves either the old hour or the new one, never an
 * empty or doubled hour; concurrent replaces of one hour serialise (BigQuery
 * aborts the conflicting transaction, and the run fails and is retried).
 */
async function loadHourly(site: string, hourIso: string, uri: string, target: { bigquery: BigQuery; dataset: string; table: string }) {
  const { bigquery, dataset, table } = target;
  const staging = `_staging_${table}_${site.replace(/[^A-Za-z0-9_]/g, '_')}_${hourIso.slice(0, 13).replace(/[^0-9]/g, '')}_${randomUUID().slice(0, 8)}`;
  const columns = Object.keys(HourlyVibrationFeatures.properties).map((c) => `\`${c}\``).join(', ');
  const [load] = await bigquery.createJob({
    configuration: {
      load: {
        sourceUris: [uri],
        sourceFormat: 'PARQUET',
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_IF_NEEDED',
        schema: { fields: toBigQuerySchema(HourlyVibrationFeatures) },
        destinationTable: { projectId: bigquery.projectId, datasetId: dataset, tableId: staging },
      },
    },
  });
  await load.promise();
  try {
    // Literals, not parameters: the emulator runs a script without its parameters (real BigQuery takes both).
    const where = `site = ${bigQueryString(site)} AND hourStart = TIMESTAMP ${bigQueryString(`${hourIso.slice(0, 13)}:00:00+00`)}`;
    const [job] = await bigquery.createQueryJob({
      query: `BEGIN TRANSACTION;
        DELETE FROM \`${dataset}.${table}\` WHERE ${where};
        INSERT INTO \`${dataset}.${table}\` (${columns}) SELECT ${columns} FROM \`${dataset}.${staging}\` WHERE ${where};
        COMMIT TRANSACTION;`,
    });
    await job.getQueryResults();
  } finally {
    await bigquery.dataset(dataset).table(staging).delete().catch(() => undefined);
  }
}

const bigQueryString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
