import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { Bucket } from '@google-cloud/storage';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import avro from 'avsc';
import type { LineageEmitter, Logger } from '@mine/platform';
import { avroToBigQuery, checkSchema } from './avro.js';
import { DEFAULT_CONTAINER_LIMITS, readAvroContainer, type ContainerLimits } from './container.js';
import { AvroFileError } from './errors.js';
import { ManifestStore, needsSync, type ManifestEntry } from './manifest.js';
import { SyncEta, type SyncMetrics } from './metrics.js';

export interface SyncOptions {
  s3: S3Client;
  s3Bucket: string;
  s3Prefix: string;
  pageSize: number;
  landing: Bucket;
  landingPrefix: string;
  quarantinePrefix: string;
  bigquery: BigQuery;
  dataset: string;
  table: string;
  expectedSchema: Record<string, unknown>;
  concurrency: number;
  logger: Logger;
  lineage?: LineageEmitter;
  metrics?: SyncMetrics;
  /** per-block limits while reading a file */
  limits?: ContainerLimits;
  /** attempts per file (and for the manifest) within one run, for transient storage and BigQuery errors */
  attempts?: number;
  /** first retry delay; doubles per attempt */
  retryDelayMs?: number;
  /** also reload files delivered (last modified) in [from, to), whatever the manifest says */
  backfill?: { from: Date; to: Date };
}

export interface SyncReport {
  listed: number;
  skipped: number;
  loaded: { key: string; rows: number; jobId: string }[];
  quarantined: { key: string; reason: string }[];
  failed: { key: string; error: string }[];
}

/** Columns the sync adds to every row, so a changed file replaces its own earlier rows. */
const PROVENANCE: TableField[] = [
  { name: '_source_object', type: 'STRING', mode: 'REQUIRED' },
  { name: '_source_etag', type: 'STRING', mode: 'REQUIRED' },
  { name: '_loaded_at', type: 'TIMESTAMP', mode: 'REQUIRED' },
];

/**
 * One run: list the supplier's prefix, and for every object that is new or
 * changed since the manifest says, copy it to GCS by streaming (verified),
 * validate it as Avro against the expected schema, and either load it into
 * BigQuery or quarantine it with a report. One bad file never stops the rest.
 */
export async function syncOnce(options: SyncOptions): Promise<SyncReport> {
  const { logger } = options;
  const manifestStore = new ManifestStore(options.landing, `${options.landingPrefix}_manifest/manifest.json`);
  const manifest = await withRetries(() => manifestStore.load(), 'load the manifest', options);
  const report: SyncReport = { listed: 0, skipped: 0, loaded: [], quarantined: [], failed: [] };
  const candidates = await withRetries(async () => {
    const found: { key: string; etag: string; size: number }[] = [];
    report.listed = 0;
    report.skipped = 0;
    for await (const page of paginateListObjectsV2({ client: options.s3, pageSize: options.pageSize }, { Bucket: options.s3Bucket, Prefix: options.s3Prefix })) {
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith('/')) continue;
        report.listed += 1;
        const etag = (object.ETag ?? '').replace(/"/g, '');
        if (needsSync(manifest, object.Key, etag, object.Size ?? 0) || inBackfill(object.LastModified, options.backfill)) found.push({ key: object.Key, etag, size: object.Size ?? 0 });
        else report.skipped += 1;
      }
    }
    return found;
  }, 'list the supplier prefix', options);
  logger.info({ listed: report.listed, toSync: candidates.length }, 'listed supplier files');
  options.metrics?.files.inc({ outcome: 'unchanged' }, report.skipped);
  options.metrics?.remaining.set(candidates.length);
  await withRetries(() => ensureTable(options), 'create the table', options);

  const limit = pLimit(options.concurrency);
  let done = 0;
  const eta = new SyncEta(candidates.reduce((sum, c) => sum + c.size, 0));
  await Promise.all(
    candidates.map((candidate) =>
      limit(async () => {
        try {
          const entry = await withRetries(() => syncObject(candidate, options), `sync ${candidate.key}`, options);
          manifest.files[candidate.key] = entry;
          if (entry.status === 'loaded') report.loaded.push({ key: candidate.key, rows: entry.rows ?? 0, jobId: entry.loadJobId ?? '' });
          else report.quarantined.push({ key: candidate.key, reason: entry.reason ?? '' });
          options.metrics?.files.inc({ outcome: entry.status });
          options.metrics?.records.inc(entry.rows ?? 0);
        } catch (error) {
          report.failed.push({ key: candidate.key, error: (error as Error).message });
          options.metrics?.files.inc({ outcome: 'failed' });
          logger.error({ err: error, key: candidate.key }, 'file failed; it will be retried next run');
        }
        done += 1;
        options.metrics?.remaining.set(candidates.length - done);
        const etaSeconds = eta.add(candidate.size);
        if (etaSeconds !== undefined) options.metrics?.eta.set(etaSeconds);
        logger.info({ progress: `${done}/${candidates.length}`, key: candidate.key, etaSeconds }, 'file done');
      }),
    ),
  );
  await withRetries(() => manifestStore.save(manifest), 'save the manifest', options);
  return report;
}

