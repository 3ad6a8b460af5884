import { Registry, collectDefaultMetrics, Counter, Gauge, Histogram } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** kebab-case service name to the Prometheus prefix, e.g. sensor-gateway → sensor_gateway_. */
export function metricPrefix(service: string): string {
  return `${service.replace(/[^a-zA-Z0-9]/g, '_')}_`;
}

/** A registry per service (not the global one, so tests can build many apps). */
export function createMetrics(service: string): { registry: Registry; prefix: string } {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const prefix = metricPrefix(service);
  collectDefaultMetrics({ register: registry, prefix });
  return { registry, prefix };
}

/** Counters and histograms every Pub/Sub stage reports. */
export function pubsubMetrics(registry: Registry, prefix: string) {
  return {
    published: new Counter({ name: `${prefix}pubsub_published_total`, help: 'messages acknowledged by Pub/Sub', labelNames: ['topic'], registers: [registry] }),
    publishFailures: new Counter({ name: `${prefix}pubsub_publish_failures_total`, help: 'messages Pub/Sub refused', labelNames: ['topic'], registers: [registry] }),
    received: new Counter({ name: `${prefix}pubsub_received_total`, help: 'messages received', labelNames: ['subscription'], registers: [registry] }),
    acked: new Counter({ name: `${prefix}pubsub_acked_total`, help: 'messages acknowledged after their effect was durable', labelNames: ['subscription'], registers: [registry] }),
    nacked: new Counter({ name: `${prefix}pubsub_nacked_total`, help: 'messages returned for redelivery', labelNames: ['subscription'], registers: [registry] }),
    deadLettered: new Counter({ name: `${prefix}pubsub_dead_lettered_total`, help: 'messages sent to a dead-letter topic', labelNames: ['subscription', 'reason'], registers: [registry] }),
    messageAge: new Gauge({ name: `${prefix}pubsub_message_age_seconds`, help: 'publish-to-ack age of the last message acknowledged (consumer lag)', labelNames: ['subscription'], registers: [registry] }),
    handleSeconds: new Histogram({ name: `${prefix}pubsub_handle_seconds`, help: 'time from receipt to ack', labelNames: ['subscription'], registers: [registry], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30] }),
  };
}
export type PubSubMetrics = ReturnType<typeof pubsubMetrics>;

