import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { PubSub } from '@google-cloud/pubsub';
import { SensorPacket, encodeSensorReadings } from '@mine/contracts';
import { Counter, Gauge, Histogram, Publisher, createMetrics, observability, pubsubDataset, pubsubMetrics, startStreamLineage, type Logger } from '@mine/platform';
import type { SensorGatewayConfig } from './config.js';
import { watchRegistryFile, type Device, type DeviceRegistry } from './devices.js';
import { DeviceLimits } from './device-limits.js';
import { SequenceGuard } from './sequence-guard.js';
import { validatePackets } from './validate.js';
import { MSEED_CONTENT_TYPE, prepareMiniseed } from './miniseed-ingest.js';
import type { StationInventory } from '@mine/station-inventory';

export const SERVICE = 'sensor-gateway';

export interface SensorGatewayDependencies {
  config: SensorGatewayConfig;
  logger: Logger;
  pubsub: PubSub;
  devices: DeviceRegistry;
  /** the station inventory; without it miniSEED bodies are answered 415 */
  inventory?: StationInventory;
}

const Rejection = Type.Object({
  index: Type.Integer(),
  sensorId: Type.Optional(Type.String()),
  sequence: Type.Optional(Type.Integer()),
  offset: Type.Optional(Type.Integer({ description: 'miniSEED: byte offset of the refused record' })),
  sourceId: Type.Optional(Type.String({ description: 'miniSEED: FDSN source identifier of the refused record' })),
  startTime: Type.Optional(Type.String({ description: 'miniSEED: start time of the refused record' })),
  reason: Type.String(),
  detail: Type.String(),
});
const IngestResponse = Type.Object({ accepted: Type.Integer(), rejected: Type.Array(Rejection) });
const ErrorResponse = Type.Object({ error: Type.String(), reason: Type.String() });
// The contract carries an $id; used twice in one body schema it would be two schemas with one name.
const { $id: _packetId, ...PacketBody } = SensorPacket;

/**
 * Builds the gateway: devices POST waveform packets, which are validated one
 * by one; the accepted ones of a request are published to `sensor-readings`
 * together, in the packed wire format. 202 means Pub/Sub has stored every
 * accepted packet; on a publish failure the device gets 503 and retries the
 * same sequence numbers (downstream dedupes by sensor id + sequence).
 */
