import type pg from 'pg';
import type { Counter, Logger } from '@mine/platform';
import { ident } from './store.js';

export interface RetentionPolicy {
  /** dedupe records: a redelivery older than this is no longer recognised (Pub/Sub redelivers within minutes; a replay further back re-evaluates) */
  dedupeHours: number;
  /** per-minute zone PPV for the control room's trend */
  zonePpvHours: number;
  /** seismic events: at least the longest rate/forecast look-back */
  eventDays: number;
  /** closed alarms with their transitions and deliveries, and issue positions */
  historyDays: number;
}

/** One growing table's rule: which rows have aged out. Adding a table is adding an entry. */
interface RetentionRule {
  table: string;
  /** a SELECT of the ctids to delete, $1 = cut-off, $2 = batch size */
  expired: (s: string) => string;
  cutoff: (policy: RetentionPolicy, nowMs: number) => Date;
}

const hours = (h: number, nowMs: number) => new Date(nowMs - h * 3_600_000);

const RULES: RetentionRule[] = [
  { table: 'processed_messages', expired: (s) => `SELECT ctid FROM ${s}.processed_messages WHERE processed_at < $1 LIMIT $2`, cutoff: (p, now) => hours(p.dedupeHours, now) },
  { table: 'zone_ppv_minutes', expired: (s) => `SELECT ctid FROM ${s}.zone_ppv_minutes WHERE minute < $1 LIMIT $2`, cutoff: (p, now) => hours(p.zonePpvHours, now) },
  { table: 'seismic_events', expired: (s) => `SELECT ctid FROM ${s}.seismic_events WHERE on_time < $1 LIMIT $2`, cutoff: (p, now) => hours(p.eventDays * 24, now) },
  {
    table: 'deliveries',
    expired: (s) => `SELECT d.ctid FROM ${s}.deliveries d JOIN ${s}.transitions t ON t.seq = d.transition_seq JOIN ${s}.alarms a ON a.alarm_id = t.alarm_id
      WHERE a.state = 'CLEARED_ACK' AND a.updated_at < $1 AND d.delivered_at IS NOT NULL LIMIT $2`,
    cutoff: (p, now) => hours(p.historyDays * 24, now),
  },
  {
    // Only once every channel has it: an undelivered transition is never dropped.
    table: 'transitions',
    expired: (s) => `SELECT t.ctid FROM ${s}.transitions t JOIN ${s}.alarms a ON a.alarm_id = t.alarm_id
      WHERE a.state = 'CLEARED_ACK' AND a.updated_at < $1 AND NOT EXISTS (SELECT 1 FROM ${s}.deliveries d WHERE d.transition_seq = t.seq) LIMIT $2`,
    cutoff: (p, now) => hours(p.historyDays * 24, now),
  },
  {
    table: 'alarms',
    expired: (s) => `SELECT a.ctid FROM ${s}.alarms a WHERE a.state = 'CLEARED_ACK' AND a.updated_at < $1 AND NOT EXISTS (SELECT 1 FROM ${s}.transitions t WHERE t.alarm_id = a.alarm_id) LIMIT $2`,
    cutoff: (p, now) => hours(p.historyDays * 24, now),
  },
  { table: 'history_written', expired: (s) => `SELECT ctid FROM ${s}.history_written WHERE written_at < $1 LIMIT $2`, cutoff: (p, now) => hours(p.historyDays * 24, now) },
  { table: 'issue_positions', expired: (s) => `SELECT ctid FROM ${s}.issue_positions WHERE occurred_at < $1 LIMIT $2`, cutoff: (p, now) => hours(p.historyDays * 24, now) },
];

/**
 * Deletes aged-out rows of every growing table, in batches (short locks, no bloat spike),
 * in one replica at a time (a session advisory lock; the others skip the round).
 */
export class Retention {
  private readonly s: string;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
    private readonly policy: RetentionPolicy,
    private readonly logger: Logger,
    private readonly deleted?: Counter<'table'>,
  ) {
    this.s = ident(schema);
  }

  /** The tables covered, for the docs and a test that nothing growing is forgotten. */
  static readonly tables = RULES.map((r) => r.table);

  async runOnce(nowMs = Date.now(), batchSize = 5_000): Promise<Record<string, number>> {
    const client = await this.pool.connect();
    const counts: Record<string, number> = {};
    try {
      const { rows } = await client.query(`SELECT pg_try_advisory_lock(hashtext($1), 0) AS locked`, [`${this.s}.retention`]);
      if (!rows[0].locked) return counts;
      try {
        for (const rule of RULES) {
          const cutoff = rule.cutoff(this.policy, nowMs);
          let total = 0;
          for (;;) {
            const { rowCount } = await client.query(`DELETE FROM ${this.s}.${rule.table} WHERE ctid IN (${rule.expired(this.s)})`, [cutoff, batchSize]);
            total += rowCount ?? 0;
            if ((rowCount ?? 0) < batchSize) break;
          }
          counts[rule.table] = total;
          if (total) this.deleted?.inc({ table: rule.table }, total);
        }
      } finally {
        await client.query(`SELECT pg_advisory_unlock(hashtext($1), 0)`, [`${this.s}.retention`]);
      }
    } finally {
      client.release();
    }
    if (Object.values(counts).some((n) => n > 0)) this.logger.info({ deleted: counts }, 'retention removed aged-out rows');
    return counts;
  }
}