/**
 * Transient failures (a Cloud Storage or S3 error, a BigQuery job that failed
 * to start) are retried within the run with a doubling delay; every step of a
 * file is idempotent (the copy overwrites, the load job id is derived from the
 * object), so a retry never loads twice.
 */
function withRetries<T>(work: () => Promise<T>, what: string, options: SyncOptions): Promise<T> {
  return pRetry(work, {
    retries: (options.attempts ?? 4) - 1,
    minTimeout: options.retryDelayMs ?? 1000,
    factor: 2,
    onFailedAttempt: (error) => {
      if (error.retriesLeft > 0) options.logger.warn({ err: error, attempt: error.attemptNumber, retriesLeft: error.retriesLeft }, `could not ${what}; retrying`);
    },
  });
}

/**
 * Codecs loaded as they are; files in the others are loaded from a deflate copy.
 * BigQuery loads neither bzip2 nor xz. zstandard is copied too: BigQuery documents
 * it, but the local emulator's reader cannot load it, and one path everywhere is
 * worth a deflate pass over the rare zstandard file.
 */
const BIGQUERY_CODECS = new Set(['null', 'deflate', 'snappy']);
const deflateRaw = promisify(zlib.deflateRaw);
const LONG = avro.Type.forSchema('long');
const META = avro.Type.forSchema({ type: 'map', values: 'bytes' });

async function syncObject(object: { key: string; etag: string; size: number }, options: SyncOptions): Promise<ManifestEntry> {
  const { logger } = options;
  const run = await options.lineage?.startRun('s3-avro-sync.file', [{ namespace: `s3://${options.s3Bucket}`, name: object.key }]);
  const landingName = `${options.landingPrefix}${options.s3Bucket}/${object.key}`;
  try {
    const copied = await copyVerified(object, landingName, options);
    options.metrics?.bytes.inc(copied.bytes);
    const file = options.landing.file(landingName);
    let scan;
    let check: ReturnType<typeof checkSchema> | undefined;
    const transcoded = `${landingName}.deflate.avro`;
    let copy: { out: PassThrough; upload: Promise<void>; sync: Buffer } | undefined;
    try {
      scan = await readAvroContainer(file.createReadStream(), {
        limits: options.limits ?? DEFAULT_CONTAINER_LIMITS,
        onHeader: async (header) => {
          check = checkSchema(header.schema, options.expectedSchema);
          if (!check.compatible) throw new AvroFileError('incompatible_schema', check.problems.join('; ').slice(0, 2000), { problems: check.problems, writerSchema: header.schema });
          if (BIGQUERY_CODECS.has(header.codec)) return;
          // Same schema, metadata and sync marker, deflate blocks.
          const out = new PassThrough();
          copy = { out, sync: header.sync, upload: pipeline(out, options.landing.file(transcoded).createWriteStream({ resumable: false, contentType: 'application/avro' })) };
          copy.upload.catch(() => undefined);
          const meta = { ...header.meta, 'avro.codec': Buffer.from('deflate') };
          out.write(Buffer.concat([Buffer.from('Obj\x01', 'latin1'), META.toBuffer(meta), header.sync]));
        },
        onBlock: async ({ count, data }) => {
          if (!copy) return;
          const block = await deflateRaw(data);
          if (!copy.out.write(Buffer.concat([LONG.toBuffer(count), LONG.toBuffer(block.length), block, copy.sync]))) await once(copy.out, 'drain');
        },
      });
      if (copy) {
        copy.out.end();
        await copy.upload;
      }
    } catch (error) {
      copy?.out.destroy();
      if (copy) await options.landing.file(transcoded).delete({ ignoreNotFound: true }).catch(() => undefined);
      if (error instanceof AvroFileError) return await quarantine(object, landingName, error.reason, { detail: error.detail, ...error.report }, options, run);
      throw error;
    }
    if (check!.addedFields.length) await addColumns(avroToBigQuery(check!.addedFields) as TableField[], options);
    const loadName = copy ? transcoded : landingName;
    const codec = scan.header.codec;

    // A backfill loads again under its own job ids (the same backfill rerun does not).
    const backfillSalt = options.backfill ? `#backfill:${options.backfill.from.toISOString()}/${options.backfill.to.toISOString()}` : '';
    const jobId = `s3sync_${createHash('sha256').update(`${options.s3Bucket}/${object.key}@${object.etag}:${options.dataset}.${options.table}${backfillSalt}`).digest('hex').slice(0, 40)}`;
    await loadFile(loadName, object, jobId, scan.records, scan.header.schema as Record<string, unknown>, options);
    logger.info({ key: object.key, rows: scan.records, codec, bytes: copied.bytes, jobId }, 'loaded');
    await run?.complete([
      { namespace: `gs://${options.landing.name}`, name: landingName, rowCount: scan.records, bytes: copied.bytes },
      { namespace: 'bigquery', name: `${options.bigquery.projectId}.${options.dataset}.${options.table}`, rowCount: scan.records },
    ], [{ assertion: 'avro_schema_compatible', success: true }, { assertion: 'copy_md5_and_size_match', success: true }]);
    return { etag: object.etag, size: object.size, status: 'loaded', gcsObject: landingName, rows: scan.records, loadJobId: jobId, syncedAt: new Date().toISOString() };
  } catch (error) {
    await run?.fail(error as Error);
    throw error;
  }
}

