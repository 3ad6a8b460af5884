import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Counter } from '@mine/platform';
import type { AlarmLevel, AlarmState, AlarmTransition } from '@mine/contracts';
import { nextAlarm, type OpenAlarm } from './lifecycle.js';
import { OutboxStore } from './outbox.js';
import { migrateSchema } from './schema.js';
import { Telemetry, TelemetryTx } from './telemetry.js';
import type { Normal, Observation } from './rules/engine.js';

/** The notification channel replicas LISTEN on to feed their live streams. */
export const TRANSITION_CHANNEL = 'alarm_transitions';

/** A quoted SQL identifier. */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Alarm state in PostgreSQL: one open alarm per (rule, subject), every
 * transition written in the same transaction as the state change (an outbox the
 * dispatcher publishes from), and the per-sensor memory rules need across restarts.
 */
export class AlarmStore {
  private readonly s: string;

  /** The outbox's delivery rows, one per transition and channel. */
  readonly outbox: OutboxStore;
  /** Sensor memory, zone PPV and events. */
  readonly telemetry: Telemetry;

  constructor(
    readonly pool: pg.Pool,
    schema: string,
    /** notification channels: each transition gets a delivery row for each */
    private readonly channels: string[] = [],
  ) {
    this.s = ident(schema);
    this.outbox = new OutboxStore(pool, this.s);
    this.telemetry = new Telemetry(pool, this.s);
  }

  async migrate(): Promise<void> {
    await migrateSchema(this.pool, this.s);
    await this.adoptUndispatched();
  }

  /** Transitions recorded before the outbox (undispatched, without delivery rows) get their delivery rows. */
  private async adoptUndispatched(): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.deliveries (channel, transition_seq)
       SELECT channel, t.seq FROM ${this.s}.transitions t, unnest($1::text[]) AS channel
       WHERE t.dispatched_at IS NULL AND NOT EXISTS (SELECT 1 FROM ${this.s}.deliveries d WHERE d.transition_seq = t.seq)
       ON CONFLICT DO NOTHING`,
      [this.channels],
    );
  }

  /** Runs `work` in a transaction; the transitions it records are NOTIFYed on commit. */
  /** Counts statements sent per transaction (each a round trip), by the work's label; set by the wiring. */
  roundTrips?: Counter<'work'>;

  async transaction<T>(work: (tx: AlarmTx) => Promise<T>, label = 'other'): Promise<T> {
    const pooled = await this.pool.connect();
    let statements = 0;
    // Only `query` is used inside a transaction; counting it measures PostgreSQL round trips per unit of work.
    const client = { query: (...args: Parameters<pg.PoolClient['query']>) => (statements++, (pooled.query as (...a: unknown[]) => unknown)(...args)) } as unknown as pg.PoolClient;
    try {
      await client.query('BEGIN');
      const tx = new AlarmTx(client, this.s, this.channels);
      const result = await work(tx);
      if (tx.recorded > 0) await client.query(`SELECT pg_notify($1, '')`, [TRANSITION_CHANNEL]);
      await client.query('COMMIT');
      this.roundTrips?.inc({ work: label }, statements);
      return result;
    } catch (error) {
      await pooled.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      pooled.release();
    }
  }

  async listAlarms(filter: { state?: string[]; site?: string; level?: string; ruleId?: string; limit: number }) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.state?.length) where.push(`state = ANY($${params.push(filter.state)})`);
    if (filter.site) where.push(`site = $${params.push(filter.site)}`);
    if (filter.level) where.push(`level = $${params.push(filter.level)}`);
    if (filter.ruleId) where.push(`rule_id = $${params.push(filter.ruleId)}`);
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.s}.alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY CASE level WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END, last_seen_at DESC
       LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map(toAlarm);
  }

  async getAlarm(alarmId: string) {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.s}.alarms WHERE alarm_id = $1`, [alarmId]);
    if (!rows[0]) return undefined;
    const history = await this.pool.query(`SELECT body FROM ${this.s}.transitions WHERE alarm_id = $1 ORDER BY seq`, [alarmId]);
    return { ...toAlarm(rows[0]), history: history.rows.map((r) => r.body as AlarmTransition) };
  }

  async transitionsAfter(seq: number, limit = 500): Promise<{ seq: number; body: AlarmTransition }[]> {
    const { rows } = await this.pool.query(`SELECT seq, body FROM ${this.s}.transitions WHERE seq > $1 ORDER BY seq LIMIT $2`, [seq, limit]);
    return rows.map((r) => ({ seq: Number(r.seq), body: r.body }));
  }

  async transitionsIn(seqs: number[]): Promise<{ seq: number; body: AlarmTransition }[]> {
    const { rows } = await this.pool.query(`SELECT seq, body FROM ${this.s}.transitions WHERE seq = ANY($1::bigint[]) ORDER BY seq`, [seqs]);
    return rows.map((r) => ({ seq: Number(r.seq), body: r.body }));
  }

  async lastTransitionSeq(): Promise<number> {
    const { rows } = await this.pool.query(`SELECT COALESCE(MAX(seq), 0) AS seq FROM ${this.s}.transitions`);
    return Number(rows[0].seq);
  }

  /** Delivery state of the given transitions on every channel. */
  notifications(transitionIds: string[]) {
    return this.outbox.forTransitions(transitionIds);
  }

  async openHighSeverityIssues() {
    const { rows } = await this.pool.query(`SELECT issue_id, site_id, machine_id, opened_at FROM ${this.s}.open_issues WHERE severity = 'high'`);
    return rows.map((r) => ({ issueId: r.issue_id as string, siteId: r.site_id as string, machineId: r.machine_id as string, openedAtMs: (r.opened_at as Date).getTime() }));
  }
}

