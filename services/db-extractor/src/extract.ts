import { randomBytes } from 'node:crypto';
import type { Bucket } from '@google-cloud/storage';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import type { RunCompleted } from '@mine/contracts';
import type { LineageEmitter, Logger } from '@mine/platform';
import { compressChunk, keysetChunks } from './chunks.js';
import type { SourcePlan, TablePlan } from './plan.js';
import { TableProgress, type ExtractorMetrics } from './progress.js';
import type { SourceReader, StagingFormat } from './sources/source.js';
import { drift, type TargetColumn } from './types.js';
import { checkColumnNames, type ChunkRequest } from './sql.js';

/** Durable per-table state: advanced only after the MERGE (or swap) has committed. */
export interface TableState {
  watermark?: unknown[];
  lastRunId?: string;
  lastRunAt?: string;
  lastRows?: number;
  /** a run that has not finished: a rerun resumes it */
  inProgress?: { runId: string; chunks: number; rows: number; lastKey?: unknown[]; maxCursor?: unknown[]; phase?: 'null-cursor' };
}

export interface ExtractContext {
  bigquery: BigQuery;
  staging: Bucket;
  logger: Logger;
  lineage?: LineageEmitter;
  metrics?: ExtractorMetrics;
  /** stops after this many chunks (tests use it to kill a run midway) */
  stopAfterChunks?: number;
  /** backfill: ignore the watermark, optionally between two cursor values */
  backfill?: { from?: unknown; to?: unknown };
  /** tells downstream stages (the quality gate) that the table changed; a failure fails the table */
  announce?: (message: RunCompleted) => Promise<void>;
  now?: () => Date;
}

