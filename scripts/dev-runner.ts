// The local stand-in for Kubernetes' CronJob controller, started by `./dev up`: runs each batch job
// declared in packages/topology/src/schedules.ts on its local cadence (croner), never two runs of one
// job at once (concurrencyPolicy: Forbid), and once at start, as the controller starts a run whose
// schedule fell within its starting deadline. Each run is its own process, like a Job's pod; what it
// does comes from durable state, so a run this runner missed is caught up by the next.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { schedules } from '@mine/topology';
import { localSources } from './dev-sources.js';

const root = new URL('..', import.meta.url).pathname;
const logDir = join(process.env.MINE_STACK_DIR ?? join(root, '.stack'), 'logs');

interface LocalJob {
  service: string;
  entry: string;
  env: Record<string, string>;
  args?: () => string[];
}

/** How each CronJob runs locally: the same entry point, with the local sources' settings. */
const jobs: Record<string, LocalJob> = {
  // The current hour too: locally nobody waits for an hour to end to see its features (the job replaces it on each run).
  'lake-compactor-hourly': { service: 'lake-compactor', entry: 'src/compact-main.ts', env: {}, args: () => [new Date().toISOString().slice(0, 13)] },
  'db-extractor': {
    service: 'db-extractor',
    entry: 'src/main.ts',
    env: {
      PRODUCTION_DATABASE_URL: localSources.productionUrl,
      // SAP on Oracle runs only under docker compose (see docs/local-stack.md); locally the production app alone.
      PLAN_JSON: JSON.stringify({
        sources: [{ name: 'production', kind: 'postgres', connectionEnv: 'PRODUCTION_DATABASE_URL', dataset: 'raw_production', tables: [
          { table: 'public.extraction_records', target: 'extraction_records', mode: 'incremental', cursor: ['updated_at'], primaryKey: ['id'], lookbackSeconds: 300 },
        ] }],
      }),
    },
  },
  's3-avro-sync': { service: 's3-avro-sync', entry: 'src/main.ts', env: { S3_BUCKET: localSources.supplierBucket, S3_PREFIX: localSources.supplierPrefix } },
};

const log = (fields: object) => console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
const running = new Set<string>();

function runJob(name: string, job: LocalJob): void {
  if (running.has(name)) {
    log({ job: name, message: 'previous run still going; this one skipped (concurrencyPolicy: Forbid)' });
    return;
  }
  running.add(name);
  const out = openSync(join(logDir, `${name}.log`), 'a');
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', job.entry, ...(job.args?.() ?? [])], {
    cwd: join(root, 'services', job.service),
    env: { ...process.env, METRICS_PORT: '0', ...job.env },
    stdio: ['ignore', out, out],
  });
  log({ job: name, pid: child.pid, message: 'run started' });
  child.on('exit', (code, signal) => {
    running.delete(name);
    log({ job: name, code, signal, seconds: Math.round((Date.now() - started) / 1000), message: code === 0 ? 'run succeeded' : 'run failed; the next one catches up' });
  });
}

const crons = schedules.map((schedule) => {
  const job = jobs[schedule.job];
  if (!job) throw new Error(`no local definition for the ${schedule.job} CronJob in scripts/dev-runner.ts`);
  runJob(schedule.job, job);
  return new Cron(schedule.localCron, { name: schedule.job, timezone: 'UTC' }, () => runJob(schedule.job, job));
});
log({ message: 'dev runner started', jobs: schedules.map((s) => `${s.job} ${s.localCron}`) });
process.on('SIGTERM', () => {
  for (const cron of crons) cron.stop();
  log({ message: 'dev runner stopped; runs in progress finish on their own' });
  process.exit(0);
});
