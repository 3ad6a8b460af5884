import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createLogger } from '@mine/platform';
import { stackEnv, uniqueName } from '@mine/testkit';
import { Retention } from '../src/retention.js';
import { AlarmStore } from '../src/store.js';

const env = stackEnv();
const logger = createLogger({ service: 'alert-evaluator-retention-test', level: 'silent' });
const DAY = 86_400_000;

/** Tables that do not grow with time: one row per sensor, open issues only, and the pre-outbox notification log (no longer written). */
const BOUNDED = ['sensors', 'open_issues', 'notifications'];

test('retention removes aged-out rows of every growing table, keeps recent ones and anything not yet delivered', async (t) => {
  const schema = uniqueName('aert');
  const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 3 });
  t.after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });
  const store = new AlarmStore(pool, schema, ['alerts-topic']);
  await store.migrate();
  const { rows: tables } = await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema]);
  assert.deepEqual(tables.map((r) => r.table_name).filter((n) => !BOUNDED.includes(n)).sort(), [...Retention.tables].sort(), 'every growing table has a rule');

  const now = Date.UTC(2026, 10, 25, 3, 0, 0);
  const old = new Date(now - 200 * DAY);
  const recent = new Date(now - 1000);
  const q = (sql: string, params: unknown[] = []) => pool.query(sql.replaceAll('$s', `"${schema}"`), params);
  for (const [key, at] of [['old', old], ['new', recent]] as const) {
    await q(`INSERT INTO $s.processed_messages (source, key, processed_at) VALUES ('sensor-readings', $1, $2)`, [key, at]);
    await q(`INSERT INTO $s.zone_ppv_minutes (site, zone, minute, max_ppv) VALUES ('s', $1, $2, 1)`, [key, at]);
    await q(`INSERT INTO $s.seismic_events (sensor_id, site, zone, on_time, peak_ratio) VALUES ($1, 's', 'z', $2, 5)`, [key, at]);
    await q(`INSERT INTO $s.issue_positions (issue_id, occurred_at, status) VALUES ($1, $2, 'resolved')`, [key, at]);
    await q(`INSERT INTO $s.history_written (transition_id, written_at) VALUES (gen_random_uuid(), $1)`, [at]);
  }
  // Three closed alarms: an old one fully delivered, an old one with a delivery still pending, and a recent one.
  const alarm = async (subject: string, updatedAt: Date, delivered: boolean) => {
    await store.transaction((tx) => tx.observe({ ruleId: 'machinery-critical', subject, site: 's', level: 'red', message: subject, details: {}, atMs: updatedAt.getTime() }));
    await q(`UPDATE $s.alarms SET state = 'CLEARED_ACK', updated_at = $2 WHERE subject = $1`, [subject, updatedAt]);
    if (delivered)
      await q(`UPDATE $s.deliveries d SET delivered_at = $2 FROM $s.transitions t JOIN $s.alarms a ON a.alarm_id = t.alarm_id WHERE d.transition_seq = t.seq AND a.subject = $1`, [subject, updatedAt]);
  };
  await alarm('old-delivered', old, true);
  await alarm('old-pending', old, false);
  await alarm('recent', recent, true);

  const retention = new Retention(pool, schema, { dedupeHours: 48, zonePpvHours: 48, eventDays: 30, historyDays: 90 }, logger);
  const deleted = await retention.runOnce(now, 1);
  assert.deepEqual(deleted, { processed_messages: 1, zone_ppv_minutes: 1, seismic_events: 1, deliveries: 1, transitions: 1, alarms: 1, history_written: 1, issue_positions: 1 });
  for (const table of ['processed_messages', 'zone_ppv_minutes', 'seismic_events', 'history_written', 'issue_positions']) assert.equal((await q(`SELECT count(*)::int AS n FROM $s.${table}`)).rows[0].n, 1, table);
  assert.deepEqual((await q(`SELECT subject FROM $s.alarms ORDER BY subject`)).rows.map((r) => r.subject), ['old-pending', 'recent'], 'an undelivered transition keeps its alarm');
  assert.deepEqual(await retention.runOnce(now), { processed_messages: 0, zone_ppv_minutes: 0, seismic_events: 0, deliveries: 0, transitions: 0, alarms: 0, history_written: 0, issue_positions: 0 });
});
