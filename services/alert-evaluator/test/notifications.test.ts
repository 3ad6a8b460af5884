import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { AlarmTransition } from '@mine/contracts';
import { createLogger, createPubSub, loadConfig } from '@mine/platform';
import { stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { buildAlertEvaluator, type AlertEvaluator } from '../src/app.js';
import { AlertEvaluatorEnv } from '../src/config.js';

const env = stackEnv();
const logger = createLogger({ service: 'alert-evaluator-notifications-test', level: 'silent' });
const SECRET = 'lane-test-secret';
const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);

/** A webhook receiver that checks signatures and records what it accepted. */
async function receiver(t: import('node:test').TestContext, behaviour: { up: boolean; delayMs: number }) {
  const accepted: AlarmTransition[] = [];
  let refused = 0;
  let badSignatures = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      setTimeout(() => {
        const [ts, v1] = String(request.headers['x-mine-signature']).split(',').map((part) => part.split('=')[1]);
        if (v1 !== createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')) {
          badSignatures += 1;
          return void response.writeHead(401).end();
        }
        if (!behaviour.up) {
          refused += 1;
          return void response.writeHead(503).end();
        }
        accepted.push(JSON.parse(body) as AlarmTransition);
        response.writeHead(204).end();
      }, behaviour.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, accepted, behaviour, refused: () => refused, badSignatures: () => badSignatures };
}

test('each webhook is its own lane: one that is down raises notification-failing and keeps its deliveries, the others are not held up, and two replicas deliver each transition once', async (t) => {
  const pubsub = createPubSub(env.projectId);
  const name = uniqueName('aen').replace(/_/g, '-');
  const [issues] = await pubsub.createTopic(`${name}-issues`);
  const [alerts] = await pubsub.createTopic(`${name}-alerts`);
  const [issuesSub] = await issues.createSubscription(`${name}-issues.sub`);
  const schema = name.replace(/-/g, '_');
  const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  const services: AlertEvaluator[] = [];
  t.after(async () => {
    await Promise.all(services.map((s) => s.close()));
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    await issuesSub.delete().catch(() => undefined);
    await Promise.all([issues, alerts].map((topic) => topic.delete().catch(() => undefined)));
  });

  const down = await receiver(t, { up: false, delayMs: 0 });
  const slow = await receiver(t, { up: true, delayMs: 300 });
  const config = loadConfig(AlertEvaluatorEnv, {
    GCP_PROJECT_ID: env.projectId,
    PUBSUB_EMULATOR_HOST: env.pubsubEmulatorHost,
    DATABASE_URL: env.databaseUrl,
    PG_SCHEMA: schema,
    SENSOR_SUBSCRIPTION: `${name}-unused`,
    SENSOR_DEAD_LETTER_TOPIC: `${name}-issues`,
    ISSUE_SUBSCRIPTION: `${name}-issues.sub`,
    ISSUE_DEAD_LETTER_TOPIC: `${name}-issues`,
    ALERTS_TOPIC: `${name}-alerts`,
    WEBHOOK_URLS: `${down.url},${slow.url}`,
    WEBHOOK_SIGNING_SECRET: SECRET,
    WEBHOOK_MIN_BACKOFF_MS: '20',
    DELIVERY_MAX_BACKOFF_MS: '200',
    DELIVERY_ALARM_AFTER_ATTEMPTS: '3',
    SWEEP_INTERVAL_SECONDS: '3600',
  });
  for (let i = 0; i < 2; i++) {
    const service = await buildAlertEvaluator({ config, logger, pubsub: createPubSub(env.projectId) });
    services.push(service);
    await service.start();
  }
  const [first] = services;

  // Six critical issues: six transitions for each lane.
  for (let i = 0; i < 6; i++)
    await issues.publishMessage({
      json: {
        eventId: randomUUID(), issueId: `ISS-L${i}`, type: 'created', occurredAt: new Date(T0).toISOString(), receivedAt: new Date(T0).toISOString(),
        machineId: 'HT-1', siteId: 'north-pit', severity: 'critical', status: 'open', reporter: 'u-1',
      },
    });

  // The slow receiver gets all six although the other one refuses everything.
  await waitFor(() => (new Set(slow.accepted.filter((a) => a.ruleId === 'machinery-critical').map((a) => a.transitionId)).size === 6 ? true : undefined), { what: 'six deliveries to the slow webhook', timeoutMs: 30_000 });
  // The one that is down becomes an alarm of its own, delivered through the lanes that work.
  const failing = await waitFor(async () => (await first!.store.listAlarms({ ruleId: 'notification-failing', limit: 5 }))[0], { what: 'notification-failing alarm', timeoutMs: 30_000 });
  assert.equal(failing.subject, `webhook:${new URL(down.url).host}/hook`);
  assert.equal(failing.site, 'platform');
  await waitFor(() => (slow.accepted.some((a) => a.ruleId === 'notification-failing') ? true : undefined), { what: 'the platform alarm on the working webhook' });
  const { rows: queued } = await pool.query(`SELECT count(*)::int AS n, max(attempts) AS max FROM "${schema}".deliveries WHERE channel = $1 AND delivered_at IS NULL`, [failing.subject]);
  assert.ok(queued[0].n >= 6 && queued[0].max >= 3, `the failing lane keeps its deliveries, retrying (${JSON.stringify(queued[0])})`);

  // It comes back: everything queued for it arrives, once each across both replicas, and its alarm clears.
  down.behaviour.up = true;
  await waitFor(async () => ((await first!.store.listAlarms({ ruleId: 'notification-failing', state: ['CLEARED_UNACK'], limit: 5 }))[0] ? true : undefined), { what: 'notification-failing cleared', timeoutMs: 30_000 });
  // Everything queued for either webhook is delivered (the platform alarm's own transitions included).
  await waitFor(async () => {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".deliveries WHERE delivered_at IS NULL AND channel LIKE 'webhook:%'`);
    return rows[0].n === 0 ? true : undefined;
  }, { what: 'no webhook delivery left', timeoutMs: 30_000 });
  const { rows: transitions } = await pool.query(`SELECT transition_id FROM "${schema}".transitions`);
  for (const hook of [down, slow]) {
    const ids = hook.accepted.map((a) => a.transitionId);
    assert.equal(new Set(ids).size, ids.length, 'no transition delivered twice');
    assert.deepEqual(new Set(ids), new Set(transitions.map((r) => r.transition_id)), `every transition at ${hook.url}`);
    assert.equal(hook.badSignatures(), 0);
  }
  assert.ok(down.refused() >= 3, 'the receiver that was down was retried');
});
