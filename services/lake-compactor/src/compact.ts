import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bucket } from '@google-cloud/storage';
import type { BigQuery } from '@google-cloud/bigquery';
import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import { HourlyVibrationFeatures, toBigQuerySchema } from '@mine/contracts';
import type { Logger } from '@mine/platform';
import { StaLtaDetector, packetFeatures, type StaLtaOptions } from '@mine/vibration';
import { sqlString } from './parquet.js';
import { hourPrefix } from './spool.js';
import type { SpoolObject } from './state.js';

export interface CompactionOptions {
  bucket: Bucket;
  duckdb: DuckDBConnection;
  workDir: string;
  logger: Logger;
  /** dataset.table for hourly features in BigQuery */
  features?: { bigquery: BigQuery; dataset: string; table: string };
  /** STA/LTA settings for the seismic event counts; the library's defaults are the alarm rules' defaults */
  staLta?: StaLtaOptions;
}

export interface SiteOutput {
  site: string;
  packets: number;
  rawRows: number;
  sensors: number;
  objects: string[];
}

export interface CompactionResult {
  hourStart: string;
  spoolFiles: number;
  spoolPackets: number;
  duplicates: number;
  sites: SiteOutput[];
}

const PART = 'part-00000.parquet';

/**
 * Compacts one hour of spool files into the lake: raw samples, per-packet
 * features and hourly features per site, Hive-partitioned, one deterministic
 * file per partition, so a rerun (for late packets, or after a crash) replaces
 * rather than duplicates. Duplicated packets (redeliveries) are dropped by
 * sensor id + sequence.
 */
