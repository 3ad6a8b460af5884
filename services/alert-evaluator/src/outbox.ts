import type pg from 'pg';
import type { AlarmTransition } from '@mine/contracts';
import type { Counter, Logger } from '@mine/platform';

/** A claimed delivery: one transition for one channel. */
export interface Delivery {
  seq: number;
  /** failed attempts so far */
  attempts: number;
  transition: AlarmTransition;
}

/**
 * Where transitions go. `deliver` settles each delivery on its own: the seqs it returns as
 * failed (with the reason) are retried later, the others are done. A throw fails them all.
 */
export interface Channel {
  /** stable name, the delivery rows' key; shown in alarms and metrics (never a URL's secrets) */
  readonly name: string;
  /** deliveries in flight at once on this channel (a slow receiver holds up only its own lane) */
  readonly concurrency: number;
  /** deliveries handed to one `deliver` call: 1 for a webhook, a batch for a topic */
  readonly batchSize: number;
  deliver(deliveries: Delivery[]): Promise<Map<number, string>>;
}

export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
}

/** Capped exponential backoff with ±20 % jitter, so failing lanes of several replicas do not retry in step. */
export function retryDelayMs(failedAttempts: number, policy: BackoffPolicy, random = Math.random): number {
  const base = Math.min(policy.maxMs, policy.minMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

const LEASE_SECONDS = 60;

/**
 * The outbox: each transition gets one delivery row per channel in the transaction that
 * records it. Each channel is a lane with its own position (its undelivered rows, oldest
 * first) so a channel that is down, slow or refusing holds up nobody else. Rows are claimed
 * with FOR UPDATE SKIP LOCKED under a lease, so across replicas one transition goes to one
 * channel once (a replica that dies mid-delivery leaves its claim to expire, then another
 * retries it: receivers get `idempotency-key` for that case).
 */
export class OutboxStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
  ) {}

  async claim(channel: string, limit: number): Promise<Delivery[]> {
    const { rows } = await this.pool.query(
      `UPDATE ${this.s}.deliveries d SET claimed_until = now() + make_interval(secs => ${LEASE_SECONDS})
       FROM ${this.s}.transitions t
       WHERE t.seq = d.transition_seq AND (d.channel, d.transition_seq) IN (
         SELECT channel, transition_seq FROM ${this.s}.deliveries
         WHERE channel = $1 AND delivered_at IS NULL AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY transition_seq LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING d.transition_seq, d.attempts, t.body`,
      [channel, limit],
    );
    return rows.map((r) => ({ seq: Number(r.transition_seq), attempts: r.attempts as number, transition: r.body as AlarmTransition })).sort((a, b) => a.seq - b.seq);
  }

  /** Marks deliveries done; a transition every channel has is marked dispatched (what operators and tools wait on). */
  async delivered(channel: string, seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.pool.query(
      `WITH done AS (
         UPDATE ${this.s}.deliveries SET delivered_at = now(), attempts = attempts + 1, claimed_until = NULL, last_error = NULL
         WHERE channel = $1 AND transition_seq = ANY($2::bigint[]) RETURNING transition_seq)
       UPDATE ${this.s}.transitions t SET dispatched_at = now()
       WHERE t.seq IN (SELECT transition_seq FROM done) AND t.dispatched_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM ${this.s}.deliveries d WHERE d.transition_seq = t.seq AND d.channel <> $1 AND d.delivered_at IS NULL)`,
      [channel, seqs],
    );
  }

  /** Records a failed attempt and when to try again; returns the failed-attempt counts. */
  async failed(channel: string, failures: { seq: number; error: string; retryInMs: number }[]): Promise<void> {
    if (failures.length === 0) return;
    await this.pool.query(
      `UPDATE ${this.s}.deliveries d SET attempts = d.attempts + 1, last_error = f.error, claimed_until = NULL,
         next_attempt_at = now() + make_interval(secs => f.retry_ms / 1000.0)
       FROM unnest($2::bigint[], $3::text[], $4::double precision[]) AS f(seq, error, retry_ms)
       WHERE d.channel = $1 AND d.transition_seq = f.seq`,
      [channel, failures.map((f) => f.seq), failures.map((f) => f.error.slice(0, 1000)), failures.map((f) => f.retryInMs)],
    );
  }

  /** When the lane's next undelivered row falls due, or undefined when it has none. */
  async nextDue(channel: string): Promise<Date | undefined> {
    const { rows } = await this.pool.query(
      `SELECT min(GREATEST(next_attempt_at, COALESCE(claimed_until, next_attempt_at))) AS due FROM ${this.s}.deliveries WHERE channel = $1 AND delivered_at IS NULL`,
      [channel],
    );
    return (rows[0]?.due as Date | null) ?? undefined;
  }

  /** Whether the BigQuery history already holds the transition (the topic may carry it twice after a crash). */
  async historyHas(transitionId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM ${this.s}.history_written WHERE transition_id = $1`, [transitionId]);
    return (rowCount ?? 0) > 0;
  }

  async historyWritten(transitionId: string): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.s}.history_written (transition_id) VALUES ($1) ON CONFLICT DO NOTHING`, [transitionId]);
  }

  /** Delivery state of the given transitions, for the alarm's page. */
  async forTransitions(transitionIds: string[]) {
    const { rows } = await this.pool.query(
      `SELECT t.transition_id, d.channel AS target, CASE WHEN d.delivered_at IS NOT NULL THEN 'delivered' WHEN d.attempts > 0 THEN 'retrying' ELSE 'pending' END AS status,
         d.attempts, d.last_error, d.next_attempt_at
       FROM ${this.s}.deliveries d JOIN ${this.s}.transitions t ON t.seq = d.transition_seq
       WHERE t.transition_id = ANY($1::uuid[]) ORDER BY d.transition_seq, d.channel`,
      [transitionIds],
    );
    return rows;
  }
}