/** Streams S3 → GCS with no copy in memory or on disk, hashing on the way; then checks size and MD5 on both sides. */
export async function copyVerified(object: { key: string; etag: string; size: number }, landingName: string, options: SyncOptions) {
  const response = await options.s3.send(new GetObjectCommand({ Bucket: options.s3Bucket, Key: object.key, IfMatch: `"${object.etag}"` }));
  const md5 = createHash('md5');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const file = options.landing.file(landingName);
  await pipeline(response.Body as Readable, meter, file.createWriteStream({ resumable: object.size > 8 * 1024 * 1024, validation: 'md5', metadata: { metadata: { s3Key: object.key, s3Etag: object.etag } } }));
  const digest = md5.digest();
  const [metadata] = await file.getMetadata();
  const problems: string[] = [];
  if (bytes !== object.size || Number(metadata.size) !== object.size) problems.push(`size: S3 ${object.size}, read ${bytes}, GCS ${metadata.size}`);
  if (metadata.md5Hash && metadata.md5Hash !== digest.toString('base64')) problems.push('GCS MD5 differs from the bytes read');
  // A single-part S3 ETag is the MD5 of the object; a multipart one (with "-N") is not, so it is checked on the GCS side only.
  if (!object.etag.includes('-') && object.etag !== digest.toString('hex')) problems.push('S3 ETag differs from the MD5 of the bytes read');
  if (problems.length) throw new Error(`copy of ${object.key} not verified: ${problems.join('; ')}`);
  return { bytes };
}

async function quarantine(object: { key: string; etag: string; size: number }, landingName: string, reason: string, details: Record<string, unknown>, options: SyncOptions, run?: Awaited<ReturnType<LineageEmitter['startRun']>>): Promise<ManifestEntry> {
  const quarantineName = `${options.quarantinePrefix}${options.s3Bucket}/${object.key}`;
  await options.landing.file(landingName).move(quarantineName);
  const report = { s3Bucket: options.s3Bucket, key: object.key, etag: object.etag, size: object.size, reason, ...details, quarantinedAt: new Date().toISOString() };
  await options.landing.file(`${quarantineName}.report.json`).save(JSON.stringify(report, null, 2), { resumable: false, contentType: 'application/json' });
  options.logger.warn({ key: object.key, reason, ...details }, 'file quarantined');
  await run?.complete([{ namespace: `gs://${options.landing.name}`, name: quarantineName, rowCount: 0 }], [{ assertion: reason, success: false }]);
  return { etag: object.etag, size: object.size, status: 'quarantined', gcsObject: quarantineName, reason, syncedAt: new Date().toISOString() };
}

async function ensureTable(options: SyncOptions): Promise<void> {
  const table = options.bigquery.dataset(options.dataset).table(options.table);
  const [exists] = await table.exists();
  if (exists) return;
  const fields = [...(avroToBigQuery((options.expectedSchema.fields as never[]) ?? []) as TableField[]), ...PROVENANCE];
  await options.bigquery.dataset(options.dataset).createTable(options.table, { schema: { fields }, description: "rock-quality supplier's analyses, from its Avro files" });
}

