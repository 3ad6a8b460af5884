import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createLogger } from '@mine/platform';
import { stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { TransitionFeed } from '../src/live.js';
import { AlarmStore } from '../src/store.js';
import type { Observation } from '../src/rules/engine.js';

const env = stackEnv();
const logger = createLogger({ service: 'alert-evaluator-live-test', level: 'silent' });

const observation = (subject: string): Observation => ({
  ruleId: 'machinery-critical', subject, site: 'north-pit', level: 'red', message: `test ${subject}`, details: {}, atMs: Date.UTC(2026, 10, 25, 2, 0, 0),
});

test('the feed emits transitions committed out of sequence order, and after its connection is cut it says so, reconnects, catches up and asks for a resync', async (t) => {
  const schema = uniqueName('ael');
  const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 4 });
  const store = new AlarmStore(pool, schema);
  await store.migrate();
  const applicationName = `feed ${schema}`;
  const feed = new TransitionFeed(store, env.databaseUrl, logger, { minBackoffMs: 50, applicationName });
  const emitted: string[] = [];
  const states: boolean[] = [];
  let resyncs = 0;
  feed.on('transition', (transition) => emitted.push(transition.subject));
  feed.on('state', (connected) => states.push(connected));
  feed.on('resync', () => (resyncs += 1));
  t.after(async () => {
    await feed.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });
  await feed.start();
  assert.equal(feed.connected, true);

  // A takes its sequence number first but commits after B.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = store.transaction(async (tx) => {
    await tx.observe(observation('A'));
    await gate;
  });
  await waitFor(async () => ((await pool.query(`SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'alarms' AND c.relnamespace = '"${schema}"'::regnamespace`)).rowCount ? true : undefined), { what: 'A in flight' });
  await store.transaction((tx) => tx.observe(observation('B')));
  await waitFor(() => (emitted.includes('B') ? true : undefined), { what: 'B emitted' });
  release();
  await slow;
  await waitFor(() => (emitted.includes('A') ? true : undefined), { what: 'A emitted although it committed after a later number' });

  // Cut the LISTEN connection (as a PostgreSQL restart would); C commits while nobody listens.
  await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [applicationName]);
  await waitFor(() => (states.includes(false) ? true : undefined), { what: 'the feed reports the lost connection' });
  await store.transaction((tx) => tx.observe(observation('C')));
  await waitFor(() => (feed.connected && resyncs === 1 ? true : undefined), { what: 'reconnected and resync asked' });
  await waitFor(() => (emitted.includes('C') ? true : undefined), { what: 'C caught up after the reconnect' });
  assert.deepEqual(states, [true, false, true]);
  assert.deepEqual([...emitted].sort(), ['A', 'B', 'C'], 'each once');
});