export interface LaneHealth {
  /** a delivery on the channel has now failed `attempts` times in a row */
  failing(channel: string, attempts: number, error: string): Promise<void>;
  /** a delivery on the channel went through */
  recovered(channel: string): Promise<void>;
}

export interface OutboxOptions {
  backoff: BackoffPolicy;
  logger: Logger;
  health: LaneHealth;
  metrics?: { dispatched: Counter<'target' | 'outcome'> };
}

/** Runs one lane per channel in this replica; every replica runs them all, the claims share the work. */
export class Outbox {
  private running = false;
  private readonly lanes: Lane[];

  constructor(store: OutboxStore, channels: Channel[], options: OutboxOptions) {
    this.lanes = channels.map((channel) => new Lane(store, channel, options));
  }

  start(): void {
    this.running = true;
    for (const lane of this.lanes) lane.start();
  }

  /** A transition was committed (here or, through NOTIFY, by another replica): look now. */
  poke(): void {
    if (this.running) for (const lane of this.lanes) lane.poke();
  }

  async close(): Promise<void> {
    this.running = false;
    await Promise.all(this.lanes.map((lane) => lane.close()));
  }
}

class Lane {
  private running = false;
  private poked = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: OutboxStore,
    private readonly channel: Channel,
    private readonly options: OutboxOptions,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const { channel, options } = this;
    while (this.running) {
      this.poked = false;
      try {
        // Keep up to `concurrency` batches in flight; claim more as slots free up.
        while (this.running && this.inFlight.size < channel.concurrency) {
          const claimed = await this.store.claim(channel.name, channel.batchSize);
          if (claimed.length === 0) break;
          const work = this.deliver(claimed).finally(() => {
            this.inFlight.delete(work);
            this.poke();
          });
          this.inFlight.add(work);
        }
      } catch (error) {
        options.logger.warn({ err: error, channel: channel.name }, 'claiming deliveries failed; retrying');
      }
      if (this.poked || !this.running) continue;
      await this.sleep(await this.untilDue());
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private async untilDue(): Promise<number> {
    if (this.inFlight.size >= this.channel.concurrency) return 1_000;
    const due = await this.store.nextDue(this.channel.name).catch(() => undefined);
    if (!due) return 1_000;
    return Math.min(1_000, Math.max(5, due.getTime() - Date.now()));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async deliver(claimed: Delivery[]): Promise<void> {
    const { channel, options } = this;
    let failures: Map<number, string>;
    try {
      failures = await channel.deliver(claimed);
    } catch (error) {
      failures = new Map(claimed.map((d) => [d.seq, (error as Error).message]));
    }
    const ok = claimed.filter((d) => !failures.has(d.seq)).map((d) => d.seq);
    const failed = claimed.filter((d) => failures.has(d.seq)).map((d) => ({ seq: d.seq, attempts: d.attempts + 1, error: failures.get(d.seq)! }));
    try {
      await this.store.delivered(channel.name, ok);
      await this.store.failed(channel.name, failed.map((f) => ({ seq: f.seq, error: f.error, retryInMs: retryDelayMs(f.attempts, options.backoff) })));
    } catch (error) {
      // The lease runs out and the deliveries are retried: receivers dedupe on idempotency-key.
      options.logger.warn({ err: error, channel: channel.name }, 'recording deliveries failed');
      return;
    }
    if (ok.length) options.metrics?.dispatched.inc({ target: channel.name, outcome: 'ok' }, ok.length);
    if (failed.length) options.metrics?.dispatched.inc({ target: channel.name, outcome: 'retry' }, failed.length);
    const worst = failed.reduce<(typeof failed)[number] | undefined>((w, f) => (!w || f.attempts > w.attempts ? f : w), undefined);
    try {
      if (worst) {
        options.logger.warn({ channel: channel.name, attempts: worst.attempts, error: worst.error }, 'delivery failed; will retry');
        await options.health.failing(channel.name, worst.attempts, worst.error);
      } else if (ok.length) await options.health.recovered(channel.name);
    } catch (error) {
      options.logger.warn({ err: error, channel: channel.name }, 'updating the delivery alarm failed');
    }
  }

  async close(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
