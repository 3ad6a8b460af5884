// The simulated batch sources of `./dev up`: the production app's PostgreSQL database and the
// rock-quality supplier's bucket in MinIO, with sample data that changes over time, and the crews'
// mobile app reporting machinery issues.
//   node --import tsx --conditions=source scripts/dev-sources.ts seed   create and fill them once (idempotent)
//   node --import tsx --conditions=source scripts/dev-sources.ts feed   keep them changing (a process of ./dev up)
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { createS3 } from '@mine/platform';
import { recordLoads, rockQualityDelivery } from '@mine/simulator';

const root = new URL('..', import.meta.url).pathname;
const state = process.env.MINE_STACK_DIR ?? join(root, '.stack');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:55432/postgres';

/** Where the local batch sources live; the dev runner's jobs read them. */
export const localSources = {
  productionDatabase: 'production',
  productionUrl: databaseUrl.replace(/\/[^/]*$/, '/production'),
  supplierBucket: 'supplier-rock-quality',
  supplierPrefix: 'deliveries/',
};

const s3 = () =>
  createS3({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint: process.env.S3_ENDPOINT ?? 'http://127.0.0.1:9000',
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'minioadmin',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'minioadmin',
  });

async function deliver(client: ReturnType<typeof s3>, samples: number, at = new Date()): Promise<void> {
  const file = await rockQualityDelivery({ samples, at, prefix: localSources.supplierPrefix });
  await client.send(new PutObjectCommand({ Bucket: localSources.supplierBucket, Key: file.key, Body: file.body }));
}

/** Creates the production database and the supplier bucket with a first day of data, once. */
export async function seedLocalSources(): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [localSources.productionDatabase]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${localSources.productionDatabase}`);
  } finally {
    await admin.end();
  }
  const db = new pg.Client({ connectionString: localSources.productionUrl });
  await db.connect();
  try {
    const { rows } = await db.query("SELECT to_regclass('public.extraction_records') IS NOT NULL AS present");
    const present = rows[0].present && Number((await db.query('SELECT count(*) AS n FROM extraction_records')).rows[0].n) > 0;
    if (!present) await recordLoads(db, { count: 600 });
  } finally {
    await db.end();
  }
  const client = s3();
  const bucketExists = await client.send(new HeadBucketCommand({ Bucket: localSources.supplierBucket })).then(() => true, () => false);
  if (!bucketExists) {
    await client.send(new CreateBucketCommand({ Bucket: localSources.supplierBucket }));
    await deliver(client, 40, new Date(Date.now() - 86_400_000));
    await deliver(client, 40);
  }
}

const SITES = ['north-pit', 'south-decline'];
const MACHINES = ['HT-101', 'HT-102', 'EX-7', 'DR-3', 'LD-12'];

/** Keeps the sources changing: truck loads every minute, a supplier delivery every few minutes, issues from the app. */
async function feed(): Promise<void> {
  const db = new pg.Pool({ connectionString: localSources.productionUrl, max: 1 });
  const client = s3();
  const tokens = JSON.parse(readFileSync(join(state, 'local-tokens.json'), 'utf8')) as { operator: string; supervisor: string };
  const api = process.env.MOBILE_ISSUES_URL ?? 'http://127.0.0.1:8082';
  const open: { issueId: string; machineId: string; siteId: string }[] = [];
  const report = async (token: string, event: object) => {
    const response = await fetch(`${api}/v1/issues/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(event) });
    if (response.status >= 300) console.error(JSON.stringify({ message: 'issue event refused', status: response.status, body: await response.text() }));
  };
  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  for (let tick = 0; !stopping; tick++) {
    try {
      const issue = { issueId: `I-${randomUUID().slice(0, 8)}`, machineId: MACHINES[tick % MACHINES.length]!, siteId: SITES[tick % SITES.length]! };
      const severity = (['low', 'medium', 'high', 'critical'] as const)[tick % 4];
      await report(tokens.operator, { eventId: randomUUID(), ...issue, type: 'created', occurredAt: new Date().toISOString(), severity, status: 'open', title: `${issue.machineId}: ${severity} fault` });
      open.push(issue);
      if (tick % 3 === 2 && open.length > 2) {
        const resolved = open.shift()!;
        await report(tokens.supervisor, { eventId: randomUUID(), ...resolved, type: 'resolved', occurredAt: new Date().toISOString(), status: 'resolved' });
      }
      if (tick % 3 === 0) await recordLoads(db, { count: 25, updates: 5 });
      if (tick % 9 === 0) await deliver(client, 12);
    } catch (error) {
      console.error(JSON.stringify({ message: 'feeding the sources failed; trying again', error: (error as Error).message }));
    }
    await sleep(20_000);
  }
  await db.end();
}

const command = process.argv[2];
if (import.meta.url === `file://${process.argv[1]}`) {
  if (command === 'seed') await seedLocalSources();
  else if (command === 'feed') await feed();
  else {
    console.error('usage: dev-sources.ts seed|feed');
    process.exit(2);
  }
}
