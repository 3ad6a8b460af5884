import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AlarmLevel, AlarmState, AlarmTransition } from '@mine/contracts';
import { LEVEL_RANK } from './rules/limits.js';
import type { StaLtaSnapshot } from '@mine/vibration';
import { OutboxStore } from './outbox.js';
import type { Normal, Observation, PacketEvaluation, SeismicEvent, SensorMemory } from './rules/engine.js';

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

  constructor(
    readonly pool: pg.Pool,
    schema: string,
    /** notification channels: each transition gets a delivery row for each */
    private readonly channels: string[] = [],
  ) {
    this.s = ident(schema);
    this.outbox = new OutboxStore(pool, this.s);
  }

  async migrate(): Promise<void> {
    const s = this.s;
    await this.pool.query(`
      CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.alarms (
        alarm_id uuid PRIMARY KEY,
        rule_id text NOT NULL,
        subject text NOT NULL,
        site text NOT NULL,
        zone text,
        level text NOT NULL,
        state text NOT NULL,
        message text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        count integer NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS alarms_one_open ON ${s}.alarms (rule_id, subject) WHERE state <> 'CLEARED_ACK';
      CREATE TABLE IF NOT EXISTS ${s}.transitions (
        seq bigserial PRIMARY KEY,
        transition_id uuid NOT NULL UNIQUE,
        alarm_id uuid NOT NULL REFERENCES ${s}.alarms,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS transitions_pending ON ${s}.transitions (seq) WHERE dispatched_at IS NULL;
      CREATE TABLE IF NOT EXISTS ${s}.notifications (
        transition_id uuid NOT NULL,
        target text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (transition_id, target)
      );
      CREATE TABLE IF NOT EXISTS ${s}.processed_messages (
        source text NOT NULL,
        key text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, key)
      );
      CREATE TABLE IF NOT EXISTS ${s}.sensors (
        sensor_id text PRIMARY KEY,
        site text NOT NULL,
        zone text NOT NULL,
        last_sequence bigint NOT NULL,
        last_packet_at timestamptz NOT NULL,
        last_ppv double precision,
        received_at timestamptz NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${s}.seismic_events (
        sensor_id text NOT NULL,
        site text NOT NULL,
        zone text NOT NULL,
        on_time timestamptz NOT NULL,
        peak_ratio double precision NOT NULL,
        PRIMARY KEY (sensor_id, on_time)
      );
      CREATE INDEX IF NOT EXISTS seismic_events_zone ON ${s}.seismic_events (site, zone, on_time);
      CREATE TABLE IF NOT EXISTS ${s}.zone_ppv_minutes (
        site text NOT NULL,
        zone text NOT NULL,
        minute timestamptz NOT NULL,
        max_ppv double precision NOT NULL,
        PRIMARY KEY (site, zone, minute)
      );
      ALTER TABLE ${s}.sensors ADD COLUMN IF NOT EXISTS boot_id text;
      ALTER TABLE ${s}.sensors ADD COLUMN IF NOT EXISTS detector jsonb;
      ALTER TABLE ${s}.sensors ADD COLUMN IF NOT EXISTS sequence_resets integer NOT NULL DEFAULT 0;
      CREATE TABLE IF NOT EXISTS ${s}.deliveries (
        channel text NOT NULL,
        transition_seq bigint NOT NULL REFERENCES ${s}.transitions (seq),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        delivered_at timestamptz,
        last_error text,
        PRIMARY KEY (channel, transition_seq)
      );
      CREATE INDEX IF NOT EXISTS deliveries_due ON ${s}.deliveries (channel, transition_seq) WHERE delivered_at IS NULL;
      CREATE TABLE IF NOT EXISTS ${s}.issue_positions (
        issue_id text PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        status text NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${s}.open_issues (
        issue_id text PRIMARY KEY,
        site_id text NOT NULL,
        machine_id text NOT NULL,
        severity text NOT NULL,
        opened_at timestamptz NOT NULL
      );
    `);
    await this.adoptUndispatched();
  }

  /** Transitions recorded before the outbox (never handed to a channel) get their delivery rows. */
  private async adoptUndispatched(): Promise<void> {
    await this.pool.query(
      `WITH pending AS (UPDATE ${this.s}.transitions SET dispatched_at = now() WHERE dispatched_at IS NULL RETURNING seq)
       INSERT INTO ${this.s}.deliveries (channel, transition_seq) SELECT channel, pending.seq FROM pending, unnest($1::text[]) AS channel ON CONFLICT DO NOTHING`,
      [this.channels],
    );
  }

  /** Runs `work` in a transaction; the transitions it records are NOTIFYed on commit. */
  async transaction<T>(work: (tx: AlarmTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx = new AlarmTx(client, this.s, this.channels);
      const result = await work(tx);
      if (tx.recorded > 0) await client.query(`SELECT pg_notify($1, '')`, [TRANSITION_CHANNEL]);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
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

  async sensors() {
    const { rows } = await this.pool.query(`SELECT sensor_id, site, zone, boot_id, last_sequence, sequence_resets, last_packet_at, last_ppv, received_at FROM ${this.s}.sensors ORDER BY sensor_id`);
    return rows.map((r) => ({
      sensorId: r.sensor_id as string,
      site: r.site as string,
      zone: r.zone as string,
      bootId: (r.boot_id as string | null) ?? undefined,
      lastSequence: Number(r.last_sequence),
      sequenceResets: Number(r.sequence_resets),
      lastPacketAt: (r.last_packet_at as Date).toISOString(),
      lastPpvMmS: r.last_ppv as number | null,
      receivedAt: (r.received_at as Date).toISOString(),
    }));
  }

  /** The largest PPV per zone and minute since `since`, for the control room's trend. */
  async zonePpv(since: Date) {
    const { rows } = await this.pool.query(`SELECT site, zone, minute, max_ppv FROM ${this.s}.zone_ppv_minutes WHERE minute >= $1 ORDER BY site, zone, minute`, [since]);
    return rows.map((r) => ({ site: r.site as string, zone: r.zone as string, minute: (r.minute as Date).toISOString(), ppvMmS: r.max_ppv as number }));
  }

  async openHighSeverityIssues() {
    const { rows } = await this.pool.query(`SELECT issue_id, site_id, machine_id, opened_at FROM ${this.s}.open_issues WHERE severity = 'high'`);
    return rows.map((r) => ({ issueId: r.issue_id as string, siteId: r.site_id as string, machineId: r.machine_id as string, openedAtMs: (r.opened_at as Date).getTime() }));
  }
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

  constructor(
    private readonly client: pg.PoolClient,
    private readonly s: string,
    private readonly channels: string[],
  ) {}

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

  /** What the rules remember of a sensor: its stream position and STA/LTA detector. */
  async sensorMemory(sensorId: string): Promise<SensorMemory> {
    const { rows } = await this.client.query(`SELECT boot_id, last_sequence, last_packet_at, detector FROM ${this.s}.sensors WHERE sensor_id = $1`, [sensorId]);
    const row = rows[0];
    if (!row) return {};
    return {
      position: { bootId: (row.boot_id as string | null) ?? undefined, lastSequence: Number(row.last_sequence), lastPacketAtMs: (row.last_packet_at as Date).getTime() },
      ...(row.detector ? { detector: row.detector as StaLtaSnapshot } : {}),
    };
  }

  /** Stores the sensor's memory after a packet, with the packet's PPV when it is the newest. */
  async recordPacket(p: { sensorId: string; site: string; zone: string; ppv: number; newest: boolean; reset: boolean }, memory: PacketEvaluation['memory']): Promise<void> {
    const { position } = memory;
    await this.client.query(
      `INSERT INTO ${this.s}.sensors (sensor_id, site, zone, last_sequence, last_packet_at, last_ppv, received_at, boot_id, detector)
       VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8)
       ON CONFLICT (sensor_id) DO UPDATE SET site = EXCLUDED.site, zone = EXCLUDED.zone,
         last_sequence = EXCLUDED.last_sequence, last_packet_at = EXCLUDED.last_packet_at, boot_id = EXCLUDED.boot_id, detector = EXCLUDED.detector,
         last_ppv = CASE WHEN $9 THEN EXCLUDED.last_ppv ELSE ${this.s}.sensors.last_ppv END,
         sequence_resets = ${this.s}.sensors.sequence_resets + CASE WHEN $10 THEN 1 ELSE 0 END,
         received_at = now()`,
      [p.sensorId, p.site, p.zone, position.lastSequence, new Date(position.lastPacketAtMs), p.ppv, position.bootId ?? null, memory.detector ? JSON.stringify(memory.detector) : null, p.newest, p.reset],
    );
  }

  async recordZonePpv(site: string, zone: string, at: string, ppv: number): Promise<void> {
    await this.client.query(
      `INSERT INTO ${this.s}.zone_ppv_minutes (site, zone, minute, max_ppv) VALUES ($1, $2, date_trunc('minute', $3::timestamptz), $4)
       ON CONFLICT (site, zone, minute) DO UPDATE SET max_ppv = GREATEST(${this.s}.zone_ppv_minutes.max_ppv, EXCLUDED.max_ppv)`,
      [site, zone, at, ppv],
    );
  }

  async recordEvents(events: SeismicEvent[]): Promise<void> {
    for (const e of events) {
      await this.client.query(
        `INSERT INTO ${this.s}.seismic_events (sensor_id, site, zone, on_time, peak_ratio) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [e.sensorId, e.site, e.zone, new Date(e.onTimeMs), e.peakRatio],
      );
    }
  }

  async zoneEventTimes(site: string, zone: string, sinceMs: number): Promise<number[]> {
    const { rows } = await this.client.query(`SELECT on_time FROM ${this.s}.seismic_events WHERE site = $1 AND zone = $2 AND on_time >= $3 ORDER BY on_time`, [site, zone, new Date(sinceMs)]);
    return rows.map((r) => (r.on_time as Date).getTime());
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
    const at = new Date(o.atMs);
    const current = rows[0];
    if (!current) {
      const alarmId = randomUUID();
      await this.client.query(
        `INSERT INTO ${this.s}.alarms (alarm_id, rule_id, subject, site, zone, level, state, message, details, count, first_seen_at, last_seen_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'ACTIVE_UNACK', $7, $8, 1, $9, $9, now())`,
        [alarmId, o.ruleId, o.subject, o.site, o.zone ?? null, o.level, o.message, o.details, at],
      );
      await this.record(alarmId, undefined);
      return;
    }
    const escalated = LEVEL_RANK[o.level] > LEVEL_RANK[current.level as AlarmLevel];
    const returned = current.state === 'CLEARED_UNACK';
    // A revision (a catalogue event relabelled) replaces level, message and details, even downwards, and is announced.
    const revised = o.revise === true && (o.level !== current.level || o.message !== current.message);
    // Escalation or a return re-announces the alarm and asks for a fresh acknowledgement.
    const state = escalated || returned ? 'ACTIVE_UNACK' : current.state;
    const announce = escalated || returned || revised;
    await this.client.query(
      `UPDATE ${this.s}.alarms SET count = count + 1, last_seen_at = GREATEST(last_seen_at, $2), level = $3, state = $4,
         message = CASE WHEN $5 THEN $6 ELSE message END, details = CASE WHEN $5 THEN $7 ELSE details END, updated_at = now()
       WHERE alarm_id = $1`,
      [current.alarm_id, at, escalated || revised ? o.level : current.level, state, announce, o.message, o.details],
    );
    if (announce) await this.record(current.alarm_id, current.state);
  }

  /** Clears the open alarm once its condition has been normal for the hold time. */
  async normal(n: Normal, holdMs: number): Promise<void> {
    const { rows } = await this.client.query(
      `SELECT alarm_id, state, last_seen_at FROM ${this.s}.alarms WHERE rule_id = $1 AND subject = $2 AND state IN ('ACTIVE_UNACK', 'ACTIVE_ACK') FOR UPDATE`,
      [n.ruleId, n.subject],
    );
    const current = rows[0];
    if (!current) return;
    if (!n.immediate && n.atMs - (current.last_seen_at as Date).getTime() < holdMs) return;
    const state = current.state === 'ACTIVE_ACK' ? 'CLEARED_ACK' : 'CLEARED_UNACK';
    await this.client.query(`UPDATE ${this.s}.alarms SET state = $2, updated_at = now() WHERE alarm_id = $1`, [current.alarm_id, state]);
    await this.record(current.alarm_id, current.state);
  }

  /** An operator acknowledges; returns the new state, or undefined if there was nothing to acknowledge. */
  async acknowledge(alarmId: string, actor: string): Promise<AlarmState | undefined> {
    const { rows } = await this.client.query(`SELECT state FROM ${this.s}.alarms WHERE alarm_id = $1 FOR UPDATE`, [alarmId]);
    const from = rows[0]?.state as AlarmState | undefined;
    const to = from === 'ACTIVE_UNACK' ? 'ACTIVE_ACK' : from === 'CLEARED_UNACK' ? 'CLEARED_ACK' : undefined;
    if (!from || !to) return undefined;
    await this.client.query(`UPDATE ${this.s}.alarms SET state = $2, updated_at = now() WHERE alarm_id = $1`, [alarmId, to]);
    await this.record(alarmId, from, actor);
    return to;
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
      `WITH t AS (INSERT INTO ${this.s}.transitions (transition_id, alarm_id, body, dispatched_at) VALUES ($1, $2, $3, now()) RETURNING seq)
       INSERT INTO ${this.s}.deliveries (channel, transition_seq) SELECT channel, t.seq FROM t, unnest($4::text[]) AS channel`,
      [transition.transitionId, alarmId, transition, this.channels],
    );
    this.recorded += 1;
  }
}
