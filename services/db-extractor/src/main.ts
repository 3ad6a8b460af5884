// The db-extractor job (a CronJob):
//   node dist/main.js                          run every planned table
//   node dist/main.js --table orders ...       only these tables
//   node dist/main.js --backfill --from 2026-01-01 [--to 2026-02-01]   re-read a range (or from scratch without --from)
//   node dist/main.js --dry-run                print the plan and exit
// Exits 1 when any table failed.
import { parseArgs } from 'node:util';
import { RunAnnouncer, createBigQuery, createLineage, createPubSub, createLogger, createStorage, describeConfig, loadConfig, serveJobMetrics } from '@mine/platform';
import { DbExtractorEnv } from './config.js';
import { parsePlan } from './plan.js';
import { extractorMetrics } from './progress.js';
import { describePlan, runExtraction } from './run.js';

const { values } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    backfill: { type: 'boolean', default: false },
    from: { type: 'string' },
    to: { type: 'string' },
    table: { type: 'string', multiple: true },
  },
});
const config = loadConfig(DbExtractorEnv);
const logger = createLogger({ service: 'db-extractor', level: config.LOG_LEVEL });
const plan = parsePlan(config.PLAN_JSON);
if (values['dry-run']) {
  process.stdout.write(`${describePlan(plan)}\n`);
  process.exit(0);
}
logger.info({ config: describeConfig(DbExtractorEnv, config) }, 'starting');
const metrics = extractorMetrics();
// Scraped while the job runs (a PodMonitoring on the CronJob's pods).
const closeMetrics = await serveJobMetrics(metrics.registry, config.METRICS_PORT, logger);
const bigquery = createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION });
const announcer = new RunAnnouncer(createPubSub(config.GCP_PROJECT_ID), config.RUN_COMPLETED_TOPIC);
const report = await runExtraction({
  plan,
  // Connection strings come from the environment variables the plan names (Kubernetes Secrets).
  connection: (variable) => process.env[variable],
  bigquery,
  staging: createStorage({ projectId: config.GCP_PROJECT_ID, storageApiEndpoint: config.STORAGE_API_ENDPOINT }).bucket(config.STAGING_BUCKET || `${config.GCP_PROJECT_ID}-landing`),
  logger,
  metrics,
  lineage: createLineage(config, { logger, bigquery }),
  announce: (message) => announcer.announce(message),
  ...(values.table ? { only: values.table } : {}),
  ...(values.backfill ? { backfill: { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) } } : {}),
});
logger.info({ results: report.results, failed: report.failed }, 'extraction finished');
await closeMetrics();
process.exitCode = report.failed.length ? 1 : 0;
