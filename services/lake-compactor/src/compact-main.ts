// The hourly compaction job (a CronJob): compacts the previous hour, or the hours given.
//   node dist/compact-main.js                      the hour before the current one
//   node dist/compact-main.js 2026-11-24T05 ...    those hours (a backfill or a late-packet rerun)
import { randomUUID } from 'node:crypto';
import { createLineage, createBigQuery, createLogger, createStorage, loadConfig } from '@mine/platform';
import { LakeCompactorEnv } from './config.js';
import { SERVICE, lakeBucketName, staLtaOptions } from './app.js';
import { compactHour } from './compact.js';
import { openDuckDb } from './parquet.js';

const config = loadConfig(LakeCompactorEnv);
const logger = createLogger({ service: `${SERVICE}-hourly`, level: config.LOG_LEVEL }).child({ run: randomUUID() });
const storage = createStorage({ projectId: config.GCP_PROJECT_ID, storageApiEndpoint: config.STORAGE_API_ENDPOINT });
const bigquery = createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION });
const lineage = createLineage(config, { logger, bigquery });
const bucket = storage.bucket(lakeBucketName(config));
const [dataset, table] = config.FEATURES_TABLE.split('.');

const hours = process.argv.slice(2).map((h) => new Date(`${h.length === 13 ? `${h}:00:00` : h}Z`.replace(/ZZ$/, 'Z')));
if (hours.length === 0) hours.push(new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000));
if (hours.some((h) => Number.isNaN(h.getTime()))) {
  logger.fatal({ args: process.argv.slice(2) }, 'hours must look like 2026-11-24T05');
  process.exit(2);
}

const duckdb = await openDuckDb();
let failed = 0;
for (const [i, hour] of hours.entries()) {
  const run = await lineage.startRun('lake-compactor.hourly', [{ namespace: `gs://${bucket.name}`, name: `spool/${hour.toISOString().slice(0, 13)}` }]);
  try {
    const result = await compactHour(hour, { bucket, duckdb, workDir: config.WORK_DIR, logger, staLta: staLtaOptions(config), ...(dataset && table ? { features: { bigquery, dataset, table } } : {}) });
    await run.complete(
      result.sites.flatMap((s) => s.objects.map((name, k) => ({ namespace: `gs://${bucket.name}`, name, rowCount: [s.rawRows, s.packets, s.sensors][k]! }))),
      [{ assertion: 'no_duplicate_packets_after_dedupe', success: true }],
    );
    logger.info({ progress: `${i + 1}/${hours.length}`, ...result }, 'compacted');
  } catch (error) {
    failed += 1;
    logger.error({ err: error, hour: hour.toISOString() }, 'compaction failed');
    await run.fail(error as Error);
  }
}
process.exitCode = failed ? 1 : 0;