export interface TableResult {
  table: string;
  target: string;
  rows: number;
  chunks: number;
  mode: TablePlan['mode'];
  status: 'done' | 'stopped';
  /** rows in the source table before and after the run (the SAP client's only) */
  sourceRows?: { min: number; max: number };
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
  // Names from the source's catalogue go into SQL on both sides: checked once, before any of it is written.
  checkColumnNames(table.table, sourceColumns.map((c) => c.name), reader.kind);
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
      const stagingColumns = targetColumns.map(stagingColumn);
      await bigquery.dataset(source.dataset).createTable(stagingTable, { schema: { fields: stagingColumns.map(asField) } });
    }
    // Keyset order: the cursor (incremental), then the key columns it does not already hold.
    const leading = table.mode === 'incremental' ? table.cursor! : [];
    const order = [...leading, ...table.primaryKey.filter((k) => !leading.includes(k))];
    const from = table.mode === 'incremental' && !ctx.backfill ? lookBack(state.watermark, table.lookbackSeconds) : ctx.backfill?.from !== undefined ? [ctx.backfill.from] : undefined;
    let maxCursor = run.maxCursor ?? state.watermark;
    const request = {
      table: table.table,
      columns: sourceColumns.map((c) => c.name),
      order,
      ...(table.cursor ? { cursor: table.cursor } : {}),
      ...(run.lastKey ? { after: run.lastKey } : {}),
      ...(from ? { from } : {}),
      ...(ctx.backfill?.to !== undefined ? { before: ctx.backfill.to } : {}),
      limit: table.chunkSize,
      ...(source.sapClient ? { sapClient: source.sapClient } : {}),
    };
    // Counted before reading and after publishing: the copy must hold between the two (rows may arrive meanwhile).
    const sourceRowsBefore = await reader.countRows(table.table, source.sapClient);
    const progress = new TableProgress(await reader.estimateRows(request), Date.now());
    /** Stages and loads every chunk of one keyset pass; false when stopped midway (tests). */
    const pass = async (chunkRequest: ChunkRequest): Promise<boolean> => {
      for await (const chunk of keysetChunks(reader, chunkRequest, () => now().toISOString())) {
        if (ctx.stopAfterChunks !== undefined && run.chunks >= ctx.stopAfterChunks) return false;
        const number = run.chunks + 1;
        const file = STAGED_FILE[reader.format];
        const object = `staging/db-extractor/${source.name}/${table.target}/${run.runId}/chunk-${String(number).padStart(5, '0')}.${file.extension}.gz`;
        await staging.file(object).save(await compressChunk(chunk.data), { resumable: false, contentType: file.contentType });
        await loadChunk(bigquery, `dbx_${source.name}_${table.target}_${run.runId}_${number}`.replace(/[^A-Za-z0-9_-]/g, '_'), `gs://${staging.name}/${object}`, reader.format, source.dataset, stagingTable);
        if (table.cursor && run.phase !== 'null-cursor') {
          const cursorNow = table.cursor.map((c) => chunk.last![c]);
          if (cursorNow[0] != null && (!maxCursor || compare(cursorNow, maxCursor) > 0)) maxCursor = cursorNow;
        }
        Object.assign(run, { chunks: number, rows: run.rows + chunk.rows, lastKey: chunk.key, ...(maxCursor ? { maxCursor } : {}) });
        await writeState(staging, name, { ...state, inProgress: run });
        const report = progress.add(chunk.rows, Date.now());
        logger.info({ table: label, chunk: number, ...report, rows: run.rows }, 'chunk loaded');
        ctx.metrics?.rows.inc({ table: label }, chunk.rows);
        ctx.metrics?.chunks.inc({ table: label });
        ctx.metrics?.rate.set({ table: label }, report.rowsPerSecond);
        if (report.etaSeconds !== undefined) ctx.metrics?.eta.set({ table: label }, report.etaSeconds);
      }
      return true;
    };
    const stopped = async (): Promise<TableResult> => {
      await writeState(staging, name, { ...state, inProgress: run });
      ctx.metrics?.tables.inc({ outcome: 'stopped' });
      return { table: table.table, target: table.target, rows: run.rows, chunks: run.chunks, mode: table.mode, status: 'stopped' };
    };
    if (run.phase !== 'null-cursor' && !(await pass(request))) return await stopped();
    // Rows whose cursor is NULL never satisfy "cursor >= watermark": an incremental run reads them all
    // again by primary key (the MERGE makes that idempotent), so such a row is never left behind.
    if (table.mode === 'incremental' && !ctx.backfill) {
      if (run.phase !== 'null-cursor') Object.assign(run, { phase: 'null-cursor', lastKey: undefined });
      const { from: _from, after: _after, ...rest } = request;
      if (!(await pass({ ...rest, order: table.primaryKey, nullCursor: true, ...(run.lastKey ? { after: run.lastKey } : {}) }))) return await stopped();
    }

    await publish(source, table, targetColumns, stagingTable, ctx);
    await writeState(staging, name, {
      ...(maxCursor ? { watermark: maxCursor } : state.watermark ? { watermark: state.watermark } : {}),
      lastRunId: run.runId,
      lastRunAt: now().toISOString(),
      lastRows: run.rows,
    });
    await bigquery.dataset(source.dataset).table(stagingTable).delete().catch(() => undefined);
    const sourceRows = { min: sourceRowsBefore, max: Math.max(sourceRowsBefore, await reader.countRows(table.table, source.sapClient)) };
    await lineageRun?.complete([{ namespace: 'bigquery', name: `${bigquery.projectId}.${source.dataset}.${table.target}`, rowCount: run.rows }]);
    await ctx.announce?.({
      runId: lineageRun?.runId ?? run.runId,
      job: `db-extractor.${source.name}.${table.target}`,
      status: 'COMPLETE',
      completedAt: now().toISOString(),
      outputs: [{ table: `${source.dataset}.${table.target}`, rowsWritten: run.rows, expectedRows: sourceRows }],
    });
    ctx.metrics?.tables.inc({ outcome: 'done' });
    ctx.metrics?.eta.set({ table: label }, 0);
    return { table: table.table, target: table.target, rows: run.rows, chunks: run.chunks, mode: table.mode, status: 'done', sourceRows };
  } catch (error) {
    await lineageRun?.fail(error as Error);
    ctx.metrics?.tables.inc({ outcome: 'failed' });
    throw error;
  }
}

const NAIVE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/;