export async function buildSensorGateway({ config, logger, pubsub, devices, inventory }: SensorGatewayDependencies) {
  const { registry, prefix } = createMetrics(SERVICE);
  const counters = {
    packets: new Counter({ name: `${prefix}packets_accepted_total`, help: 'packets published', registers: [registry] }),
    samples: new Counter({ name: `${prefix}samples_accepted_total`, help: 'samples (per axis) published', registers: [registry] }),
    rejected: new Counter({ name: `${prefix}packets_rejected_total`, help: 'packets rejected, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    unauthorized: new Counter({ name: `${prefix}requests_unauthorized_total`, help: 'requests refused for their credentials', registers: [registry] }),
    shed: new Counter({ name: `${prefix}requests_shed_total`, help: 'requests answered 503 (or 429 for one device) to protect the service', labelNames: ['cause'] as const, registers: [registry] }),
    publishSeconds: new Histogram({ name: `${prefix}publish_seconds`, help: 'time until Pub/Sub acknowledged a request', registers: [registry], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5] }),
  };
  const output = pubsubDataset(config.GCP_PROJECT_ID, config.SENSOR_TOPIC);
  const lineage = await startStreamLineage(config, { logger }, SERVICE, { inputs: [{ namespace: 'https', name: 'sensor-gateway/v1/packets' }], outputs: [output] });
  // Ordered per sensor: the evaluator's subscription delivers a sensor's messages in the order published.
  const publisher = new Publisher(pubsub, config.SENSOR_TOPIC, { maxMilliseconds: 5, maxMessages: 1000, messageOrdering: true, metrics: pubsubMetrics(registry, prefix), lineage: { stream: lineage, dataset: output.name } });
  const sequences = new SequenceGuard({ slack: config.SEQUENCE_JUMP_SLACK });

  // Event-loop delay over the last half second: a saturated process answers 503 rather than queueing work.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let recentDelayMs = 0;
  const delayTimer = setInterval(() => {
    recentDelayMs = delay.percentile(99) / 1e6;
    delay.reset();
  }, 500);
  delayTimer.unref();
  new Gauge({ name: `${prefix}publish_pending_bytes`, help: 'bytes waiting for Pub/Sub', registers: [registry], collect() { this.set(publisher.pending.bytes); } });
  new Gauge({ name: `${prefix}event_loop_delay_p99_ms`, help: 'event-loop delay, p99 of the last 500 ms', registers: [registry], collect() { this.set(recentDelayMs); } });

  // One noisy device is answered 429 before its body is read, so it cannot make the gateway shed for all.
  const deviceLimits = new DeviceLimits({ ratePerSecond: config.DEVICE_REQUESTS_PER_SECOND, burst: config.DEVICE_REQUEST_BURST, maxInFlight: config.DEVICE_MAX_IN_FLIGHT });
  const registryReloads = new Counter({ name: `${prefix}device_registry_reloads_total`, help: 'device registry file changes, by outcome (reloaded, refused: the previous registry is kept)', labelNames: ['outcome'] as const, registers: [registry] });
  const stopWatching = config.DEVICES_FILE
    ? watchRegistryFile(devices, config.DEVICES_FILE, config.DEVICES_RELOAD_SECONDS * 1000, {
        reloaded: (count) => {
          registryReloads.inc({ outcome: 'reloaded' });
          deviceLimits.retain(devices.sensorIds());
          logger.info({ devices: count }, 'device registry reloaded');
        },
        refused: (error) => {
          registryReloads.inc({ outcome: 'refused' });
          logger.error({ err: error }, 'device registry file not applied; the previous registry stays');
        },
      })
    : () => undefined;

  let draining = false;
  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: config.MAX_BODY_BYTES });

  await app.register(swagger, {
    openapi: {
      info: { title: 'sensor-gateway', version: '1', description: 'Ingest of ground-vibration waveform packets from triaxial geophones.' },
      components: { securitySchemes: { device: { type: 'http', scheme: 'bearer', description: 'per-device token' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(observability, {
    registry,
    isDraining: () => draining,
    readiness: [{ name: 'pubsub-topic', check: async () => (await publisher.topic.exists())[0] }],
  });

  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: config.MAX_BODY_BYTES }, (_request, text, done) => {
    try {
      done(null, JSON.parse(text as string));
    } catch (error) {
      done(Object.assign(new Error(`body is not valid JSON: ${(error as Error).message}`), { statusCode: 400, code: 'invalid_json' }), undefined);
    }
  });

  // Digitizers post miniSEED records; they are decoded in the handler, record by record.
  if (inventory) app.addContentTypeParser(MSEED_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: config.MAX_BODY_BYTES }, (_request, body, done) => done(null, body));

  // Start-up work (plugins, schema compilation) stalls the loop once; it must not make a ready gateway shed.
  app.addHook('onReady', async () => {
    delay.reset();
    recentDelayMs = 0;
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) logger.error({ err: error }, 'request failed');
    const reason = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `body larger than ${config.MAX_BODY_BYTES} bytes` : error.message;
    void reply.code(status).send({ error: error.code ?? 'error', reason });
  });

  const limits = { clockSkewMs: config.CLOCK_SKEW_SECONDS * 1000, maxAgeMs: config.MAX_PACKET_AGE_SECONDS * 1000, maxPackets: config.MAX_PACKETS_PER_REQUEST };
  /** A request's accepted packets as messages, and its refusals: miniSEED bodies arrive as bytes, JSON parsed. */
  const prepare = (body: unknown, device: Device) => {
    const nowMs = Date.now();
    if (Buffer.isBuffer(body)) {
      const prepared = prepareMiniseed(body, device, inventory!, nowMs, limits, new Date(nowMs).toISOString());
      // Its sequence is the sample index of the start time, already bounded by the clock checks: no sequence guard.
      return { messages: prepared.messages, accepted: prepared.packets, samples: prepared.samples, rejected: prepared.rejected, readings: [] };
    }
    const { readings, rejected } = validatePackets(body, device, nowMs, limits, (reading) => sequences.check(reading));
    return { messages: encodeSensorReadings(readings), accepted: readings.length, samples: readings.reduce((n, r) => n + r.samples.x.length, 0), rejected, readings };
  };

  app.post(
    '/v1/packets',
    {
      // The schema documents the body; packets are validated one by one in the handler instead, so one
      // bad packet doesn't cost the rest (and the body isn't validated twice).
      validatorCompiler: () => () => true,
      logLevel: 'warn',
      schema: {
        description: `One packet, or an array of packets, from the authenticated device; or, as ${MSEED_CONTENT_TYPE}, miniSEED records of the device's station (see the README).`,
        security: [{ device: [] }],
        body: Type.Union([PacketBody, Type.Array(PacketBody, { maxItems: config.MAX_PACKETS_PER_REQUEST })]),
        // A 400 is per-packet rejections, or one error for a body that is not JSON (empty, malformed): found by fuzzing, it was a 500.
        response: { 202: IngestResponse, 400: Type.Union([IngestResponse, ErrorResponse]), 401: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      },
      onRequest: async (request, reply) => {
        if (draining) {
          counters.shed.inc({ cause: 'draining' });
          return reply.code(503).header('retry-after', config.RETRY_AFTER_SECONDS).send({ error: 'unavailable', reason: 'gateway is shutting down' });
        }
        const cause = publisher.pending.bytes > config.MAX_PENDING_PUBLISH_BYTES ? 'publish_backlog' : recentDelayMs > config.MAX_EVENT_LOOP_DELAY_MS ? 'event_loop_delay' : undefined;
        if (cause) {
          counters.shed.inc({ cause });
          return reply.code(503).header('retry-after', config.RETRY_AFTER_SECONDS).send({ error: 'overloaded', reason: `shedding load (${cause}); retry later` });
        }
        const header = request.headers.authorization;
        const auth = devices.authenticate(header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined);
        if ('error' in auth) {
          counters.unauthorized.inc();
          return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', reason: auth.error });
        }
        request.device = auth.device;
        const admission = deviceLimits.admit(auth.device.sensorId);
        if ('cause' in admission) {
          counters.shed.inc({ cause: admission.cause });
          return reply.code(429).header('retry-after', admission.retryAfterSeconds).send({ error: 'too_many_requests', reason: admission.reason });
        }
        request.releaseDevice = admission.release;
      },
      onResponse: async (request) => request.releaseDevice?.(),
      onRequestAbort: async (request) => request.releaseDevice?.(),
    },
    async (request, reply) => {
      const device = request.device!;
      const { messages, accepted, samples, rejected, readings } = prepare(request.body, device);
      for (const r of rejected) counters.rejected.inc({ reason: r.reason });
      if (accepted === 0) return reply.code(400).send({ accepted: 0, rejected });
      const started = process.hrtime.bigint();
      try {
        await publisher.publishAll(messages.map((message) => ({ ...message, orderingKey: device.sensorId })));
      } catch (error) {
        logger.warn({ err: error, sensorId: device.sensorId }, 'publish failed; device will retry');
        counters.shed.inc({ cause: 'publish_failed' });
        return reply.code(503).header('retry-after', config.RETRY_AFTER_SECONDS).send({ error: 'unavailable', reason: 'could not store the packets; retry with the same sequence numbers' });
      }
      counters.publishSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      for (const reading of readings) sequences.accepted(reading);
      counters.packets.inc(accepted);
      counters.samples.inc(samples);
      return reply.code(202).send({ accepted, rejected });
    },
  );

  return {
    app,
    publisher,
    /** Stop taking packets, let in-flight requests finish, flush the publisher. */
    async close() {
      draining = true;
      stopWatching();
      await app.close();
      await publisher.flush();
      await lineage.close();
      clearInterval(delayTimer);
      delay.disable();
    },
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    device?: import('./devices.js').Device;
    /** frees the device's in-flight slot once answered */
    releaseDevice?: () => void;
  }
}
