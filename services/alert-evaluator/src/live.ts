import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { AlarmTransition } from '@mine/contracts';
import type { Logger } from '@mine/platform';
import { TRANSITION_CHANNEL, type AlarmStore } from './store.js';

export interface TransitionFeedOptions {
  /** first reconnect delay; doubles up to maxBackoffMs */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** how long a missing sequence number is waited for before it counts as rolled back */
  holeTimeoutMs?: number;
  /** catch-up poll while connected, in case a NOTIFY was lost */
  pollMs?: number;
  /** shown in pg_stat_activity, so an operator can tell the feed's connection apart */
  applicationName?: string;
}

/**
 * Follows alarm transitions committed by any replica (PostgreSQL LISTEN/NOTIFY) and
 * re-emits them, for server-sent events and the outbox lanes.
 *
 * - The LISTEN connection is watched: when it drops (PostgreSQL restarted, a network cut)
 *   the feed says so (`state`), reconnects with capped exponential backoff, catches up from
 *   the last transition it emitted and emits `resync`, so streams send a fresh snapshot.
 * - Sequence numbers are taken at insert, but transactions commit in any order: a reader
 *   that saw 12 may not yet see 11. A number skipped over is remembered as a hole and looked
 *   up again on every catch-up until it appears (emitted then) or `holeTimeoutMs` passes
 *   (its transaction rolled back), so no committed transition is skipped.
 */
export class TransitionFeed extends EventEmitter<{ transition: [AlarmTransition, number]; committed: []; resync: []; state: [boolean] }> {
  private client?: pg.Client;
  private lastSeq = 0;
  private readonly holes = new Map<number, number>();
  private reading = Promise.resolve();
  private closed = false;
  private connectedNow = false;
  private retryTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private failures = 0;
  private readonly options: Required<TransitionFeedOptions>;

  constructor(
    private readonly store: AlarmStore,
    private readonly connectionString: string,
    private readonly logger: Logger,
    options: TransitionFeedOptions = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.options = { minBackoffMs: 250, maxBackoffMs: 10_000, holeTimeoutMs: 30_000, pollMs: 5_000, applicationName: 'alert-evaluator transition feed', ...options };
  }

  /** True while the LISTEN connection is up (readiness, and the screen's badge). */
  get connected(): boolean {
    return this.connectedNow;
  }

  async start(): Promise<void> {
    this.lastSeq = await this.store.lastTransitionSeq();
    await this.connect();
    this.pollTimer = setInterval(() => this.catchUp(), this.options.pollMs);
    this.pollTimer.unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: this.options.applicationName });
    this.client = client;
    const lost = (error?: Error) => {
      if (this.client !== client || this.closed) return;
      this.client = undefined;
      this.setConnected(false);
      this.logger.error({ err: error }, 'transition feed connection lost; reconnecting');
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => this.catchUp());
    await client.connect();
    await client.query(`LISTEN ${TRANSITION_CHANNEL}`);
    this.failures = 0;
    this.setConnected(true);
    // Whatever committed while nobody listened.
    this.catchUp();
  }

  private scheduleReconnect(): void {
    const delay = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** this.failures);
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      this.connect()
        .then(() => this.emit('resync'))
        .catch((error: unknown) => {
          if (this.closed) return;
          this.logger.warn({ err: error, attempt: this.failures }, 'transition feed reconnect failed');
          this.client?.end().catch(() => undefined);
          this.client = undefined;
          this.scheduleReconnect();
        });
    }, delay);
  }

  private setConnected(connected: boolean): void {
    if (this.connectedNow === connected) return;
    this.connectedNow = connected;
    this.emit('state', connected);
  }

  private catchUp(): void {
    this.emit('committed');
    this.reading = this.reading.then(async () => {
      try {
        if (this.holes.size > 0) {
          for (const { seq, body } of await this.store.transitionsIn([...this.holes.keys()])) {
            this.holes.delete(seq);
            this.emit('transition', body, seq);
          }
          const expired = Date.now() - this.options.holeTimeoutMs;
          for (const [seq, since] of this.holes) if (since < expired) this.holes.delete(seq);
        }
        for (;;) {
          const batch = await this.store.transitionsAfter(this.lastSeq);
          for (const { seq, body } of batch) {
            // Bounded: a gap wider than this is a rolled-back burst, not transactions still open.
            for (let missing = Math.max(this.lastSeq + 1, seq - 1000); missing < seq; missing++) this.holes.set(missing, Date.now());
            this.lastSeq = seq;
            this.emit('transition', body, seq);
          }
          if (batch.length < 500) break;
        }
      } catch (error) {
        this.logger.warn({ err: error }, 'reading transitions failed');
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pollTimer);
    await this.reading;
    await this.client?.end().catch(() => undefined);
  }
}
