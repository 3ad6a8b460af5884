import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pg from 'pg';
import type { PubSub } from '@google-cloud/pubsub';
import type { BigQuery } from '@google-cloud/bigquery';
import { MachineryIssueEvent, SeismicEvent, SensorReadingBatch, compileValidator, decodeSensorReadings } from '@mine/contracts';
import { Counter, Gauge, Publisher, Subscriber, createMetrics, observability, pubsubDataset, pubsubMetrics, splitList, startStreamLineage, type Logger } from '@mine/platform';
import { alarmRoutes } from './api.js';
import { TokenAuth } from './auth.js';
import { controlRoomSessions } from './session.js';
import type { AlertEvaluatorConfig } from './config.js';
import { alertsTopicChannel } from './channels/alerts-topic.js';
import { webhookChannel } from './channels/webhook.js';
import { DeliveryHealth } from './delivery-health.js';
import { alarmHistorySubscriber } from './history.js';
import { Outbox } from './outbox.js';
import { Retention } from './retention.js';
import { Evaluator } from './evaluator.js';
import { TransitionFeed } from './live.js';
import { RuleEngine } from './rules/engine.js';
import { Rules, RulesConfig } from './rules/rules-config.js';
import { AlarmStore } from './store.js';

export const SERVICE = 'alert-evaluator';

export interface AlertEvaluatorDependencies {
  config: AlertEvaluatorConfig;
  logger: Logger;
  pubsub: PubSub;
  bigquery?: BigQuery;
  /** Tests may pass a fetch that records webhook calls; production uses the global one. */
  fetchImpl?: typeof fetch;
}

