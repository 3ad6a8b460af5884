import type { BigQuery } from '@google-cloud/bigquery';
import type { SeismicEvent } from '@mine/contracts';
import type { Counter, Logger, Publisher } from '@mine/platform';
import type { CatalogueStore } from './store.js';

/**
 * Delivers what the store holds undelivered: to `seismic-events` (attributes eventId, site and
 * kind, so subscribers can filter) and to `ops.seismic_events` (insertId = event id and decision
 * time, so a retry after a crash does not add a row). Marked delivered only after both.
 */
export class EventDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly store: CatalogueStore,
    private readonly publisher: Publisher,
    private readonly table: { client: BigQuery; dataset: string; table: string } | undefined,
    private readonly logger: Logger,
    private readonly delivered?: Counter<'outcome'>,
  ) {}

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => this.poke(), intervalMs);
    this.poke();
  }

  /** Delivers now (and once more if a delivery is already running); nothing while stopped. */
  poke(): void {
    if (!this.timer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliver()
      .catch((error) => this.logger.warn({ err: error }, 'event delivery failed; retrying'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async deliver(): Promise<void> {
    for (;;) {
      const events = await this.store.undelivered();
      if (events.length === 0) return;
      for (const event of events) await this.deliverOne(event);
    }
  }

  private async deliverOne(event: SeismicEvent): Promise<void> {
    try {
      await this.publisher.publish({ data: Buffer.from(JSON.stringify(event)), attributes: { eventId: event.eventId, site: event.site, kind: event.kind } });
      if (this.table)
        await this.table.client
          .dataset(this.table.dataset)
          .table(this.table.table)
          .insert([{ insertId: `${event.eventId}@${event.decidedAt}`, json: event }], { raw: true });
      await this.store.markDelivered(event);
      this.delivered?.inc({ outcome: 'delivered' });
    } catch (error) {
      this.delivered?.inc({ outcome: 'failed' });
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
