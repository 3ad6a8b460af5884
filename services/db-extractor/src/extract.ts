import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Bucket } from '@google-cloud/storage';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import type { LineageEmitter, Logger } from '@mine/platform';
import type { SourcePlan, TablePlan } from './plan.js';
import type { SourceReader } from './sources/source.js';
import { drift, type TargetColumn } from './types.js';

/** Durable per-table state: advanced only after the MERGE (or swap) has committed. */
export interface TableState {
  watermark?: unknown[];
  lastRunId?: string;
  lastRunAt?: string;
  lastRows?: number;
  /** a run that has not finished: a rerun resumes it */
  inProgress?: { runId: string; chunks: number; rows: number; lastKey?: unknown[]; maxCursor?: unknown[] };
}

export interface ExtractContext {
  bigquery: BigQuery;
  staging: Bucket;
  logger: Logger;
  lineage?: LineageEmitter;
  /** for progress: rows/s, ETA */
  onProgress?: (table: string, rows: number) => void;
  /** stops after this many chunks (tests use it to kill a run midway) */
  stopAfterChunks?: number;
  /** backfill: ignore the watermark, optionally between two cursor values */
  backfill?: { from?: unknown; to?: unknown };
  now?: () => Date;
}

export interface TableResult {
  table: string;
  target: string;
  rows: number;
  chunks: number;
  mode: TablePlan['mode'];
  status: 'done' | 'stopped';
}

const stateName = (source: SourcePlan, table: TablePlan) => `staging/db-extractor/_state/${source.name}.${table.target}.json`;

async function readState(bucket: Bucket, name: string): Promise<TableState> {
  const file = bucket.file(name);
  const [exists] = await file.exists();
  return exists ? (JSON.parse((await file.download())[0].toString()) as TableState) : {};
}

async function writeState(bucket: Bucket, name: string, state: TableState): Promise<void> {
  await bucket.file(name).save(JSON.stringify(state), { resumable: false, contentType: 'application/json' });
}

/**
 * Copies one declared table: reads chunks by keyset, stages each as gzipped
 * NDJSON on GCS, loads it into a staging table with a job id derived from the
 * run and chunk (a resumed run never loads a chunk twice), then replaces the
 * target (full) or MERGEs by primary key (incremental). State records every
 * loaded chunk, so a killed run resumes where it stopped.
 */
