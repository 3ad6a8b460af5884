import type { BigQuery } from '@google-cloud/bigquery';
import type { CheckSpec } from '@mine/topology';

export interface CheckContext {
  bigquery: BigQuery;
  /** `project.dataset.table` of the snapshot being audited, quoted for SQL */
  table: string;
  /** dataset and table of the snapshot, for the catalogue */
  dataset: string;
  tableName: string;
  /** rows the loader's source counted (before and after its run), when it reported them */
  expectedRows?: { min: number; max: number };
}

export interface CheckOutcome {
  /** e.g. range:tonnes — the OpenLineage assertion name */
  assertion: string;
  column?: string;
  success: boolean;
  /** what was measured, in words */
  detail: string;
  /** a SELECT of the offending rows, kept in ops.quality_quarantine when the check fails */
  failingRows?: string;
}

/** One kind of check: a file under checks/ registered in checks/index.ts. */
export interface Check<K extends CheckSpec['kind']> {
  kind: K;
  /** undefined when the check cannot be evaluated for this run (e.g. the source reported no count) */
  run(spec: Extract<CheckSpec, { kind: K }>, ctx: CheckContext): Promise<CheckOutcome | undefined>;
}

export const quote = (column: string) => `\`${column.replace(/`/g, '')}\``;

export async function scalar(ctx: CheckContext, sql: string): Promise<unknown> {
  const [rows] = await ctx.bigquery.query({ query: sql });
  const row = rows[0] as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
}
