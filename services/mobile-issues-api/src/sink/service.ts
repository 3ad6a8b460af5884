import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { PubSub } from '@google-cloud/pubsub';
import type { BigQuery } from '@google-cloud/bigquery';
import { MachineryIssueEvent, compileValidator } from '@mine/contracts';
import { Subscriber, createMetrics, observability, pubsubDataset, pubsubMetrics, startStreamLineage, type Logger } from '@mine/platform';
import type { SinkConfig } from '../config.js';
import { BigQuerySink } from './sink.js';

export const SINK_SERVICE = 'mobile-issues-sink';

/** The sink worker: `machinery-issues` into BigQuery raw_mobile.machinery_issue_events. */
export async function buildSink(deps: { config: SinkConfig; logger: Logger; pubsub: PubSub; bigquery: BigQuery }) {
  const { config, logger, bigquery } = deps;
  const { registry, prefix } = createMetrics(SINK_SERVICE);
  const [dataset, table] = config.EVENTS_TABLE.split('.') as [string, string];
  const sink = new BigQuerySink(bigquery, { dataset, table }, { batchSize: config.BATCH_SIZE, maxWaitMs: config.BATCH_MAX_WAIT_MS, logger });
  const input = pubsubDataset(config.GCP_PROJECT_ID, config.SUBSCRIPTION, 'subscription');
  const output = { namespace: 'bigquery', name: `${config.GCP_PROJECT_ID}.${config.EVENTS_TABLE}` };
  const lineage = await startStreamLineage(config, { logger, bigquery }, SINK_SERVICE, { inputs: [input], outputs: [output] });
  const subscriber = new Subscriber(deps.pubsub, {
    subscription: config.SUBSCRIPTION,
    maxDeliveryAttempts: config.MAX_DELIVERY_ATTEMPTS,
    lineage: { stream: lineage, dataset: input.name },
    validator: compileValidator(MachineryIssueEvent),
    deadLetterTopic: config.DEAD_LETTER_TOPIC,
    maxInFlight: config.BATCH_SIZE * 4,
    logger,
    metrics: pubsubMetrics(registry, prefix),
    handle: async (message) => {
      await sink.add(message.body);
      lineage.count(output.name);
    },
  });
  let draining = false;
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(observability, { registry, isDraining: () => draining, readiness: [{ name: 'events-table', check: async () => (await bigquery.dataset(dataset).table(table).exists())[0] }] });
  return {
    app,
    start: () => subscriber.start(),
    async close() {
      draining = true;
      const drained = subscriber.close();
      await sink.flush();
      await drained;
      await lineage.close();
      await app.close();
    },
  };
}