export async function compactHour(hourStart: Date, spool: SpoolObject[], options: CompactionOptions): Promise<CompactionResult> {
  const { bucket, duckdb, logger } = options;
  const iso = hourStart.toISOString();
  // Exactly the manifest's objects, at the generations it names: what the compaction record will say was covered.
  const files = spool.map((o) => bucket.file(o.name, { generation: Number(o.generation) }));
  const result: CompactionResult = { hourStart: `${iso.slice(0, 13)}:00:00.000Z`, spoolFiles: files.length, spoolPackets: 0, duplicates: 0, sites: [] };
  if (files.length === 0) return result;

  const dir = await mkdtemp(join(options.workDir, 'compact-'));
  try {
    const locals: string[] = [];
    for (const [i, file] of files.entries()) {
      const local = join(dir, `spool-${i}.parquet`);
      await file.download({ destination: local, validation: 'crc32c' });
      locals.push(local);
    }
    await duckdb.run(`CREATE OR REPLACE TEMP TABLE spool AS SELECT * FROM read_parquet([${locals.map(sqlString).join(', ')}])`);
    await duckdb.run(`CREATE OR REPLACE TEMP TABLE packets AS
      SELECT * FROM spool QUALIFY row_number() OVER (PARTITION BY sensorId, sequence ORDER BY receivedAt) = 1`);
    result.spoolPackets = Number((await duckdb.runAndReadAll('SELECT count(*) FROM spool')).getRows()[0]![0]);
    const packets = Number((await duckdb.runAndReadAll('SELECT count(*) FROM packets')).getRows()[0]![0]);
    result.duplicates = result.spoolPackets - packets;

    const sites = (await duckdb.runAndReadAll('SELECT DISTINCT site FROM packets ORDER BY site')).getRows().map((r) => String(r[0]));
    for (const site of sites) {
      result.sites.push(await compactSite(site, iso, dir, options));
    }
    await duckdb.run('DROP TABLE IF EXISTS spool; DROP TABLE IF EXISTS packets; DROP TABLE IF EXISTS packet_features');
    logger.info({ hour: result.hourStart, spoolFiles: files.length, packets, duplicates: result.duplicates, sites: sites.length }, 'hour compacted');
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function compactSite(site: string, hourIso: string, dir: string, options: CompactionOptions): Promise<SiteOutput> {
  const { duckdb, bucket } = options;
  const where = `site = ${sqlString(site)}`;
  const rawPath = join(dir, `raw-${site}.parquet`);
  await duckdb.run(`COPY (
      SELECT sensorId, sequence, zone, sampleIndex,
             startTime + to_microseconds(CAST(round(sampleIndex * 1000000 / sampleRateHz) AS BIGINT)) AS sampleTime,
             sampleRateHz, x, y, z
      FROM (SELECT sensorId, sequence, zone, startTime, sampleRateHz,
                   unnest(range(len(x))) AS sampleIndex, unnest(x) AS x, unnest(y) AS y, unnest(z) AS z
            FROM packets WHERE ${where})
      ORDER BY sensorId, sequence, sampleIndex
    ) TO ${sqlString(rawPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`);
  const rawRows = Number((await duckdb.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(rawPath)})`)).getRows()[0]![0]);

  // Per-packet features come from packages/vibration, the same code alert-evaluator uses.
  await duckdb.run(`CREATE OR REPLACE TEMP TABLE packet_features (sensorId VARCHAR, sequence BIGINT, zone VARCHAR, startTime TIMESTAMPTZ,
    sampleRateHz DOUBLE, sampleCount INTEGER, ppvX DOUBLE, ppvY DOUBLE, ppvZ DOUBLE, pvs DOUBLE, rms DOUBLE, dominantFrequencyHz DOUBLE, seismicTriggers INTEGER)`);
  const rows = (await duckdb.runAndReadAll(`SELECT sensorId, sequence, zone, strftime(startTime, '%Y-%m-%dT%H:%M:%S.%gZ'), sampleRateHz, x, y, z FROM packets WHERE ${where} ORDER BY sensorId, sequence`)).getRows();
  const appender = await duckdb.createAppender('packet_features');
  // Rows come in sensor and sequence order, so one detector runs over each sensor's hour as a stream.
  let detector = { sensorId: undefined as unknown, staLta: new StaLtaDetector(options.staLta) };
  for (const [sensorId, sequence, zone, startTime, sampleRateHz, x, y, z] of rows) {
    const samples = { x: (x as { items: number[] }).items, y: (y as { items: number[] }).items, z: (z as { items: number[] }).items };
    const packet = { sampleRateHz: Number(sampleRateHz), samples };
    const f = packetFeatures(packet);
    if (detector.sensorId !== sensorId) detector = { sensorId, staLta: new StaLtaDetector(options.staLta) };
    const triggers = detector.staLta.processPacket(packet, Date.parse(String(startTime))).filter((e) => e.type === 'on').length;
    appender.appendVarchar(String(sensorId));
    appender.appendBigInt(BigInt(sequence as bigint));
    appender.appendVarchar(String(zone));
    appender.appendVarchar(String(startTime));
    appender.appendDouble(Number(sampleRateHz));
    appender.appendInteger(f.sampleCount);
    for (const value of [f.ppvX, f.ppvY, f.ppvZ, f.pvs, f.rms, f.dominantFrequencyHz]) appender.appendDouble(value);
    appender.appendInteger(triggers);
    appender.endRow();
  }
  appender.closeSync();
  const packetPath = join(dir, `packets-${site}.parquet`);
  await duckdb.run(`COPY (SELECT ${sqlString(site)} AS site, * FROM packet_features ORDER BY sensorId, sequence) TO ${sqlString(packetPath)} (FORMAT parquet, COMPRESSION zstd)`);

  const hourlyPath = join(dir, `hourly-${site}.parquet`);
  await duckdb.run(`COPY (
      SELECT ${sqlString(site)} AS site, zone, sensorId, TIMESTAMPTZ ${sqlString(hourIso.slice(0, 13) + ':00:00+00')} AS hourStart,
             CAST(count(*) AS BIGINT) AS packets,
             CAST(max(sequence) - min(sequence) + 1 - count(*) AS BIGINT) AS gaps,
             max(greatest(ppvX, ppvY, ppvZ)) AS ppvMaxMmS, max(pvs) AS pvsMaxMmS,
             sqrt(sum(rms * rms * sampleCount) / sum(sampleCount)) AS rmsMmS,
             arg_max(dominantFrequencyHz, pvs) AS dominantFrequencyHz,
             CAST(sum(seismicTriggers) AS BIGINT) AS seismicEvents,
             min(startTime) AS firstPacketAt, max(startTime) AS lastPacketAt
      FROM packet_features GROUP BY zone, sensorId ORDER BY zone, sensorId
    ) TO ${sqlString(hourlyPath)} (FORMAT parquet, COMPRESSION zstd)`);
  const sensors = Number((await duckdb.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(hourlyPath)})`)).getRows()[0]![0]);

  const objects: string[] = [];
  for (const [kind, path] of [['raw', rawPath], ['features/packets', packetPath], ['features/hourly', hourlyPath]] as const) {
    const name = `${hourPrefix(kind, hourIso, site)}${PART}`;
    await bucket.upload(path, { destination: name, resumable: false, validation: 'crc32c', contentType: 'application/vnd.apache.parquet' });
    objects.push(name);
  }
  if (options.features) {
    // Loaded from a flat staging name: a Hive-style path makes the emulator's Parquet reader (DuckDB)
    // add the partition keys as columns, which real BigQuery only does when asked to.
    const staged = `staging/hourly/${site}_${hourIso.slice(0, 13).replace(':', '')}.parquet`;
    await bucket.upload(hourlyPath, { destination: staged, resumable: false, validation: 'crc32c' });
    await loadHourly(site, hourIso, `gs://${bucket.name}/${staged}`, options.features);
  }
  return { site, packets: rows.length, rawRows, sensors, objects };
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