function openAlarm(row: Record<string, any>): OpenAlarm {
  return { state: row.state as OpenAlarm['state'], level: row.level as OpenAlarm['level'], lastSeenAtMs: (row.last_seen_at as Date).getTime() };
}

function toAlarm(row: Record<string, any>) {
  return {
    alarmId: row.alarm_id as string,
    ruleId: row.rule_id as string,
    subject: row.subject as string,
    site: row.site as string,
    zone: (row.zone as string | null) ?? undefined,
    level: row.level as AlarmLevel,
    state: row.state as AlarmState,
    message: row.message as string,
    details: row.details as Record<string, unknown>,
    count: row.count as number,
    firstSeenAt: (row.first_seen_at as Date).toISOString(),
    lastSeenAt: (row.last_seen_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
  };
}

export type Alarm = ReturnType<typeof toAlarm>;

/** Operations inside one transaction. */
export class AlarmTx {
  recorded = 0;
  readonly telemetry: TelemetryTx;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly s: string,
    private readonly channels: string[],
  ) {
    this.telemetry = new TelemetryTx(client, s);
  }

  /** True the first time a message key is seen; redelivered messages are skipped. */
  async firstDelivery(source: string, key: string): Promise<boolean> {
    const { rowCount } = await this.client.query(`INSERT INTO ${this.s}.processed_messages (source, key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [source, key]);
    return rowCount === 1;
  }

  /**
   * Serialises the work on one sensor's stream across replicas until the transaction ends
   * (also for a sensor without a row yet, which a row lock could not cover).
   */
  async lockStream(kind: 'sensor' | 'zone', key: string): Promise<void> {
    await this.client.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [`${this.s}.${kind}`, key]);
  }

  /**
   * Applies issue events in the order they happened, not the order they arrived: true when the
   * event is the newest seen for its issue (and becomes its position), false for an older one,
   * which then changes nothing (a `resolved` that overtook its `created` stays resolved).
   */
  async newestIssueEvent(issue: { issueId: string; occurredAt: string; status: string }): Promise<boolean> {
    const { rowCount } = await this.client.query(
      `INSERT INTO ${this.s}.issue_positions AS p (issue_id, occurred_at, status) VALUES ($1, $2, $3)
       ON CONFLICT (issue_id) DO UPDATE SET occurred_at = EXCLUDED.occurred_at, status = EXCLUDED.status
       WHERE p.occurred_at <= EXCLUDED.occurred_at`,
      [issue.issueId, issue.occurredAt, issue.status],
    );
    return rowCount === 1;
  }

  async trackIssue(issue: { issueId: string; siteId: string; machineId: string; severity: string; status: string; occurredAt: string }): Promise<void> {
    if (issue.status === 'resolved' || issue.severity !== 'high') {
      await this.client.query(`DELETE FROM ${this.s}.open_issues WHERE issue_id = $1`, [issue.issueId]);
      return;
    }
    await this.client.query(
      `INSERT INTO ${this.s}.open_issues (issue_id, site_id, machine_id, severity, opened_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (issue_id) DO UPDATE SET severity = EXCLUDED.severity`,
      [issue.issueId, issue.siteId, issue.machineId, issue.severity, issue.occurredAt],
    );
  }

  /** Raises, refreshes or escalates the open alarm for the observation's rule and subject. */
  async observe(o: Observation): Promise<void> {
    const { rows } = await this.client.query(`SELECT * FROM ${this.s}.alarms WHERE rule_id = $1 AND subject = $2 AND state <> 'CLEARED_ACK' FOR UPDATE`, [o.ruleId, o.subject]);
    const current = rows[0];
    const outcome = nextAlarm(current ? openAlarm(current) : undefined, { kind: 'observed', level: o.level, atMs: o.atMs });
    if (outcome.change === 'raised') {
      const alarmId = randomUUID();
      await this.client.query(
        `INSERT INTO ${this.s}.alarms (alarm_id, rule_id, subject, site, zone, level, state, message, details, count, first_seen_at, last_seen_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, now())`,
        [alarmId, o.ruleId, o.subject, o.site, o.zone ?? null, outcome.level, outcome.state, o.message, o.details, new Date(o.atMs)],
      );
      await this.record(alarmId, undefined);
      return;
    }
    if (outcome.change !== 'observed') return;
    // A revision (a catalogue event relabelled) replaces level, message and details, even downwards, and is announced.
    const revised = o.revise === true && (o.level !== current.level || o.message !== current.message);
    const announce = outcome.announce || revised;
    // A transition re-announces the alarm with the observation's message and evidence.
    await this.client.query(
      `UPDATE ${this.s}.alarms SET count = count + 1, last_seen_at = $2, level = $3, state = $4,
         message = CASE WHEN $5 THEN $6 ELSE message END, details = CASE WHEN $5 THEN $7 ELSE details END, updated_at = now()
       WHERE alarm_id = $1`,
      [current.alarm_id, new Date(outcome.lastSeenAtMs), revised ? o.level : outcome.level, outcome.state, announce, o.message, o.details],
    );
    if (announce) await this.record(current.alarm_id, current.state);
  }

  /** Clears the open alarm once its condition has been normal for the hold time. */
  async normal(n: Normal, holdMs: number): Promise<void> {
    const { rows } = await this.client.query(
      `SELECT alarm_id, state, level, last_seen_at FROM ${this.s}.alarms WHERE rule_id = $1 AND subject = $2 AND state IN ('ACTIVE_UNACK', 'ACTIVE_ACK') FOR UPDATE`,
      [n.ruleId, n.subject],
    );
    const current = rows[0];
    const outcome = nextAlarm(current ? openAlarm(current) : undefined, { kind: 'normal', atMs: n.atMs, holdMs, ...(n.immediate ? { immediate: true } : {}) });
    if (outcome.change !== 'state') return;
    await this.client.query(`UPDATE ${this.s}.alarms SET state = $2, updated_at = now() WHERE alarm_id = $1`, [current.alarm_id, outcome.state]);
    await this.record(current.alarm_id, current.state);
  }

  /** An operator acknowledges; returns the new state, or undefined if there was nothing to acknowledge. */
  async acknowledge(alarmId: string, actor: string): Promise<AlarmState | undefined> {
    const { rows } = await this.client.query(`SELECT state, level, last_seen_at FROM ${this.s}.alarms WHERE alarm_id = $1 FOR UPDATE`, [alarmId]);
    const current = rows[0];
    const outcome = nextAlarm(current && current.state !== 'CLEARED_ACK' ? openAlarm(current) : undefined, { kind: 'acknowledged' });
    if (outcome.change !== 'state') return undefined;
    await this.client.query(`UPDATE ${this.s}.alarms SET state = $2, updated_at = now() WHERE alarm_id = $1`, [alarmId, outcome.state]);
    await this.record(alarmId, current.state, actor);
    return outcome.state;
  }

  private async record(alarmId: string, previousState: AlarmState | undefined, actor?: string): Promise<void> {
    const { rows } = await this.client.query(`SELECT * FROM ${this.s}.alarms WHERE alarm_id = $1`, [alarmId]);
    const a = toAlarm(rows[0]);
    const transition: AlarmTransition = {
      transitionId: randomUUID(),
      alarmId,
      ruleId: a.ruleId,
      subject: a.subject,
      site: a.site,
      ...(a.zone ? { zone: a.zone } : {}),
      level: a.level,
      state: a.state,
      ...(previousState ? { previousState } : {}),
      message: a.message,
      count: a.count,
      firstSeenAt: a.firstSeenAt,
      lastSeenAt: a.lastSeenAt,
      transitionAt: new Date().toISOString(),
      ...(actor ? { actor } : {}),
      details: a.details,
    };
    // The transition and its delivery rows, one per channel, in one statement.
    await this.client.query(
      `WITH t AS (INSERT INTO ${this.s}.transitions (transition_id, alarm_id, body) VALUES ($1, $2, $3) RETURNING seq)
       INSERT INTO ${this.s}.deliveries (channel, transition_seq) SELECT channel, t.seq FROM t, unnest($4::text[]) AS channel`,
      [transition.transitionId, alarmId, transition, this.channels],
    );
    this.recorded += 1;
  }
}
