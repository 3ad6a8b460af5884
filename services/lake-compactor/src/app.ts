import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { PubSub } from '@google-cloud/pubsub';
import type { Bucket, Storage } from '@google-cloud/storage';
import { SensorReadingBatch, compileValidator, decodeSensorReadings } from '@mine/contracts';
import { Counter, Gauge, PoisonMessageError, Subscriber, createMetrics, observability, pubsubDataset, pubsubMetrics, startStreamLineage, type Logger, type Registry } from '@mine/platform';
import { StaLtaDetector, type StaLtaOptions } from '@mine/vibration';
import type { LakeCompactorConfig } from './config.js';
import { openDuckDb } from './parquet.js';
import { SpoolWriter } from './spool.js';
import { hourStates, lakeLag } from './state.js';

export const SERVICE = 'lake-compactor';

export function lakeBucketName(config: LakeCompactorConfig): string {
  return config.LAKE_BUCKET || `${config.GCP_PROJECT_ID}-lake`;
}

/** The event-count detector settings, checked once at start-up (the detector rejects inconsistent ratios). */
export function staLtaOptions(config: LakeCompactorConfig): StaLtaOptions {
  const options = { staSeconds: config.STA_SECONDS, ltaSeconds: config.LTA_SECONDS, triggerRatio: config.TRIGGER_RATIO, detriggerRatio: config.DETRIGGER_RATIO };
  new StaLtaDetector(options);
  return options;
}

/**
 * The streaming half of the compactor: `sensor-readings` into spool Parquet
 * files, each message acknowledged once its file is stored. The hourly
 * compaction is a separate batch entry point (compact-main.ts).
 */
export async function buildSpoolService(deps: { config: LakeCompactorConfig; logger: Logger; pubsub: PubSub; storage: Storage }) {
  const { config, logger } = deps;
  const { registry, prefix } = createMetrics(SERVICE);
  const flushed = new Counter({ name: `${prefix}spool_packets_total`, help: 'packets written to spool files', registers: [registry] });
  const files = new Counter({ name: `${prefix}spool_files_total`, help: 'spool files written', registers: [registry] });
  const bucket = deps.storage.bucket(lakeBucketName(config));
  const spool = new SpoolWriter({
    bucket,
    duckdb: await openDuckDb(config),
    workDir: config.WORK_DIR,
    maxPackets: config.SPOOL_MAX_PACKETS,
    maxAgeMs: config.SPOOL_MAX_AGE_MS,
    logger,
    onFlush: (fileCount, packets) => {
      files.inc(fileCount);
      flushed.inc(packets);
      lineage.count(output.name, packets);
    },
  });
  const input = pubsubDataset(config.GCP_PROJECT_ID, config.SUBSCRIPTION, 'subscription');
  const output = { namespace: `gs://${bucket.name}`, name: 'spool' };
  const lineage = await startStreamLineage(config, { logger }, SERVICE, { inputs: [input], outputs: [output] });
  const subscriber = new Subscriber(deps.pubsub, {
    subscription: config.SUBSCRIPTION,
    maxDeliveryAttempts: config.MAX_DELIVERY_ATTEMPTS,
    lineage: { stream: lineage, dataset: input.name },
    decode: decodeSensorReadings,
    validator: compileValidator(SensorReadingBatch),
    deadLetterTopic: config.DEAD_LETTER_TOPIC,
    maxInFlight: config.MAX_IN_FLIGHT,
    logger,
    metrics: pubsubMetrics(registry, prefix),
    handle: async (message) => {
      // Every packet settles before the message does: a poison packet dead-letters its message (one device
      // request) with the reason, and the packets beside it are stored all the same (a replay is deduped).
      const results = await Promise.allSettled(message.body.readings.map((reading) => spool.add(reading)));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
      // A transient failure (redelivery) wins over poison, so the message is retried rather than dead-lettered.
      if (failed.length > 0) throw failed.find((e) => !(e instanceof PoisonMessageError)) ?? failed[0];
    },
  });
  const freshness = lakeFreshness(bucket, registry, prefix, logger, config.FRESHNESS_INTERVAL_SECONDS * 1000);
  let draining = false;
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(observability, { registry, isDraining: () => draining, readiness: [{ name: 'lake-bucket', check: async () => (await bucket.exists())[0] }] });
  return {
    app,
    spool,
    start: () => {
      subscriber.start();
      freshness.start();
    },
    /** Measures the lake's lag now (the timer does this every FRESHNESS_INTERVAL_SECONDS). */
    measureFreshness: () => freshness.measure(),
    /** Drain: stop pulling, write what is buffered (so its messages are acked), close. */
    async close() {
      draining = true;
      freshness.stop();
      const drained = subscriber.close();
      await spool.flush();
      await drained;
      await lineage.close();
      await app.close();
    },
    /** For tests: stop as a crash would, leaving unflushed messages unacknowledged. */
    async crash() {
      draining = true;
      freshness.stop();
      spool.abandon();
      await subscriber.close(1_000);
      await app.close();
    },
  };
}

/**
 * How far behind the lake is, from the bucket's state (so it holds whoever
 * runs the job, and says so when no job runs at all): per pending hour, the
 * age of the oldest spool object no compaction has covered yet.
 */
function lakeFreshness(bucket: Bucket, registry: Registry, prefix: string, logger: Logger, intervalMs: number) {
  const behind = new Gauge({ name: `${prefix}lake_behind_seconds`, help: 'per hour with spool objects not yet compacted: age of the oldest of them', labelNames: ['hour'], registers: [registry] });
  const pending = new Gauge({ name: `${prefix}lake_pending_hours`, help: 'hours whose spool changed since they were last compacted', registers: [registry] });
  const oldest = new Gauge({ name: `${prefix}lake_max_behind_seconds`, help: 'the largest lake_behind_seconds (0 when the lake holds every spooled packet)', registers: [registry] });
  const measured = new Gauge({ name: `${prefix}lake_freshness_measured_timestamp_seconds`, help: 'when the lake lag was last measured', registers: [registry] });
  let timer: NodeJS.Timeout | undefined;
  const measure = async () => {
    const lag = lakeLag(await hourStates(bucket));
    behind.reset();
    for (const { hour, seconds } of lag) behind.set({ hour }, seconds);
    pending.set(lag.length);
    oldest.set(Math.max(0, ...lag.map((l) => l.seconds)));
    measured.set(Date.now() / 1000);
    return lag;
  };
  return {
    measure,
    start() {
      if (intervalMs <= 0) return;
      timer = setInterval(() => void measure().catch((error) => logger.warn({ err: error }, 'lake freshness not measured')), intervalMs);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
