// Events/s through mobile-issues-api (JWT, PII masking, PostgreSQL, Pub/Sub) as a ratio of a bare
// fastify route, then through the sink into BigQuery; same machine, same run.
//   eval "$(tools/stack/stack.sh env)" && npx tsx --conditions=source services/mobile-issues-api/bench/events-bench.ts [seconds]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { PubSub } from '@google-cloud/pubsub';
import { createBigQuery, createStorage } from '@mine/platform';
import { stackEnv, stackProcessEnv, uniqueName } from '@mine/testkit';
import { provision, topology } from '@mine/topology';

const seconds = Number(process.argv[2] ?? 10);
const env = stackEnv();
const projectId = uniqueName('bench-mobile').replace(/_/g, '-');
const pubsub = new PubSub({ projectId });
const bigquery = createBigQuery({ projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
await provision(topology, { pubsub, bigquery, storage: createStorage({ projectId, storageApiEndpoint: env.storageApiEndpoint }) }, { projectId, location: 'EU' });

const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }] });
const token = await new SignJWT({ roles: ['operator'] }).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setSubject('bench').setIssuer('https://login.mine.example').setAudience('mobile-issues-api').setExpirationTime('1h').sign(privateKey);

const port = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); }); });
async function serve(entry: string, extra: Record<string, string>) {
  const p = await port();
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, ...stackProcessEnv(), GCP_PROJECT_ID: projectId, LOG_LEVEL: 'warn', PORT: String(p), HOST: '127.0.0.1', ...extra },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    if (await fetch(`http://127.0.0.1:${p}/healthz`).then((r) => r.ok || r.status === 404, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${p}`, child };
}

let issue = 0;
async function load(url: string) {
  const result = await autocannon({
    url: `${url}/v1/issues/events`,
    method: 'POST',
    connections: 8,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [{
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ eventId: randomUUID(), issueId: `B-${issue++}`, type: 'created', occurredAt: new Date().toISOString(), machineId: 'HT-042', siteId: 'north-pit', severity: 'medium', title: 'Noise from the final drive', description: 'Reported by the night shift, call +56 9 8765 4321' }),
      }),
    }],
  });
  return { perSecond: result['2xx'] / seconds, non2xx: result.non2xx, p99: result.latency.p99 };
}

const bare = await serve('bench/bare-route.ts', {});
const baseline = await load(bare.url);
bare.child.kill('SIGTERM');
const api = await serve('src/main.ts', { JWKS_JSON: jwks, PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789', PG_SCHEMA: projectId.replace(/-/g, '_') });
const measured = await load(api.url);
api.child.kill('SIGTERM');

const accepted = Math.round(measured.perSecond * seconds);
const sinkStart = Date.now();
const sink = await serve('src/sink-main.ts', {});
let landed = 0;
while (landed < accepted && Date.now() - sinkStart < 300_000) {
  await new Promise((r) => setTimeout(r, 500));
  const [[row]] = await bigquery.query({ query: `SELECT COUNT(DISTINCT eventId) AS n FROM \`${projectId}.raw_mobile.machinery_issue_events\`` });
  landed = row.n;
}
const sinkSeconds = (Date.now() - sinkStart) / 1000;
sink.child.kill('SIGTERM');
await pubsub.close();

console.log(`${seconds} s per run, 8 connections, one event per request (JWT verified each time)`);
console.log(`bare fastify route            ${baseline.perSecond.toFixed(0).padStart(6)} events/s  p99 ${baseline.p99} ms`);
console.log(`mobile-issues-api → Pub/Sub   ${measured.perSecond.toFixed(0).padStart(6)} events/s  p99 ${measured.p99} ms  non-2xx ${measured.non2xx}`);
console.log(`ratio API / bare route: ${((100 * measured.perSecond) / baseline.perSecond).toFixed(1)} %`);
console.log(`sink: ${landed} of ${accepted} events in BigQuery after ${sinkSeconds.toFixed(1)} s (start-up included) = ${(landed / sinkSeconds).toFixed(0)} events/s`);