export async function extractTable(source: SourcePlan, table: TablePlan, reader: SourceReader, ctx: ExtractContext): Promise<TableResult> {
  const { bigquery, staging, logger } = ctx;
  const now = ctx.now ?? (() => new Date());
  const label = `${source.name}.${table.table}`;
  const name = stateName(source, table);
  const state = await readState(staging, name);
  const sourceColumns = await reader.describe(table.table);
  const columns = sourceColumns.map((c) => reader.mapColumn(c));
  const targetColumns: TargetColumn[] = [...columns, { name: '_extracted_at', type: 'TIMESTAMP', mode: 'NULLABLE' }];
  await ensureTarget(source, table, targetColumns, ctx);

  // Unique per run (not just per second): chunk load job ids are derived from it.
  const run = state.inProgress ?? { runId: `${now().toISOString().replace(/[^0-9]/g, '').slice(0, 17)}${randomBytes(3).toString('hex')}`, chunks: 0, rows: 0 };
  if (state.inProgress) logger.info({ table: label, runId: run.runId, chunks: run.chunks }, 'resuming an unfinished run');
  const stagingTable = `_stg_${table.target}_${run.runId}`;
  const lineageRun = await ctx.lineage?.startRun(`db-extractor.${source.name}.${table.target}`, [{ namespace: `${source.kind}://${source.name}`, name: table.table }]);
  try {
    if (!(await bigquery.dataset(source.dataset).table(stagingTable).exists())[0]) {
      // BYTES are staged as their base64 text and decoded in SQL: loaders differ on decoding base64 in JSON.
      const stagingColumns = targetColumns.map((c) => (c.type === 'BYTES' ? { ...c, type: 'STRING' } : c));
      await bigquery.dataset(source.dataset).createTable(stagingTable, { schema: { fields: stagingColumns.map(asField) } });
    }
    const order = [...(table.mode === 'incremental' ? table.cursor! : []), ...table.primaryKey.filter((k) => !(table.cursor ?? []).includes(k) || table.mode === 'full')];
    const from = table.mode === 'incremental' && !ctx.backfill ? lookBack(state.watermark, table.lookbackSeconds) : ctx.backfill?.from !== undefined ? [ctx.backfill.from] : undefined;
    const started = Date.now();
    let lastKey = run.lastKey;
    let maxCursor = run.maxCursor ?? state.watermark;
    for (;;) {
      if (ctx.stopAfterChunks !== undefined && run.chunks >= ctx.stopAfterChunks) {
        await writeState(staging, name, { ...state, inProgress: run });
        return { table: table.table, target: table.target, rows: run.rows, chunks: run.chunks, mode: table.mode, status: 'stopped' };
      }
      const extractedAt = now().toISOString();
      const { lines, last } = await reader.readChunk({
        table: table.table,
        columns: sourceColumns.map((c) => c.name),
        order,
        ...(table.cursor ? { cursor: table.cursor } : {}),
        ...(lastKey ? { after: lastKey } : {}),
        ...(from ? { from } : {}),
        ...(ctx.backfill?.to !== undefined ? { before: ctx.backfill.to } : {}),
        limit: table.chunkSize,
        ...(source.sapClient ? { sapClient: source.sapClient } : {}),
      }, extractedAt);
      if (lines.length === 0 || !last) break;
      const chunk = run.chunks + 1;
      const object = `staging/db-extractor/${source.name}/${table.target}/${run.runId}/chunk-${String(chunk).padStart(5, '0')}.json.gz`;
      // gzip level 1: most of the saving for a fraction of the CPU of the default level.
      const body = gzipSync(lines.join('\n'), { level: 1 });
      await staging.file(object).save(body, { resumable: false, contentType: 'application/x-ndjson', metadata: { contentEncoding: undefined } });
      await loadChunk(bigquery, `dbx_${source.name}_${table.target}_${run.runId}_${chunk}`.replace(/[^A-Za-z0-9_-]/g, '_'), `gs://${staging.name}/${object}`, source.dataset, stagingTable);
      lastKey = order.map((c) => last[c]);
      if (table.cursor) {
        const cursorNow = table.cursor.map((c) => last[c]);
        if (!maxCursor || compare(cursorNow, maxCursor) > 0) maxCursor = cursorNow;
      }
      Object.assign(run, { chunks: chunk, rows: run.rows + lines.length, lastKey, ...(maxCursor ? { maxCursor } : {}) });
      await writeState(staging, name, { ...state, inProgress: run });
      const rate = run.rows / Math.max(0.001, (Date.now() - started) / 1000);
      logger.info({ table: label, chunk, rows: run.rows, rowsPerSecond: Math.round(rate) }, 'chunk loaded');
      ctx.onProgress?.(label, lines.length);
      if (lines.length < table.chunkSize) break;
    }

    await publish(source, table, targetColumns, stagingTable, ctx);
    await writeState(staging, name, {
      ...(maxCursor ? { watermark: maxCursor } : state.watermark ? { watermark: state.watermark } : {}),
      lastRunId: run.runId,
      lastRunAt: now().toISOString(),
      lastRows: run.rows,
    });
    await bigquery.dataset(source.dataset).table(stagingTable).delete().catch(() => undefined);
    await lineageRun?.complete([{ namespace: 'bigquery', name: `${bigquery.projectId}.${source.dataset}.${table.target}`, rowCount: run.rows }]);
    return { table: table.table, target: table.target, rows: run.rows, chunks: run.chunks, mode: table.mode, status: 'done' };
  } catch (error) {
    await lineageRun?.fail(error as Error);
    throw error;
  }
}

function lookBack(watermark: unknown[] | undefined, seconds: number): unknown[] | undefined {
  if (!watermark) return undefined;
  const [first, ...rest] = watermark;
  const time = first instanceof Date ? first.getTime() : typeof first === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(first) ? Date.parse(first) : undefined;
  // Only a time cursor can be moved back by seconds (then on its first column alone); others are used as they are.
  if (time === undefined || Number.isNaN(time) || rest.length > 0) return watermark;
  return [new Date(time - seconds * 1000).toISOString()];
}

