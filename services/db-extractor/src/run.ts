import type { Bucket } from '@google-cloud/storage';
import type { BigQuery } from '@google-cloud/bigquery';
import type { LineageEmitter, Logger } from '@mine/platform';
import { extractTable, type ExtractContext, type TableResult } from './extract.js';
import type { ExtractionPlan } from './plan.js';
import type { ExtractorMetrics } from './progress.js';
import { OracleReader } from './sources/oracle.js';
import { PostgresReader } from './sources/postgres.js';
import type { SourceReader } from './sources/source.js';

export interface RunOptions {
  plan: ExtractionPlan;
  /** resolves a source's connectionEnv to its connection string */
  connection: (variable: string) => string | undefined;
  bigquery: BigQuery;
  staging: Bucket;
  logger: Logger;
  lineage?: LineageEmitter;
  only?: string[];
  backfill?: ExtractContext['backfill'];
  stopAfterChunks?: number;
  metrics?: ExtractorMetrics;
  announce?: ExtractContext['announce'];
}

export interface RunReport {
  results: TableResult[];
  failed: { table: string; error: string }[];
}

/** Extracts every planned table; one table's failure is reported and the others go on. */
export async function runExtraction(options: RunOptions): Promise<RunReport> {
  const report: RunReport = { results: [], failed: [] };
  for (const source of options.plan.sources) {
    const connection = options.connection(source.connectionEnv);
    const tables = source.tables.filter((t) => !options.only || options.only.includes(t.target) || options.only.includes(t.table));
    if (tables.length === 0) continue;
    if (!connection) {
      for (const t of tables) report.failed.push({ table: `${source.name}.${t.table}`, error: `${source.connectionEnv} is not set` });
      continue;
    }
    const readerFor = (sap?: { dats?: string[]; tims?: string[]; numc?: string[] }): SourceReader =>
      source.kind === 'postgres' ? new PostgresReader(connection) : new OracleReader(connection, sap ?? {});
    for (const table of tables) {
      const reader = readerFor(table.sap);
      try {
        report.results.push(
          await extractTable(source, table, reader, {
            bigquery: options.bigquery,
            staging: options.staging,
            logger: options.logger,
            ...(options.lineage ? { lineage: options.lineage } : {}),
            ...(options.backfill ? { backfill: options.backfill } : {}),
            ...(options.metrics ? { metrics: options.metrics } : {}),
            ...(options.announce ? { announce: options.announce } : {}),
            ...(options.stopAfterChunks !== undefined ? { stopAfterChunks: options.stopAfterChunks } : {}),
          }),
        );
      } catch (error) {
        report.failed.push({ table: `${source.name}.${table.table}`, error: (error as Error).message });
        options.logger.error({ err: error, table: `${source.name}.${table.table}` }, 'table failed; the others go on');
      } finally {
        await reader.close();
      }
    }
  }
  return report;
}

/** The plan in words, for --dry-run. */
export function describePlan(plan: ExtractionPlan): string {
  return plan.sources
    .flatMap((source) =>
      source.tables.map(
        (t) =>
          `${source.kind}:${source.name} ${t.table} → ${source.dataset}.${t.target}  ${t.mode}${t.cursor ? ` by ${t.cursor.join(', ')} (look-back ${t.lookbackSeconds} s)` : ''}, key ${t.primaryKey.join(', ')}, chunks of ${t.chunkSize}${source.sapClient ? `, MANDT = ${source.sapClient}` : ''}`,
      ),
    )
    .join('\n');
}
