// One sync run (a CronJob): exits 0 when every file was loaded or quarantined, 1 when any failed.
//   node dist/main.js                                              new and changed files (the manifest says which)
//   node dist/main.js --backfill --from 2026-11-01 [--to 2026-11-08]  also reload every file delivered in that range
import { parseArgs } from 'node:util';
import { RunAnnouncer, createBigQuery, createLineage, createLogger, createPubSub, createS3, createStorage, describeConfig, loadConfig, serveJobMetrics } from '@mine/platform';
import { syncMetrics } from './metrics.js';
import { S3AvroSyncEnv } from './config.js';
import { ROCK_QUALITY_SCHEMA } from './expected-schema.js';
import { syncRun } from './run.js';

const { values } = parseArgs({ options: { backfill: { type: 'boolean', default: false }, from: { type: 'string' }, to: { type: 'string' } } });
const config = loadConfig(S3AvroSyncEnv);
const logger = createLogger({ service: 's3-avro-sync', level: config.LOG_LEVEL });
logger.info({ config: describeConfig(S3AvroSyncEnv, config) }, 'starting');
const bigquery = createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION });
const [dataset, table] = config.TARGET_TABLE.split('.') as [string, string];
const metrics = syncMetrics();
// Scraped while the job runs (a PodMonitoring on the CronJob's pods).
const closeMetrics = await serveJobMetrics(metrics.registry, config.METRICS_PORT, logger);

const backfill = values.backfill ? { from: new Date(values.from ?? 0), to: values.to ? new Date(values.to) : new Date() } : undefined;
if (backfill && (Number.isNaN(backfill.from.getTime()) || Number.isNaN(backfill.to.getTime()))) {
  logger.fatal({ from: values.from, to: values.to }, '--from and --to must be dates, e.g. 2026-11-01');
  process.exit(2);
}
const announcer = new RunAnnouncer(createPubSub(config.GCP_PROJECT_ID), config.RUN_COMPLETED_TOPIC);
const report = await syncRun({
  s3: createS3({ region: config.AWS_REGION, endpoint: config.S3_ENDPOINT, accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY }),
  s3Bucket: config.S3_BUCKET,
  s3Prefix: config.S3_PREFIX,
  pageSize: config.S3_PAGE_SIZE,
  landing: createStorage({ projectId: config.GCP_PROJECT_ID, storageApiEndpoint: config.STORAGE_API_ENDPOINT }).bucket(config.LANDING_BUCKET || `${config.GCP_PROJECT_ID}-landing`),
  landingPrefix: config.LANDING_PREFIX,
  quarantinePrefix: config.QUARANTINE_PREFIX,
  bigquery,
  dataset,
  table,
  expectedSchema: ROCK_QUALITY_SCHEMA as unknown as Record<string, unknown>,
  concurrency: config.CONCURRENCY,
  limits: { maxHeaderBytes: 1024 * 1024, maxBlockBytes: config.AVRO_MAX_BLOCK_BYTES, maxDecompressedBlockBytes: config.AVRO_MAX_BLOCK_BYTES },
  attempts: config.SYNC_ATTEMPTS,
  logger,
  lineage: createLineage(config, { logger, bigquery }),
  metrics,
  announce: (message) => announcer.announce(message),
  ...(backfill ? { backfill } : {}),
}).catch((error) => {
  logger.fatal({ err: error }, 'sync failed');
  process.exit(1);
});
logger.info({ listed: report.listed, skipped: report.skipped, loaded: report.loaded.length, quarantined: report.quarantined, failed: report.failed }, 'sync finished');
await closeMetrics();
process.exitCode = report.failed.length ? 1 : 0;
