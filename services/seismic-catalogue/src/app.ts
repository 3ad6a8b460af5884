import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pg from 'pg';
import type { PubSub } from '@google-cloud/pubsub';
import type { BigQuery } from '@google-cloud/bigquery';
import { SensorReadingBatch, compileValidator, decodeSensorReadings, type SeismicEvent } from '@mine/contracts';
import { Counter, Publisher, Subscriber, TokenAuth, createMetrics, observability, pubsubMetrics, type Logger } from '@mine/platform';
import type { MagnitudeCoefficients, VelocityModel } from '@mine/seismology';
import { assertVelocityModel, DEFAULT_MAGNITUDE_COEFFICIENTS } from '@mine/seismology';
import { StationInventory } from '@mine/station-inventory';
import { catalogueRoutes } from './api.js';
import { Catalogue } from './catalogue.js';
import type { SeismicCatalogueConfig } from './config.js';
import { EventDispatcher } from './dispatcher.js';
import { NetworkLayout } from './network-layout.js';
import { CatalogueStore, LeaderLease } from './store.js';

export const SERVICE = 'seismic-catalogue';

export interface SeismicCatalogueDependencies {
  config: SeismicCatalogueConfig;
  logger: Logger;
  pubsub: PubSub;
  bigquery?: BigQuery;
}

export interface SeismicCatalogue {
  app: FastifyInstance;
  store: CatalogueStore;
  layout: NetworkLayout;
  /** true while this replica holds the leader lease and consumes packets */
  readonly leading: boolean;
  start(): Promise<void>;
  close(): Promise<void>;
}

function parseModels(json: string): { default: VelocityModel; [site: string]: VelocityModel } {
  const models = JSON.parse(json) as Record<string, VelocityModel>;
  if (!models.default) throw new Error('VELOCITY_MODELS_JSON needs a "default" model');
  for (const [site, model] of Object.entries(models)) {
    try {
      assertVelocityModel(model);
    } catch (error) {
      throw new Error(`VELOCITY_MODELS_JSON ${site}: ${(error as Error).message}`);
    }
  }
  return models as { default: VelocityModel };
}

/** Builds the service from validated config and clients; nothing consumes until start(). */
export async function buildSeismicCatalogue(deps: SeismicCatalogueDependencies): Promise<SeismicCatalogue> {
  const { config, logger, pubsub } = deps;
  const layout = new NetworkLayout(StationInventory.fromFile(config.STATIONXML_PATH));
  const models = parseModels(config.VELOCITY_MODELS_JSON);
  const magnitude: MagnitudeCoefficients = { ...DEFAULT_MAGNITUDE_COEFFICIENTS, ...(JSON.parse(config.MAGNITUDE_JSON) as Partial<MagnitudeCoefficients>) };
  const auth = new TokenAuth(config.API_TOKENS);
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 8 });
  pool.on('error', (error) => logger.error({ err: error }, 'idle PostgreSQL client failed'));
  const store = new CatalogueStore(pool, config.PG_SCHEMA);
  await store.migrate();

  const { registry, prefix } = createMetrics(SERVICE);
  const pubsubCounters = pubsubMetrics(registry, prefix);
  const eventsDecided = new Counter({ name: `${prefix}events_total`, help: 'events decided, by site and kind', labelNames: ['site', 'kind'] as const, registers: [registry] });
  const delivered = new Counter({ name: `${prefix}event_deliveries_total`, help: 'event deliveries to the topic and table, by outcome', labelNames: ['outcome'] as const, registers: [registry] });
  const [dataset, table] = config.EVENTS_TABLE ? (config.EVENTS_TABLE.split('.') as [string, string]) : [];
  const dispatcher = new EventDispatcher(
    store,
    new Publisher(pubsub, config.EVENTS_TOPIC, { maxMilliseconds: 5, metrics: pubsubCounters }),
    deps.bigquery && dataset && table ? { client: deps.bigquery, dataset, table } : undefined,
    logger,
    delivered,
  );

  let catalogue: Catalogue | undefined;
  let subscriber: Subscriber<typeof SensorReadingBatch> | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let draining = false;

  const follow = async () => {
    clearInterval(tickTimer);
    await dispatcher.close();
    catalogue?.close();
    await subscriber?.close();
    catalogue = undefined;
    subscriber = undefined;
  };
  const lease = new LeaderLease(config.DATABASE_URL, `${config.PG_SCHEMA}:leader`, (error) => {
    logger.error({ err: error }, 'lost the leader lease; standing by');
    void follow();
  });
  const lead = () => {
    const onEvent = (event: SeismicEvent) => {
      eventsDecided.inc({ site: event.site, kind: event.kind });
      logger.info({ eventId: event.eventId, kind: event.kind, magnitude: event.magnitude, stations: event.stationCount }, 'seismic event');
      dispatcher.poke();
    };
    const running = new Catalogue(layout, store, { models, magnitude, blastMatchRadiusM: config.BLAST_MATCH_RADIUS_M, blastWindowSlackMs: config.BLAST_WINDOW_SLACK_SECONDS * 1000 }, logger, onEvent);
    catalogue = running;
    subscriber = new Subscriber(pubsub, {
      subscription: config.SENSOR_SUBSCRIPTION,
      maxDeliveryAttempts: config.MAX_DELIVERY_ATTEMPTS,
      decode: decodeSensorReadings,
      validator: compileValidator(SensorReadingBatch),
      deadLetterTopic: config.SENSOR_DEAD_LETTER_TOPIC,
      maxInFlight: config.MAX_IN_FLIGHT,
      logger,
      metrics: pubsubCounters,
      // Resolves when no undecided event needs the packets any more: only then are they acknowledged.
      handle: async (message) => {
        await Promise.all(message.body.readings.map((reading) => running.handle(reading)));
      },
    });
    subscriber.start();
    // Only the leader delivers, so replicas do not publish the same event twice.
    dispatcher.start();
    tickTimer = setInterval(() => void running.tick().catch(() => undefined), 500);
    logger.info('leader: consuming sensor-readings');
  };
  let campaigning: Promise<void> | undefined;
  const campaign = () => {
    if (draining || lease.held || campaigning) return campaigning;
    campaigning = lease
      .tryAcquire()
      .then((acquired) => {
        if (acquired && !draining) lead();
      })
      .catch((error) => logger.warn({ err: error }, 'leader lease attempt failed'))
      .finally(() => (campaigning = undefined));
    return campaigning;
  };

  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(observability, {
    registry,
    isDraining: () => draining,
    readiness: [{ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) }],
  });
  await app.register(catalogueRoutes, {
    store,
    layout,
    auth,
    blastMatchRadiusM: config.BLAST_MATCH_RADIUS_M,
    blastWindowSlackMs: config.BLAST_WINDOW_SLACK_SECONDS * 1000,
    onChanged: () => dispatcher.poke(),
  });

  return {
    app,
    store,
    layout,
    get leading() {
      return lease.held && subscriber !== undefined;
    },
    async start() {
      await campaign();
      leaseTimer = setInterval(() => void campaign(), config.LEASE_RETRY_SECONDS * 1000);
    },
    async close() {
      draining = true;
      clearInterval(leaseTimer);
      // An attempt under way finishes first, so a lease it wins is released below, not leaked.
      await campaigning;
      // Held packets are nacked: the next leader gets them again.
      await follow();
      await lease.release();
      await app.close();
      await pool.end();
    },
  };
}
