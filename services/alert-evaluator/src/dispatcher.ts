import pRetry from 'p-retry';
import type { BigQuery } from '@google-cloud/bigquery';
import type { AlarmTransition } from '@mine/contracts';
import type { Counter, Logger, Publisher } from '@mine/platform';
import type { AlarmStore } from './store.js';

export interface DispatcherOptions {
  publisher: Publisher;
  bigquery?: { client: BigQuery; dataset: string; table: string };
  webhooks: string[];
  webhookAttempts: number;
  webhookMinBackoffMs: number;
  logger: Logger;
  metrics?: { dispatched: Counter<'target' | 'outcome'> };
  fetchImpl?: typeof fetch;
}

/**
 * Delivers recorded transitions from the outbox, in order: to the `alerts`
 * topic and the BigQuery history first, then to each webhook with retries and
 * backoff. A notification is claimed before it is sent, so each transition is
 * sent at most once per webhook (receivers also get an idempotency key, for the
 * one case of a crash between sending and recording it); one that never gets
 * through is recorded as dead with its last error.
 */
export class Dispatcher {
  private running = false;
  private poked = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    private readonly store: AlarmStore,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Called on NOTIFY and after local commits, so dispatch starts at once. */
  poke(): void {
    // Remembered, so a commit that lands while a dispatch is running is not left for the next poll.
    this.poked = true;
    this.wake?.();
  }

  async dispatchPending(): Promise<number> {
    const pending = await this.store.pendingTransitions(200);
    if (pending.length === 0) return 0;
    const bodies = pending.map((p) => p.body);
    await this.options.publisher.publishAll(
      bodies.map((t) => ({ data: t, attributes: { ruleId: t.ruleId, level: t.level, state: t.state, site: t.site, transitionId: t.transitionId } })),
    );
    this.options.metrics?.dispatched.inc({ target: 'pubsub', outcome: 'ok' }, bodies.length);
    if (this.options.bigquery) {
      const { client, dataset, table } = this.options.bigquery;
      await client
        .dataset(dataset)
        .table(table)
        .insert(bodies.map((t) => ({ insertId: t.transitionId, json: { ...t, details: JSON.stringify(t.details ?? {}) } })), { raw: true });
      this.options.metrics?.dispatched.inc({ target: 'bigquery', outcome: 'ok' }, bodies.length);
    }
    await this.store.enqueueNotifications(bodies.map((t) => t.transitionId), this.options.webhooks);
    await this.store.markDispatched(bodies.map((t) => t.transitionId));
    return bodies.length;
  }

  async deliverNotifications(): Promise<void> {
    for (const { transitionId, target, body } of await this.store.claimNotifications(50)) {
      await this.deliver(transitionId, target, body);
    }
  }

  private async deliver(transitionId: string, target: string, transition: AlarmTransition): Promise<void> {
    const fetchImpl = this.options.fetchImpl ?? fetch;
    let attempts = 0;
    try {
      await pRetry(
        async () => {
          attempts += 1;
          const response = await fetchImpl(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': transitionId },
            body: JSON.stringify(transition),
            signal: AbortSignal.timeout(5_000),
          });
          if (!response.ok) throw new Error(`webhook answered ${response.status}`);
        },
        { retries: this.options.webhookAttempts - 1, minTimeout: this.options.webhookMinBackoffMs, factor: 2, randomize: true },
      );
      await this.store.finishNotification(transitionId, target, { status: 'delivered', attempts });
      this.options.metrics?.dispatched.inc({ target: 'webhook', outcome: 'ok' });
    } catch (error) {
      await this.store.finishNotification(transitionId, target, { status: 'dead', attempts, error: (error as Error).message });
      this.options.metrics?.dispatched.inc({ target: 'webhook', outcome: 'dead' });
      this.options.logger.error({ err: error, transitionId, target, attempts }, 'webhook notification dead-lettered');
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.poked = false;
      try {
        while ((await this.dispatchPending()) > 0);
        await this.deliverNotifications();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'dispatch failed; retrying');
      }
      if (this.poked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async close(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
