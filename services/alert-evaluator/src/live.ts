import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { AlarmTransition } from '@mine/contracts';
import type { Logger } from '@mine/platform';
import { TRANSITION_CHANNEL, type AlarmStore } from './store.js';

/**
 * Follows alarm transitions committed by any replica (PostgreSQL LISTEN/NOTIFY)
 * and re-emits them in commit order, for server-sent events and the dispatcher.
 */
export class TransitionFeed extends EventEmitter<{ transition: [AlarmTransition, number]; committed: [] }> {
  private client?: pg.Client;
  private lastSeq = 0;
  private reading = Promise.resolve();

  constructor(
    private readonly store: AlarmStore,
    private readonly connectionString: string,
    private readonly logger: Logger,
  ) {
    super();
    this.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.lastSeq = await this.store.lastTransitionSeq();
    this.client = new pg.Client({ connectionString: this.connectionString });
    this.client.on('error', (error) => this.logger.error({ err: error }, 'transition feed connection failed'));
    this.client.on('notification', () => this.catchUp());
    await this.client.connect();
    await this.client.query(`LISTEN ${TRANSITION_CHANNEL}`);
  }

  private catchUp(): void {
    this.emit('committed');
    this.reading = this.reading.then(async () => {
      try {
        for (;;) {
          const batch = await this.store.transitionsAfter(this.lastSeq);
          for (const { seq, body } of batch) {
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
    await this.reading;
    await this.client?.end();
  }
}