/**
 * The watermark moved back by the look-back. A `timestamptz` cursor is an
 * instant (ISO with a zone); a `timestamp` cursor has no zone and is moved
 * back as wall-clock time, and stays without a zone (the source compares it
 * as it stores it).
 */
export function lookBack(watermark: unknown[] | undefined, seconds: number): unknown[] | undefined {
  if (!watermark) return undefined;
  const [first, ...rest] = watermark;
  // Only a time cursor can be moved back by seconds (then on its first column alone); others are used as they are.
  if (rest.length > 0) return watermark;
  const naive = typeof first === 'string' && NAIVE_TIMESTAMP.test(first);
  const time = first instanceof Date ? first.getTime() : typeof first === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(first) ? Date.parse(naive ? `${first}Z` : first) : NaN;
  const movedTime = time - seconds * 1000;
  // Not a time, or one at the edge of what a Date holds (found by fuzzing): used as it is.
  if (Number.isNaN(movedTime) || Math.abs(movedTime) > 8.64e15) return watermark;
  const moved = new Date(movedTime).toISOString();
  return [naive ? moved.slice(0, -1) : moved];
}

/** Orders keyset values: integers (as strings from CSV, or numbers) by value, everything else as ISO text. */
export function compare(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = comparable(a[i]);
    const y = comparable(b[i]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

function comparable(value: unknown): string | number | bigint {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  const text = String(value);
  if (INTEGER.test(text)) return BigInt(text);
  return DECIMAL.test(text) ? Number(text) : text;
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

const STAGED_FILE: Record<StagingFormat, { extension: string; contentType: string }> = {
  CSV: { extension: 'csv', contentType: 'text/csv' },
  NEWLINE_DELIMITED_JSON: { extension: 'json', contentType: 'application/x-ndjson' },
};

/**
 * BYTES are staged as base64 text and arrays as JSON text, both decoded in SQL:
 * CSV has no arrays, and loaders differ on decoding base64.
 */
const stagingColumn = (c: TargetColumn): TargetColumn =>
  c.mode === 'REPEATED' ? { name: c.name, type: 'STRING', mode: 'NULLABLE' } : c.type === 'BYTES' ? { ...c, type: 'STRING' } : c;

async function loadChunk(bigquery: BigQuery, jobId: string, uri: string, format: StagingFormat, dataset: string, table: string): Promise<void> {
  const existing = await bigquery.job(jobId).getMetadata().then(([m]) => m as { status?: { state?: string; errorResult?: unknown } }, () => undefined);
  if (existing?.status?.state === 'DONE' && !existing.status.errorResult) return;
  const [job] = await bigquery.createJob({
    jobId,
    configuration: { load: { sourceUris: [uri], sourceFormat: format, ...(format === 'CSV' ? { skipLeadingRows: 1 } : {}), writeDisposition: 'WRITE_APPEND', destinationTable: { projectId: bigquery.projectId, datasetId: dataset, tableId: table } } },
  });
  await job.promise();
}

/** Full: the target becomes exactly the staged rows. Incremental: MERGE by primary key, newest staged row wins. */
async function publish(source: SourcePlan, table: TablePlan, columns: TargetColumn[], stagingTable: string, ctx: ExtractContext): Promise<void> {
  const { bigquery } = ctx;
  const target = `\`${bigquery.projectId}.${source.dataset}.${table.target}\``;
  const staged = `\`${bigquery.projectId}.${source.dataset}.${stagingTable}\``;
  const names = columns.map((c) => `\`${c.name}\``);
  const value = (c: TargetColumn, from = '') => {
    const staged = `${from}\`${c.name}\``;
    if (c.mode === 'REPEATED') return `ARRAY(SELECT CAST(element AS ${c.type}) FROM UNNEST(JSON_VALUE_ARRAY(${staged})) AS element WITH OFFSET AS position ORDER BY position)`;
    if (c.stagedAsJson) return `JSON_VALUE(${staged}, '$')`;
    return c.type === 'BYTES' ? `FROM_BASE64(${staged})` : staged;
  };
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
