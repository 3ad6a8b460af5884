import type { BigQuery } from '@google-cloud/bigquery';
import type { MachineryIssueEvent } from '@mine/contracts';
import { Batcher, PoisonMessageError, type Logger, type Pending } from '@mine/platform';

interface RowError {
  row?: { insertId?: string };
  errors?: { reason?: string; message?: string }[];
}

/**
 * Streams issue events into BigQuery in batches. Each row's insertId is the
 * event id (BigQuery's best-effort dedupe); the marts views also dedupe by event
 * id, which is what makes redelivery harmless everywhere, the emulator included.
 * A row BigQuery refuses is dead-lettered with BigQuery's reason; a failed
 * request leaves the whole batch for redelivery.
 */
export class BigQuerySink {
  private readonly batcher: Batcher<MachineryIssueEvent>;

  constructor(
    private readonly bigquery: BigQuery,
    private readonly table: { dataset: string; table: string },
    private readonly options: { batchSize: number; maxWaitMs: number; logger: Logger },
  ) {
    this.batcher = new Batcher({ maxItems: options.batchSize, maxWaitMs: options.maxWaitMs, write: (batch) => this.write(batch) });
  }

  /** Resolves once BigQuery has accepted the event's row. */
  add(event: MachineryIssueEvent): Promise<void> {
    return this.batcher.add(event);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  private async write(batch: Pending<MachineryIssueEvent>[]): Promise<void> {
    const rows = batch.map((p) => ({ insertId: p.item.eventId, json: p.item }));
    try {
      await this.bigquery.dataset(this.table.dataset).table(this.table.table).insert(rows, { raw: true });
      for (const p of batch) p.resolve();
    } catch (error) {
      const rowErrors = (error as { name?: string; errors?: RowError[] }).errors;
      if ((error as { name?: string }).name === 'PartialFailureError' && Array.isArray(rowErrors)) {
        const refused = new Map(rowErrors.map((e) => [e.row?.insertId, e.errors?.map((x) => `${x.reason}: ${x.message}`).join('; ') ?? 'refused']));
        for (const p of batch) {
          const reason = refused.get(p.item.eventId);
          if (reason) p.reject(new PoisonMessageError('bigquery_rejected', reason));
          // BigQuery stores none of a request's rows when any is invalid: the rest are retried.
          else p.reject(new Error('batch refused because of another row'));
        }
        return;
      }
      this.options.logger.warn({ err: error, rows: batch.length }, 'BigQuery insert failed; batch will be redelivered');
      for (const p of batch) p.reject(error as Error);
    }
  }
}