export interface AlertEvaluator {
  app: FastifyInstance;
  store: AlarmStore;
  evaluator: Evaluator;
  retention: Retention;
  outbox: Outbox;
  /** Starts consuming and dispatching; the HTTP app is started by the caller (listen or inject). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the service from validated config and clients; nothing runs until start(). */
export async function buildAlertEvaluator(deps: AlertEvaluatorDependencies): Promise<AlertEvaluator> {
  const { config, logger, pubsub } = deps;
  const rules = new Rules(JSON.parse(config.RULES_JSON) as RulesConfig);
  const auth = new TokenAuth(config.API_TOKENS);
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
  pool.on('error', (error) => logger.error({ err: error }, 'idle PostgreSQL client failed'));
  const { registry, prefix } = createMetrics(SERVICE);
  const pubsubCounters = pubsubMetrics(registry, prefix);
  const inputs = [config.SENSOR_SUBSCRIPTION, config.ISSUE_SUBSCRIPTION].map((s) => pubsubDataset(config.GCP_PROJECT_ID, s, 'subscription'));
  const alertsTopic = pubsubDataset(config.GCP_PROJECT_ID, config.ALERTS_TOPIC);
  const lineage = await startStreamLineage(config, { logger, ...(deps.bigquery ? { bigquery: deps.bigquery } : {}) }, SERVICE, { inputs, outputs: [alertsTopic] });
  const publisher = new Publisher(pubsub, config.ALERTS_TOPIC, { maxMilliseconds: 5, metrics: pubsubCounters, lineage: { stream: lineage, dataset: alertsTopic.name } });
  // One lane per channel: the alerts topic (which feeds the BigQuery history) and each webhook.
  const channels = [
    alertsTopicChannel(publisher, { concurrency: config.DELIVERY_CONCURRENCY }),
    ...splitList(config.WEBHOOK_URLS).map((url) =>
      webhookChannel({ url, secret: config.WEBHOOK_SIGNING_SECRET, timeoutMs: config.WEBHOOK_TIMEOUT_MS, concurrency: config.DELIVERY_CONCURRENCY, ...(deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {}) }),
    ),
  ];
  if (splitList(config.WEBHOOK_URLS).length > 0 && !config.WEBHOOK_SIGNING_SECRET) logger.warn('WEBHOOK_SIGNING_SECRET is empty: webhooks go unsigned');
  const store = new AlarmStore(pool, config.PG_SCHEMA, channels.map((c) => c.name));
  await store.migrate();

  const evaluated = new Counter({ name: `${prefix}messages_evaluated_total`, help: 'messages evaluated, by source and outcome (evaluated, duplicate)', labelNames: ['source', 'outcome'] as const, registers: [registry] });
  const dispatched = new Counter({ name: `${prefix}transitions_dispatched_total`, help: 'alarm transitions delivered, by target and outcome', labelNames: ['target', 'outcome'] as const, registers: [registry] });

  const silentSensors = new Gauge({ name: `${prefix}sensors_silent`, help: 'sensors past their silence limit, per site (read from PostgreSQL: every replica reports the same)', labelNames: ['site'] as const, registers: [registry] });
  store.roundTrips = new Counter({ name: `${prefix}postgres_round_trips_total`, help: 'statements sent to PostgreSQL in transactions, by work (packet, other)', labelNames: ['work'] as const, registers: [registry] });
  const continuity = new Counter({ name: `${prefix}packets_by_continuity_total`, help: 'evaluated packets by how they follow their sensor’s stream (first, next, gap, reset, late)', labelNames: ['continuity'] as const, registers: [registry] });
  const evaluator = new Evaluator(store, new RuleEngine(rules), rules, { evaluated, continuity, silentSensors });
  const health = new DeliveryHealth(store, config.DELIVERY_ALARM_AFTER_ATTEMPTS);
  const outbox = new Outbox(store.outbox, channels, {
    backoff: { minMs: config.WEBHOOK_MIN_BACKOFF_MS, maxMs: config.DELIVERY_MAX_BACKOFF_MS },
    logger,
    health,
    metrics: { dispatched },
  });
  const retention = new Retention(
    pool,
    config.PG_SCHEMA,
    { dedupeHours: config.RETENTION_DEDUPE_HOURS, zonePpvHours: config.RETENTION_ZONE_PPV_HOURS, eventDays: config.RETENTION_EVENT_DAYS, historyDays: config.RETENTION_HISTORY_DAYS },
    logger,
    new Counter({ name: `${prefix}retention_deleted_rows_total`, help: 'rows removed by the retention job, by table', labelNames: ['table'] as const, registers: [registry] }),
  );
  const feed = new TransitionFeed(store, config.DATABASE_URL, logger, { applicationName: `alert-evaluator feed ${config.PG_SCHEMA}` });
  feed.on('committed', () => outbox.poke());

  const subscribers = [
    new Subscriber(pubsub, {
      subscription: config.SENSOR_SUBSCRIPTION,
      maxDeliveryAttempts: config.MAX_DELIVERY_ATTEMPTS,
      lineage: { stream: lineage, dataset: inputs[0]!.name },
      decode: decodeSensorReadings,
      validator: compileValidator(SensorReadingBatch),
      deadLetterTopic: config.SENSOR_DEAD_LETTER_TOPIC,
      maxInFlight: config.MAX_IN_FLIGHT,
      // The next message of a sensor is delivered only after this one's ack: send acks promptly.
      ackBatchMilliseconds: 5,
      logger,
      metrics: pubsubCounters,
      // Queued per sensor inside the evaluator, so the packets are evaluated in order.
      handle: async (message) => {
        await Promise.all(message.body.readings.map((reading) => evaluator.handleReading(reading)));
      },
    }),
    new Subscriber(pubsub, {
      subscription: config.SEISMIC_EVENT_SUBSCRIPTION,
      maxDeliveryAttempts: config.MAX_DELIVERY_ATTEMPTS,
      validator: compileValidator(SeismicEvent),
      deadLetterTopic: config.SEISMIC_EVENT_DEAD_LETTER_TOPIC,
      maxInFlight: config.MAX_IN_FLIGHT,
      logger,
      metrics: pubsubCounters,
      handle: (message) => evaluator.handleSeismicEvent(message.body),
    }),
    new Subscriber(pubsub, {
      subscription: config.ISSUE_SUBSCRIPTION,
      maxDeliveryAttempts: config.MAX_DELIVERY_ATTEMPTS,
      lineage: { stream: lineage, dataset: inputs[1]!.name },
      validator: compileValidator(MachineryIssueEvent),
      deadLetterTopic: config.ISSUE_DEAD_LETTER_TOPIC,
      maxInFlight: config.MAX_IN_FLIGHT,
      logger,
      metrics: pubsubCounters,
      handle: (message) => evaluator.handleIssue(message.body),
    }),
    ...(deps.bigquery
      ? [
          alarmHistorySubscriber(pubsub, {
            subscription: config.ALARM_HISTORY_SUBSCRIPTION,
            deadLetterTopic: config.ALERTS_DEAD_LETTER_TOPIC,
            bigquery: deps.bigquery,
            dataset: config.ALARM_HISTORY_TABLE.split('.')[0]!,
            table: config.ALARM_HISTORY_TABLE.split('.')[1]!,
            alarmAfterFailures: config.DELIVERY_ALARM_AFTER_ATTEMPTS,
            health,
            outbox: store.outbox,
            logger,
            metrics: pubsubCounters,
          }),
        ]
      : []),
  ];

  let draining = false;
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(observability, {
    registry,
    isDraining: () => draining,
    readiness: [
      { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
      // A replica whose LISTEN connection is down would serve streams that say nothing.
      { name: 'transition-feed', check: async () => feed.connected },
    ],
  });
  const streams = new Set<import('node:http').ServerResponse>();
  await app.register(controlRoomSessions, { auth, tokensSpec: config.API_TOKENS });
  await app.register(alarmRoutes, { store, feed, auth, streams });

  let sweepTimer: NodeJS.Timeout | undefined;
  let retentionTimer: NodeJS.Timeout | undefined;
  return {
    app,
    store,
    evaluator,
    retention,
    outbox,
    async start() {
      await feed.start();
      outbox.start();
      for (const subscriber of subscribers) subscriber.start();
      sweepTimer = setInterval(() => {
        evaluator.sweep(Date.now()).catch((error) => logger.warn({ err: error }, 'sweep failed'));
      }, config.SWEEP_INTERVAL_SECONDS * 1000);
      retentionTimer = setInterval(() => {
        retention.runOnce().catch((error) => logger.warn({ err: error }, 'retention failed'));
      }, config.RETENTION_INTERVAL_MINUTES * 60_000);
    },
    async close() {
      draining = true;
      clearInterval(sweepTimer);
      clearInterval(retentionTimer);
      await Promise.all(subscribers.map((s) => s.close()));
      await outbox.close();
      await publisher.flush();
      // EventSource clients reconnect (to another replica) when their stream ends.
      for (const stream of streams) stream.end();
      await feed.close();
      await lineage.close();
      await app.close();
      await pool.end();
    },
  };
}
