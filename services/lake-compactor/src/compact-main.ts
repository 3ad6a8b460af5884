// The hourly compaction job (a CronJob). Finds its work from durable state, not the clock:
//   node dist/compact-main.js                      every hour whose spool changed since it was last compacted
//   node dist/compact-main.js 2026-11-24T05 ...    also those hours, compacted again whatever their state
//   node dist/compact-main.js 2026-11-20T00..2026-11-22T00   a backfill of that range (end excluded), with progress and ETA
import { randomUUID } from 'node:crypto';
import { RunAnnouncer, createBigQuery, createLineage, createLogger, createPubSub, createStorage, loadConfig } from '@mine/platform';
import { LakeCompactorEnv } from './config.js';
import { SERVICE, lakeBucketName, staLtaOptions } from './app.js';
import { openDuckDb } from './parquet.js';
import { expandHours } from './hours.js';
import { compactionQuality, emptyHourError } from './quality.js';
import { runCompaction } from './run.js';
import { hourPrefix } from './spool.js';

const config = loadConfig(LakeCompactorEnv);
const runId = randomUUID();
const logger = createLogger({ service: `${SERVICE}-hourly`, level: config.LOG_LEVEL }).child({ run: runId });
const storage = createStorage({ projectId: config.GCP_PROJECT_ID, storageApiEndpoint: config.STORAGE_API_ENDPOINT });
const bigquery = createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION });
const lineage = createLineage(config, { logger, bigquery });
const bucket = storage.bucket(lakeBucketName(config));
const [dataset, table] = config.FEATURES_TABLE.split('.');

let force: string[];
try {
  force = expandHours(process.argv.slice(2));
} catch (error) {
  logger.fatal({ args: process.argv.slice(2) }, (error as Error).message);
  process.exit(2);
}
// A backfill's progress: forced hours done of those asked for, and the time left at the rate so far.
const backfill = { started: Date.now(), done: 0 };
const backfillProgress = (hour: string) => {
  if (!force.includes(hour)) return;
  backfill.done += 1;
  const etaSeconds = Math.round(((Date.now() - backfill.started) / 1000 / backfill.done) * (force.length - backfill.done));
  logger.info({ hour, backfill: `${backfill.done}/${force.length}`, etaSeconds }, 'backfill progress');
};

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
        complete: (r) => {
          backfillProgress(hour);
          const outputs = r.sites.flatMap((s) => [
            { namespace: `gs://${bucket.name}`, name: hourPrefix('raw', r.hourStart, s.site), rowCount: s.rawRows },
            { namespace: `gs://${bucket.name}`, name: s.objects.packets, rowCount: s.packets },
            { namespace: `gs://${bucket.name}`, name: s.objects.hourly, rowCount: s.sensors },
          ]);
          const quality = compactionQuality(r);
          const failure = emptyHourError(r) ?? (quality.every((a) => a.success) ? undefined : new Error(`compaction checks failed: ${quality.filter((a) => !a.success).map((a) => a.assertion).join(', ')}`));
          return failure ? run.fail(failure, outputs, quality) : run.complete(outputs, quality);
        },
        fail: (error) => {
          backfillProgress(hour);
          return run.fail(error);
        },
      };
    },
  },
});
logger.info({ compacted: result.compacted.map((c) => c.hour), failed: result.failed, skipped: result.skipped, record: result.record }, 'compaction run finished');
// Every run announces the features table (also when nothing was new), so a lost announcement is healed by the next run;
// one that fails fails the job, whose retry announces again (the compaction itself is then a no-op).
if (dataset && table) {
  await new RunAnnouncer(createPubSub(config.GCP_PROJECT_ID), config.RUN_COMPLETED_TOPIC).announce({
    runId,
    job: 'lake-compactor.hourly',
    status: result.failed.length ? 'PARTIAL' : 'COMPLETE',
    completedAt: new Date().toISOString(),
    outputs: [{ table: `${dataset}.${table}`, rowsWritten: result.compacted.reduce((sum, c) => sum + c.result.sites.reduce((n, s) => n + s.sensors, 0), 0) }],
  }).catch((error) => {
    logger.error({ err: error }, 'run-completed announcement failed; the quality gate is not triggered until the next run');
    result.failed.push({ hour: 'announcement', error: (error as Error).message });
  });
}
process.exitCode = result.failed.length ? 1 : 0;