function compare(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] instanceof Date ? (a[i] as Date).toISOString() : String(a[i]);
    const y = b[i] instanceof Date ? (b[i] as Date).toISOString() : String(b[i]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const asField = (c: TargetColumn): TableField => ({ name: c.name, type: c.type, mode: c.mode });

async function ensureTarget(source: SourcePlan, table: TablePlan, columns: TargetColumn[], ctx: ExtractContext): Promise<void> {
  const target = ctx.bigquery.dataset(source.dataset).table(table.target);
  const [exists] = await target.exists();
  if (!exists) {
    await ctx.bigquery.dataset(source.dataset).createTable(table.target, {
      schema: { fields: columns.map(asField) },
      ...(table.partitionBy ? { timePartitioning: { type: 'DAY', field: table.partitionBy } } : {}),
      ...(table.clusterBy ? { clustering: { fields: table.clusterBy } } : {}),
    });
    return;
  }
  const [metadata] = await target.getMetadata();
  const { add, problems } = drift((metadata.schema?.fields ?? []) as TargetColumn[], columns);
  if (problems.length) throw new Error(`schema drift in ${source.name}.${table.table}: ${problems.join('; ')}`);
  for (const column of add) {
    await ctx.bigquery.query({ query: `ALTER TABLE \`${ctx.bigquery.projectId}.${source.dataset}.${table.target}\` ADD COLUMN IF NOT EXISTS \`${column.name}\` ${column.mode === 'REPEATED' ? `ARRAY<${column.type}>` : column.type}` });
    ctx.logger.info({ table: table.target, column: column.name, type: column.type }, 'new source column added');
  }
}

async function loadChunk(bigquery: BigQuery, jobId: string, uri: string, dataset: string, table: string): Promise<void> {
  const existing = await bigquery.job(jobId).getMetadata().then(([m]) => m as { status?: { state?: string; errorResult?: unknown } }, () => undefined);
  if (existing?.status?.state === 'DONE' && !existing.status.errorResult) return;
  const [job] = await bigquery.createJob({
    jobId,
    configuration: { load: { sourceUris: [uri], sourceFormat: 'NEWLINE_DELIMITED_JSON', writeDisposition: 'WRITE_APPEND', destinationTable: { projectId: bigquery.projectId, datasetId: dataset, tableId: table } } },
  });
  await job.promise();
}

/** Full: the target becomes exactly the staged rows. Incremental: MERGE by primary key, newest staged row wins. */
async function publish(source: SourcePlan, table: TablePlan, columns: TargetColumn[], stagingTable: string, ctx: ExtractContext): Promise<void> {
  const { bigquery } = ctx;
  const target = `\`${bigquery.projectId}.${source.dataset}.${table.target}\``;
  const staged = `\`${bigquery.projectId}.${source.dataset}.${stagingTable}\``;
  const names = columns.map((c) => `\`${c.name}\``);
  const value = (c: TargetColumn, from = '') => (c.type === 'BYTES' ? `FROM_BASE64(${from}\`${c.name}\`)` : `${from}\`${c.name}\``);
  if (table.mode === 'full') {
    // One transaction, so readers see the old rows or the new ones, never a mix.
    await bigquery.query({ query: `BEGIN TRANSACTION; DELETE FROM ${target} WHERE TRUE; INSERT INTO ${target} (${names.join(', ')}) SELECT ${columns.map((c) => value(c)).join(', ')} FROM ${staged}; COMMIT TRANSACTION;` });
    return;
  }
  const key = table.primaryKey.map((k) => `\`${k}\``);
  const latest = `SELECT * EXCEPT (_rank) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY ${key.join(', ')} ORDER BY ${(table.cursor ?? []).map((c) => `\`${c}\` DESC`).concat(['_extracted_at DESC']).join(', ')}) AS _rank FROM ${staged}) WHERE _rank = 1`;
  await bigquery.query({
    query: `MERGE ${target} AS t USING (${latest}) AS s ON ${key.map((k) => `t.${k} = s.${k}`).join(' AND ')}
      WHEN MATCHED THEN UPDATE SET ${columns.filter((c) => !key.includes(`\`${c.name}\``)).map((c) => `\`${c.name}\` = ${value(c, 's.')}`).join(', ')}
      WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${columns.map((c) => value(c, 's.')).join(', ')})`,
  });
}
