// The sink worker (mobile-issues-sink): `machinery-issues` into BigQuery raw_mobile.machinery_issue_events.
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { MachineryIssueEvent, compileValidator } from '@mine/contracts';
import { Subscriber, createBigQuery, createLogger, createMetrics, createPubSub, describeConfig, loadConfig, observability, pubsubMetrics, runService } from '@mine/platform';
import { SinkEnv } from './config.js';
import { BigQuerySink } from './sink/sink.js';

const SERVICE = 'mobile-issues-sink';
const config = loadConfig(SinkEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
logger.info({ config: describeConfig(SinkEnv, config) }, 'starting');

await runService({
  logger,
  start: async () => {
    const { registry, prefix } = createMetrics(SERVICE);
    const bigquery = createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION });
    const [dataset, table] = config.EVENTS_TABLE.split('.') as [string, string];
    const sink = new BigQuerySink(bigquery, { dataset, table }, { batchSize: config.BATCH_SIZE, maxWaitMs: config.BATCH_MAX_WAIT_MS, logger });
    const subscriber = new Subscriber(createPubSub(config.GCP_PROJECT_ID), {
      subscription: config.SUBSCRIPTION,
      validator: compileValidator(MachineryIssueEvent),
      deadLetterTopic: config.DEAD_LETTER_TOPIC,
      maxInFlight: config.BATCH_SIZE * 4,
      logger,
      metrics: pubsubMetrics(registry, prefix),
      handle: (message) => sink.add(message.body),
    });
    let draining = false;
    const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
    await app.register(observability, { registry, isDraining: () => draining, readiness: [{ name: 'events-table', check: async () => (await bigquery.dataset(dataset).table(table).exists())[0] }] });
    subscriber.start();
    await app.listen({ port: config.PORT, host: config.HOST });
    return {
      async close() {
        draining = true;
        const drained = subscriber.close();
        await sink.flush();
        await drained;
        await app.close();
      },
    };
  },
});
