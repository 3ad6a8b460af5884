// The hourly compaction job (a CronJob). Finds its work from durable state, not the clock:
//   node dist/compact-main.js                      every hour whose spool changed since it was last compacted
//   node dist/compact-main.js 2026-11-24T05 ...    also those hours, compacted again whatever their state
import { randomUUID } from 'node:crypto';
import { BigQueryLineageTransport, LineageEmitter, LogLineageTransport, createBigQuery, createLogger, createStorage, loadConfig } from '@mine/platform';
import { LakeCompactorEnv } from './config.js';
import { SERVICE, lakeBucketName, staLtaOptions } from './app.js';
import { openDuckDb } from './parquet.js';
import { runCompaction } from './run.js';
import { hourPrefix } from './spool.js';

const config = loadConfig(LakeCompactorEnv);
const runId = randomUUID();
const logger = createLogger({ service: `${SERVICE}-hourly`, level: config.LOG_LEVEL }).child({ run: runId });
const storage = createStorage({ projectId: config.GCP_PROJECT_ID, storageApiEndpoint: config.STORAGE_API_ENDPOINT });
const bigquery = createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION });
const lineage = new LineageEmitter('mine-platform', [new LogLineageTransport(logger), new BigQueryLineageTransport(bigquery)], logger);
const bucket = storage.bucket(lakeBucketName(config));
const [dataset, table] = config.FEATURES_TABLE.split('.');

const force = process.argv.slice(2);
if (force.some((h) => !/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(h) || Number.isNaN(Date.parse(`${h}:00:00Z`)))) {
  logger.fatal({ args: force }, 'hours must look like 2026-11-24T05');
  process.exit(2);
}

const result = await runCompaction({
  bucket,
  duckdb: await openDuckDb(config),
  workDir: config.WORK_DIR,
  logger,
  runId,
  force,
  settleMs: config.SETTLE_SECONDS * 1000,
  leaseMs: config.LEASE_SECONDS * 1000,
  staLta: staLtaOptions(config),
  ...(dataset && table ? { features: { bigquery, dataset, table } } : {}),
  onHour: {
    async start(hour) {
      const run = await lineage.startRun('lake-compactor.hourly', [{ namespace: `gs://${bucket.name}`, name: `spool/${hour}` }]);
      return {
        complete: (r) =>
          run.complete(
            r.sites.flatMap((s) => [
              { namespace: `gs://${bucket.name}`, name: hourPrefix('raw', r.hourStart, s.site), rowCount: s.rawRows },
              { namespace: `gs://${bucket.name}`, name: s.objects.packets, rowCount: s.packets },
              { namespace: `gs://${bucket.name}`, name: s.objects.hourly, rowCount: s.sensors },
            ]),
            [{ assertion: 'no_duplicate_packets_after_dedupe', success: true }],
          ),
        fail: (error) => run.fail(error),
      };
    },
  },
});
logger.info({ compacted: result.compacted.map((c) => c.hour), failed: result.failed, skipped: result.skipped, record: result.record }, 'compaction run finished');
process.exitCode = result.failed.length ? 1 : 0;
