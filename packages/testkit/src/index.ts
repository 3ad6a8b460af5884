import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PubSub, Topic, Subscription } from '@google-cloud/pubsub';

/**
 * Endpoints of the local stack (tools/stack/ports.env). Tests read them from the
 * environment `./dev test` sets, with the fixed ports as fallback so a test file
 * can also be run by hand after `./dev up`.
 */
export function stackEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    projectId: env.GCP_PROJECT_ID ?? 'mine-local',
    pubsubEmulatorHost: env.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:8085',
    bigqueryApiEndpoint: env.BIGQUERY_API_ENDPOINT ?? 'http://127.0.0.1:9050',
    storageApiEndpoint: env.STORAGE_API_ENDPOINT ?? 'http://127.0.0.1:4443',
    s3Endpoint: env.S3_ENDPOINT ?? 'http://127.0.0.1:9000',
    s3Region: env.AWS_REGION ?? 'us-east-1',
    s3AccessKeyId: env.AWS_ACCESS_KEY_ID ?? 'minioadmin',
    s3SecretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'minioadmin',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:55432/postgres',
  };
}

/** The same variables as a process environment, for services started by tests. */
export function stackProcessEnv(): Record<string, string> {
  const s = stackEnv();
  return {
    GCP_PROJECT_ID: s.projectId,
    PUBSUB_EMULATOR_HOST: s.pubsubEmulatorHost,
    BIGQUERY_API_ENDPOINT: s.bigqueryApiEndpoint,
    STORAGE_API_ENDPOINT: s.storageApiEndpoint,
    S3_ENDPOINT: s.s3Endpoint,
    AWS_REGION: s.s3Region,
    AWS_ACCESS_KEY_ID: s.s3AccessKeyId,
    AWS_SECRET_ACCESS_KEY: s.s3SecretAccessKey,
    DATABASE_URL: s.databaseUrl,
    METADATA_SERVER_DETECTION: 'none',
  };
}

// Pub/Sub's client reads its emulator host from the environment only.
process.env.PUBSUB_EMULATOR_HOST ??= stackEnv().pubsubEmulatorHost;
process.env.METADATA_SERVER_DETECTION ??= 'none';

/** A name no other test run uses, valid for topics, datasets and buckets alike. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`.toLowerCase();
}

/** Polls until `probe` returns a value that is not undefined, or fails after timeoutMs. */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** A throwaway topic with one subscription, for tests that must not touch the shared topology. */
export async function createTestTopic(pubsub: PubSub, prefix = 'test'): Promise<{ topic: Topic; subscription: Subscription; cleanup: () => Promise<void> }> {
  const name = uniqueName(prefix).replace(/_/g, '-');
  const [topic] = await pubsub.createTopic(name);
  const [subscription] = await topic.createSubscription(`${name}.sub`, { ackDeadlineSeconds: 10 });
  return {
    topic,
    subscription,
    cleanup: async () => {
      await subscription.delete().catch(() => undefined);
      await topic.delete().catch(() => undefined);
    },
  };
}

/** Pulls up to `max` messages synchronously (for assertions), acking them. */
export async function pullMessages(subscription: Subscription, { max = 100, timeoutMs = 10_000, atLeast = 1 } = {}) {
  const received: { data: Buffer; attributes: Record<string, string>; id: string }[] = [];
  const deadline = Date.now() + timeoutMs;
  const sub = subscription.pubsub.subscription(subscription.name, { flowControl: { maxMessages: max } });
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(timer);
      sub.removeAllListeners('message');
      resolve();
    };
    const timer = setInterval(() => {
      if (received.length >= atLeast || Date.now() > deadline) done();
    }, 50);
    sub.on('message', (message) => {
      received.push({ data: message.data, attributes: message.attributes, id: message.id });
      message.ack();
    });
    sub.on('error', () => undefined);
  });
  await sub.close();
  return received;
}
export * from './processes.js';
export * from './fuzz.js';
export * from './fault-proxy.js';
export * from './seismo.js';
