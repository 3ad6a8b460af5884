import { Counter, Gauge, createMetrics } from '@mine/platform';

/** The job's Prometheus metrics: scraped while it runs, and summarised in its last log line. */
export function extractorMetrics() {
  const { registry, prefix } = createMetrics('db-extractor');
  const labelNames = ['table'] as const;
  return {
    registry,
    rows: new Counter({ name: `${prefix}rows_extracted_total`, help: 'rows read, staged and loaded into the staging table', labelNames, registers: [registry] }),
    chunks: new Counter({ name: `${prefix}chunks_loaded_total`, help: 'chunks staged on GCS and loaded', labelNames, registers: [registry] }),
    rate: new Gauge({ name: `${prefix}rows_per_second`, help: 'rows per second of the table being extracted, since its run started', labelNames, registers: [registry] }),
    eta: new Gauge({ name: `${prefix}eta_seconds`, help: "seconds left for the table, from the planner's row estimate", labelNames, registers: [registry] }),
    tables: new Counter({ name: `${prefix}tables_total`, help: 'tables finished, by outcome (done, stopped, failed)', labelNames: ['outcome'] as const, registers: [registry] }),
  };
}
export type ExtractorMetrics = ReturnType<typeof extractorMetrics>;

export interface ProgressReport {
  rows: number;
  rowsPerSecond: number;
  /** only when the total is estimated; 0 once the estimate is passed */
  estimatedRows?: number;
  etaSeconds?: number;
}

/** Rows, rate and ETA of one table's run. */
export class TableProgress {
  private rows = 0;

  constructor(
    private readonly estimatedRows: number | undefined,
    private readonly startedAtMs: number,
  ) {}

  add(rows: number, nowMs: number): ProgressReport {
    this.rows += rows;
    const rowsPerSecond = this.rows / Math.max(0.001, (nowMs - this.startedAtMs) / 1000);
    if (this.estimatedRows === undefined) return { rows: this.rows, rowsPerSecond: Math.round(rowsPerSecond) };
    const etaSeconds = Math.max(0, this.estimatedRows - this.rows) / rowsPerSecond;
    return { rows: this.rows, rowsPerSecond: Math.round(rowsPerSecond), estimatedRows: this.estimatedRows, etaSeconds: Math.round(etaSeconds) };
  }
}
