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
  };
}
export type SyncMetrics = ReturnType<typeof syncMetrics>;
