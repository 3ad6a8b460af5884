import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { SensorReadingBatch, compileValidator, decodeSensorReadings, encodeSensorReadings } from '@mine/contracts';
import { createTestTopic, pullMessages, uniqueName, waitFor } from '@mine/testkit';
import { DEAD_LETTER_ATTRIBUTES, PoisonMessageError, Publisher, Subscriber, createLogger, createMetrics, createPubSub, pubsubMetrics } from '../src/index.js';

const pubsub = createPubSub('mine-local');
const logger = createLogger({ service: 'pubsub-test', level: 'silent' });
const Reading = Type.Object({ id: Type.Integer(), value: Type.Number() }, { additionalProperties: false });
const validator = compileValidator(Reading);

test('published messages reach a subscriber and are acked after the handler', async (t) => {
  const source = await createTestTopic(pubsub, 'roundtrip');
  const dlq = await createTestTopic(pubsub, 'roundtrip-dlq');
  t.after(async () => Promise.all([source.cleanup(), dlq.cleanup()]));
  const { registry, prefix } = createMetrics('pubsub-test');
  const metrics = pubsubMetrics(registry, prefix);

  const publisher = new Publisher(pubsub, source.topic.name.split('/').pop()!, { metrics });
  const ids = await publisher.publishAll(Array.from({ length: 50 }, (_, i) => ({ data: { id: i, value: i / 2 }, attributes: { n: String(i) } })));
  assert.equal(ids.length, 50);
  assert.equal(publisher.pending.messages, 0);

  const seen = new Map<number, string>();
  const subscriber = new Subscriber(pubsub, {
    subscription: source.subscription.name.split('/').pop()!,
    validator,
    deadLetterTopic: dlq.topic.name.split('/').pop()!,
    logger,
    metrics,
    handle: async (message) => {
      seen.set(message.body.id, message.attributes.n!);
    },
  });
  subscriber.start();
  await waitFor(() => (seen.size === 50 ? true : undefined), { what: '50 messages' });
  await subscriber.close();
  assert.equal(seen.get(7), '7');
  const text = await registry.metrics();
  assert.match(text, /pubsub_test_pubsub_acked_total\{subscription="[^"]+",service="pubsub-test"\} 50/);
  // Consumer lag: the last acked message's age since publication, in seconds.
  const age = Number(/pubsub_test_pubsub_message_age_seconds\{subscription="[^"]+",service="pubsub-test"\} ([0-9.e-]+)/.exec(text)?.[1]);
  assert.ok(age > 0 && age < 600, `message age ${age}`);
});

test('a poison message is dead-lettered with its reason and the good ones behind it still flow', async (t) => {
  const source = await createTestTopic(pubsub, 'poison');
  const dlq = await createTestTopic(pubsub, 'poison-dlq');
  t.after(async () => Promise.all([source.cleanup(), dlq.cleanup()]));
  const sourceName = source.topic.name.split('/').pop()!;
  await source.topic.publishMessage({ data: Buffer.from('{not json'), attributes: { origin: 'broken-device' } });
  await source.topic.publishMessage({ json: { id: 'one', value: 1 } });
  await source.topic.publishMessage({ json: { id: 2, value: 2 } });
  await source.topic.publishMessage({ json: { id: 3, value: 3 } });

  const handled: number[] = [];
  const subscriber = new Subscriber(pubsub, {
    subscription: source.subscription.name.split('/').pop()!,
    validator,
    deadLetterTopic: dlq.topic.name.split('/').pop()!,
    logger,
    handle: async (message) => {
      if (message.body.id === 3) throw new PoisonMessageError('unknown_sensor', 'sensor 3 is not registered');
      handled.push(message.body.id);
    },
  });
  subscriber.start();
  const deadLetters = await pullMessages(dlq.subscription, { atLeast: 3, timeoutMs: 15_000 });
  await subscriber.close();
  assert.deepEqual(handled, [2]);
  const reasons = deadLetters.map((m) => m.attributes[DEAD_LETTER_ATTRIBUTES.reason]).sort();
  assert.deepEqual(reasons, ['contract_violation', 'invalid_json', 'unknown_sensor']);
  const invalid = deadLetters.find((m) => m.attributes[DEAD_LETTER_ATTRIBUTES.reason] === 'invalid_json')!;
  assert.equal(invalid.data.toString(), '{not json', 'the original bytes are kept');
  assert.equal(invalid.attributes.origin, 'broken-device', 'original attributes are kept');
  assert.ok(invalid.attributes[DEAD_LETTER_ATTRIBUTES.subscription]?.endsWith('.sub'));
  const violation = deadLetters.find((m) => m.attributes[DEAD_LETTER_ATTRIBUTES.reason] === 'contract_violation')!;
  assert.match(violation.attributes[DEAD_LETTER_ATTRIBUTES.detail]!, /\/id/);
  assert.ok(sourceName);
});

test('a message its decoder refuses is dead-lettered as undecodable; decoded ones are validated and handled', async (t) => {
  const source = await createTestTopic(pubsub, 'decode');
  const dlq = await createTestTopic(pubsub, 'decode-dlq');
  t.after(async () => Promise.all([source.cleanup(), dlq.cleanup()]));
  const reading = (sequence: number) => ({
    sensorId: 'geo-1', sequence, startTime: '2026-11-24T12:00:00.000Z', sampleRateHz: 500,
    samples: { x: [0.1, -0.2], y: [0, 0], z: [1.5, 2] }, site: 'north-pit', zone: 'wall-3', receivedAt: '2026-11-24T12:00:01.000Z',
  });
  const [good] = encodeSensorReadings([reading(1), reading(2)]);
  await source.topic.publishMessage({ data: good!.data.subarray(0, 40), attributes: good!.attributes });
  await source.topic.publishMessage({ data: good!.data, attributes: { ...good!.attributes, encoding: 'zip-v0' } });
  await source.topic.publishMessage(good!);

  const handled: number[] = [];
  const subscriber = new Subscriber(pubsub, {
    subscription: source.subscription.name.split('/').pop()!,
    decode: decodeSensorReadings,
    validator: compileValidator(SensorReadingBatch),
    deadLetterTopic: dlq.topic.name.split('/').pop()!,
    logger,
    handle: async (message) => {
      handled.push(...message.body.readings.map((r) => r.sequence));
    },
  });
  subscriber.start();
  const deadLetters = await pullMessages(dlq.subscription, { atLeast: 2, timeoutMs: 15_000 });
  await waitFor(() => (handled.length === 2 ? true : undefined), { what: 'the good batch' });
  await subscriber.close();
  assert.deepEqual(handled, [1, 2]);
  assert.deepEqual(deadLetters.map((m) => m.attributes[DEAD_LETTER_ATTRIBUTES.reason]), ['undecodable', 'undecodable']);
  assert.ok(deadLetters.some((m) => /unknown sensor-readings encoding "zip-v0"/.test(m.attributes[DEAD_LETTER_ATTRIBUTES.detail]!)));
});

test('a failing handler gets the message redelivered; retries exhausted land in the dead-letter topic', async (t) => {
  const name = uniqueName('retry').replace(/_/g, '-');
  const [topic] = await pubsub.createTopic(name);
  const [dlqTopic] = await pubsub.createTopic(`${name}-dead-letter`);
  const [dlqHold] = await dlqTopic.createSubscription(`${name}-dead-letter.hold`);
  const [subscription] = await topic.createSubscription(`${name}.sub`, {
    ackDeadlineSeconds: 10,
    deadLetterPolicy: { deadLetterTopic: dlqTopic.name, maxDeliveryAttempts: 5 },
    retryPolicy: { minimumBackoff: { seconds: 0 }, maximumBackoff: { seconds: 1 } },
  });
  t.after(async () => {
    await Promise.all([subscription.delete(), dlqHold.delete()]).catch(() => undefined);
    await Promise.all([topic.delete(), dlqTopic.delete()]).catch(() => undefined);
  });
  await topic.publishMessage({ json: { id: 1, value: 1 } });
  await topic.publishMessage({ json: { id: 2, value: 2 } });

  const attempts = new Map<number, number[]>();
  const subscriber = new Subscriber(pubsub, {
    subscription: `${name}.sub`,
    validator,
    deadLetterTopic: `${name}-dead-letter`,
    logger,
    handle: async (message) => {
      attempts.set(message.body.id, [...(attempts.get(message.body.id) ?? []), message.deliveryAttempt]);
      if (message.body.id === 1 && message.deliveryAttempt < 3) throw new Error('warehouse briefly unavailable');
      if (message.body.id === 2) throw new Error('always fails');
    },
  });
  subscriber.start();
  const deadLetters = await pullMessages(dlqHold, { atLeast: 1, timeoutMs: 30_000 });
  await subscriber.close();
  assert.deepEqual(attempts.get(1), [1, 2, 3], 'transient failure recovered on the third delivery');
  // Only the message that always failed is dead-lettered. (Pub/Sub, like the emulator, may deliver a
  // dead-lettered message more than once; consumers of the dead-letter topic dedupe by content.)
  assert.deepEqual([...new Set(deadLetters.map((m) => JSON.parse(m.data.toString()).id))], [2]);
  assert.ok(Math.max(...(attempts.get(2) ?? [])) >= 5, 'delivered maxDeliveryAttempts times before dead-lettering');
});

test('told the maximum attempts, the subscriber dead-letters the last failing delivery itself, with the error as the reason', async (t) => {
  const name = uniqueName('exhausted').replace(/_/g, '-');
  const [topic] = await pubsub.createTopic(name);
  const [dlqTopic] = await pubsub.createTopic(`${name}-dead-letter`);
  const [dlqHold] = await dlqTopic.createSubscription(`${name}-dead-letter.hold`);
  await topic.createSubscription(`${name}.sub`, {
    ackDeadlineSeconds: 10,
    deadLetterPolicy: { deadLetterTopic: dlqTopic.name, maxDeliveryAttempts: 5 },
    retryPolicy: { minimumBackoff: { seconds: 0 }, maximumBackoff: { seconds: 1 } },
  });
  t.after(async () => {
    await Promise.all([pubsub.subscription(`${name}.sub`).delete(), dlqHold.delete()]).catch(() => undefined);
    await Promise.all([topic.delete(), dlqTopic.delete()]).catch(() => undefined);
  });
  await topic.publishMessage({ json: { id: 2, value: 2 } });
  const { registry, prefix } = createMetrics('exhausted-test');
  const subscriber = new Subscriber(pubsub, {
    subscription: `${name}.sub`,
    validator,
    deadLetterTopic: `${name}-dead-letter`,
    maxDeliveryAttempts: 5,
    logger,
    metrics: pubsubMetrics(registry, prefix),
    handle: async () => {
      throw new Error('warehouse refuses the row');
    },
  });
  subscriber.start();
  const [deadLetter] = await pullMessages(dlqHold, { atLeast: 1, timeoutMs: 30_000 });
  await subscriber.close();
  assert.equal(deadLetter!.attributes[DEAD_LETTER_ATTRIBUTES.reason], 'retries_exhausted');
  assert.match(deadLetter!.attributes[DEAD_LETTER_ATTRIBUTES.detail]!, /^attempt 5: warehouse refuses the row$/);
  assert.equal(deadLetter!.attributes[DEAD_LETTER_ATTRIBUTES.subscription], `${name}.sub`);
  assert.match(await registry.metrics(), /exhausted_test_pubsub_dead_lettered_total\{subscription="[^"]+",reason="retries_exhausted",service="exhausted-test"\} 1/);
});
