import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import { AlarmTransition, compileValidator } from '@mine/contracts';
import { Subscriber, type Logger, type PubSubMetrics } from '@mine/platform';
import type { LaneHealth, OutboxStore } from './outbox.js';

export const HISTORY_CHANNEL = 'bigquery-history';

export interface AlarmHistoryOptions {
  subscription: string;
  deadLetterTopic: string;
  bigquery: BigQuery;
  dataset: string;
  table: string;
  /** failed inserts in a row, in this replica, before the platform alarm */
  alarmAfterFailures: number;
  health: LaneHealth;
  /** what the history already holds: the emulator ignores insertId, and real BigQuery dedupes only best effort */
  outbox: OutboxStore;
  logger: Logger;
  metrics?: PubSubMetrics;
}

/**
 * The BigQuery history lane: consumes the `alerts` topic (so nothing is published into the
 * void) and streams each transition into `ops.alarm_transitions`, insertId = transitionId.
 * A failed insert is nacked: the subscription's retry policy backs off (capped exponential),
 * it has no dead-letter topic, so a transition stays retryable for the topic's retention,
 * and after a few failures in a row the platform alarm is raised. Its own subscription, so a
 * BigQuery outage holds up neither the topic nor any webhook. (On GCP a BigQuery
 * subscription could do the same; the local emulator accepts one but writes nothing.)
 */
export function alarmHistorySubscriber(pubsub: PubSub, options: AlarmHistoryOptions): Subscriber<typeof AlarmTransition> {
  let failuresInARow = 0;
  return new Subscriber(pubsub, {
    subscription: options.subscription,
    validator: compileValidator(AlarmTransition),
    deadLetterTopic: options.deadLetterTopic,
    maxInFlight: 200,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    handle: async ({ body: t }) => {
      if (await options.outbox.historyHas(t.transitionId)) return;
      try {
        await options.bigquery
          .dataset(options.dataset)
          .table(options.table)
          .insert([{ insertId: t.transitionId, json: { ...t, details: JSON.stringify(t.details ?? {}) } }], { raw: true });
      } catch (error) {
        failuresInARow += 1;
        if (failuresInARow >= options.alarmAfterFailures) await options.health.failing(HISTORY_CHANNEL, failuresInARow, describe(error)).catch(() => undefined);
        throw error;
      }
      failuresInARow = 0;
      await options.outbox.historyWritten(t.transitionId);
      await options.health.recovered(HISTORY_CHANNEL).catch(() => undefined);
    },
  });
}

function describe(error: unknown): string {
  const rows = (error as { errors?: { errors?: { message?: string }[] }[] }).errors;
  const first = rows?.[0]?.errors?.[0]?.message;
  return first ? `row refused: ${first}` : (error as Error).message;
}
