import { Counter, Gauge, createMetrics } from '@mine/platform';

/** The sync's Prometheus metrics: scraped while the job runs, and summarised in its last log line. */
export function syncMetrics() {
  const { registry, prefix } = createMetrics('s3-avro-sync');
  return {
    registry,
    files: new Counter({ name: `${prefix}files_total`, help: 'supplier files handled, by outcome (loaded, quarantined, failed, unchanged)', labelNames: ['outcome'] as const, registers: [registry] }),
    bytes: new Counter({ name: `${prefix}bytes_copied_total`, help: 'bytes copied from S3 to GCS and verified', registers: [registry] }),
    records: new Counter({ name: `${prefix}records_loaded_total`, help: 'Avro records loaded into BigQuery', registers: [registry] }),
    remaining: new Gauge({ name: `${prefix}files_remaining`, help: 'files of this run still to sync (progress)', registers: [registry] }),
    eta: new Gauge({ name: `${prefix}eta_seconds`, help: 'estimated seconds left in this run, from the bytes copied so far', registers: [registry] }),
  };
}
export type SyncMetrics = ReturnType<typeof syncMetrics>;

/** Time left, from the bytes synced so far and their rate (files differ in size, so bytes, not files). */
export class SyncEta {
  private readonly started = Date.now();
  private doneBytes = 0;

  constructor(private readonly totalBytes: number) {}

  /** adds a finished file; returns the estimated seconds left (undefined until something was timed) */
  add(bytes: number, now = Date.now()): number | undefined {
    this.doneBytes += bytes;
    const elapsed = (now - this.started) / 1000;
    if (this.doneBytes === 0 || elapsed <= 0) return undefined;
    return Math.round(((this.totalBytes - this.doneBytes) * elapsed) / this.doneBytes);
  }
}