async function addColumns(fields: TableField[], options: SyncOptions): Promise<void> {
  const table = options.bigquery.dataset(options.dataset).table(options.table);
  const [metadata] = await table.getMetadata();
  const current = (metadata.schema?.fields ?? []) as TableField[];
  const missing = fields.filter((f) => !current.some((c) => c.name === f.name));
  if (missing.length === 0) return;
  // DDL rather than a schema patch: the emulator applies a patch to the metadata only, not to the stored table.
  for (const field of missing) {
    await options.bigquery.query({ query: `ALTER TABLE \`${options.bigquery.projectId}.${options.dataset}.${options.table}\` ADD COLUMN IF NOT EXISTS \`${field.name}\` ${field.type}` });
  }
  options.logger.info({ added: missing.map((f) => f.name) }, 'compatible schema evolution applied to the table');
}

/**
 * Loads one file: into a staging table by a load job whose id is derived from
 * the object's identity (a rerun finds the job done and does not load again),
 * then replaces the rows this S3 key had before with the staged ones, and
 * checks that exactly the file's records arrived. Logical types load as such
 * (timestamp-millis as TIMESTAMP, date as DATE).
 */
async function loadFile(landingName: string, object: { key: string; etag: string }, jobId: string, records: number, writerSchema: Record<string, unknown>, options: SyncOptions): Promise<void> {
  const { bigquery, dataset, table } = options;
  const fields = (writerSchema.fields ?? []) as { name: string; type: unknown }[];
  const staging = `_staging_${jobId.slice(7, 27)}`;
  const stagingTable = bigquery.dataset(dataset).table(staging);
  const existing = await bigquery.job(jobId).getMetadata().then(([m]) => m as { status?: { state?: string; errorResult?: unknown } }, () => undefined);
  const loadedBefore = existing?.status?.state === 'DONE' && !existing.status.errorResult;
  // Loaded and already moved out of staging by an earlier run that stopped before recording it: nothing left to do.
  if (loadedBefore && !(await stagingTable.exists())[0]) return;
  if (!loadedBefore) {
    await stagingTable.delete().catch(() => undefined);
    await bigquery.dataset(dataset).createTable(staging, { schema: { fields: avroToBigQuery(fields) as TableField[] } });
    const [job] = await bigquery.createJob({
      jobId,
      configuration: {
        load: {
          sourceUris: [`gs://${options.landing.name}/${landingName}`],
          sourceFormat: 'AVRO',
          useAvroLogicalTypes: true,
          writeDisposition: 'WRITE_TRUNCATE',
          destinationTable: { projectId: bigquery.projectId, datasetId: dataset, tableId: staging },
        },
      },
    });
    await job.promise();
  }
  const columns = fields.map((f) => `\`${f.name}\``);
  const target = `\`${bigquery.projectId}.${dataset}.${table}\``;
  const [[{ staged }]] = await bigquery.query({ query: `SELECT COUNT(*) AS staged FROM \`${bigquery.projectId}.${dataset}.${staging}\`` });
  if (Number(staged) !== records) throw new Error(`load of ${object.key} not verified: ${records} records in the file, ${staged} staged`);
  await bigquery.query({ query: `DELETE FROM ${target} WHERE _source_object = @key`, params: { key: object.key } });
  const insertSql = {
    query: `INSERT INTO ${target} (${columns.join(', ')}, _source_object, _source_etag, _loaded_at)
            SELECT ${columns.join(', ')}, @key, @etag, CURRENT_TIMESTAMP() FROM \`${bigquery.projectId}.${dataset}.${staging}\``,
    params: { key: object.key, etag: object.etag },
  };
  await bigquery.query(insertSql);
  const [[{ n }]] = await bigquery.query({ query: `SELECT COUNT(*) AS n FROM ${target} WHERE _source_object = @key AND _source_etag = @etag`, params: { key: object.key, etag: object.etag } });
  // The emulator can finish an INSERT whose values don't fit without an error and without rows; count, always.
  if (Number(n) !== records) throw new Error(`load of ${object.key} not verified: ${records} records in the file, ${n} rows in ${dataset}.${table}`);
  await stagingTable.delete().catch(() => undefined);
}

function inBackfill(lastModified: Date | undefined, backfill: SyncOptions['backfill']): boolean {
  return !!backfill && !!lastModified && lastModified >= backfill.from && lastModified < backfill.to;
}
