// One sync run (a CronJob): exits 0 when every file was loaded or quarantined, 1 when any failed.
import { createLineage, createBigQuery, createLogger, createS3, createStorage, describeConfig, loadConfig, serveJobMetrics } from '@mine/platform';
import { syncMetrics } from './metrics.js';
import { S3AvroSyncEnv } from './config.js';
import { ROCK_QUALITY_SCHEMA } from './expected-schema.js';
import { syncOnce } from './sync.js';

const config = loadConfig(S3AvroSyncEnv);
const logger = createLogger({ service: 's3-avro-sync', level: config.LOG_LEVEL });
logger.info({ config: describeConfig(S3AvroSyncEnv, config) }, 'starting');
const bigquery = createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION });
const [dataset, table] = config.TARGET_TABLE.split('.') as [string, string];
const metrics = syncMetrics();
// Scraped while the job runs (a PodMonitoring on the CronJob's pods).
const closeMetrics = await serveJobMetrics(metrics.registry, config.METRICS_PORT, logger);

const report = await syncOnce({
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
}).catch((error) => {
  logger.fatal({ err: error }, 'sync failed');
  process.exit(1);
});
logger.info({ listed: report.listed, skipped: report.skipped, loaded: report.loaded.length, quarantined: report.quarantined, failed: report.failed }, 'sync finished');
await closeMetrics();
process.exitCode = report.failed.length ? 1 : 0;
