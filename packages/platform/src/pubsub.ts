import { PubSub, type Message, type Subscription, type Topic } from '@google-cloud/pubsub';
import type { TSchema, Static } from '@sinclair/typebox';
import { describeIssues, type Validator } from '@mine/contracts';
import type { Logger } from 'pino';
import type { StreamLineage } from './lineage.js';
import type { PubSubMetrics } from './metrics.js';

/** A stream's lineage and the dataset name this topic has in it (see pubsubDataset). */
export interface StreamLineageLink {
  stream: StreamLineage;
  dataset: string;
}

/** A Pub/Sub topic or subscription as an OpenLineage dataset (the naming convention's `pubsub` namespace). */
export function pubsubDataset(projectId: string, name: string, kind: 'topic' | 'subscription' = 'topic'): { namespace: string; name: string } {
  return { namespace: 'pubsub', name: `${kind}:${projectId}:${name}` };
}

/** One cached client per process; PUBSUB_EMULATOR_HOST is honoured by the library itself. */
export function createPubSub(projectId: string): PubSub {
  return new PubSub({ projectId });
}

/** Attribute names on dead-lettered messages, so operators can filter and replay. */
export const DEAD_LETTER_ATTRIBUTES = {
  reason: 'dlq_reason',
  detail: 'dlq_detail',
  subscription: 'dlq_source_subscription',
  messageId: 'dlq_original_message_id',
  publishTime: 'dlq_original_publish_time',
  deadLetteredAt: 'dlq_dead_lettered_at',
} as const;

/**
 * A message that can never succeed (bad JSON, contract violation, a reference to
 * nothing). The subscriber dead-letters it with the reason instead of retrying.
 */
export class PoisonMessageError extends Error {
  constructor(
    readonly reason: string,
    readonly detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'PoisonMessageError';
  }
}

export interface PublisherOptions {
  /** Messages per batch request (Pub/Sub allows 1000). */
  maxMessages?: number;
  /** How long a batch waits to fill. */
  maxMilliseconds?: number;
  metrics?: PubSubMetrics;
  /** Counts each stored message as written to the stream's output. */
  lineage?: StreamLineageLink;
  /** Publish messages that share an ordering key in order (the subscription must ask for ordering too). */
  messageOrdering?: boolean;
}

export interface OutgoingMessage {
  data: Buffer | object;
  attributes?: Record<string, string>;
  orderingKey?: string;
}

/**
 * Publishes with client-side batching and tracks what is still unacknowledged,
 * so an intake service can shed load before memory grows.
 */
export class Publisher {
  readonly topic: Topic;
  private inFlightMessages = 0;
  private inFlightBytes = 0;

  constructor(
    pubsub: PubSub,
    readonly topicName: string,
    private readonly options: PublisherOptions = {},
  ) {
    this.topic = pubsub.topic(topicName, {
      batching: {
        maxMessages: options.maxMessages ?? 500,
        maxMilliseconds: options.maxMilliseconds ?? 10,
        // Pub/Sub takes 10 MB per request; the emulator's gRPC server only 4 MiB.
        maxBytes: 3 * 1024 * 1024,
      },
      ...(options.messageOrdering ? { messageOrdering: true } : {}),
    });
  }

  get pending(): { messages: number; bytes: number } {
    return { messages: this.inFlightMessages, bytes: this.inFlightBytes };
  }

  /** Resolves with the message id once Pub/Sub has stored the message. */
  async publish(message: OutgoingMessage): Promise<string> {
    const data = Buffer.isBuffer(message.data) ? message.data : Buffer.from(JSON.stringify(message.data));
    this.inFlightMessages += 1;
    this.inFlightBytes += data.length;
    try {
      const id = await this.topic.publishMessage({
        data,
        ...(message.attributes ? { attributes: message.attributes } : {}),
        ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
      });
      this.options.metrics?.published.inc({ topic: this.topicName });
      this.options.lineage?.stream.count(this.options.lineage.dataset);
      return id;
    } catch (error) {
      this.options.metrics?.publishFailures.inc({ topic: this.topicName });
      // The client pauses a key after a failure so nothing overtakes the lost message; the caller
      // retries that message itself (a device re-posts), so later ones may go again.
      if (message.orderingKey) this.topic.resumePublishing(message.orderingKey);
      throw error;
    } finally {
      this.inFlightMessages -= 1;
      this.inFlightBytes -= data.length;
    }
  }

  /** Publishes all messages; resolves only when every one is stored, rejects if any failed. */
  async publishAll(messages: OutgoingMessage[]): Promise<string[]> {
    const results = await Promise.allSettled(messages.map((m) => this.publish(m)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<string>).value);
  }

  async flush(): Promise<void> {
    await this.topic.flush();
  }
}

/** What a handler gets: the validated body plus the Pub/Sub envelope. */
export interface ReceivedMessage<T> {
  body: T;
  attributes: Record<string, string>;
  id: string;
  publishTime: Date;
  deliveryAttempt: number;
}

export interface SubscriberOptions<S extends TSchema> {
  subscription: string;
  /** Contract the decoded body must satisfy; a violation is dead-lettered at once. */
  validator: Validator<S>;
  /** Turns the message into the body to validate; JSON by default. A throw dead-letters the message. */
  decode?: (data: Buffer, attributes: Record<string, string>) => unknown;
  /**
   * Does the message's work. Resolve only when the effect is durable: the
   * message is acknowledged right after. Throw PoisonMessageError to dead-letter,
   * anything else to have Pub/Sub redeliver it (with the subscription's backoff).
   */
  handle: (message: ReceivedMessage<Static<S>>) => Promise<void>;
  /** Topic for poison messages; the subscription's own dead-letter policy handles retries exhausted. */
  deadLetterTopic: string;
  /** Messages held at once, unacknowledged (flow control). */
  maxInFlight?: number;
  /**
   * The subscription's maxDeliveryAttempts. On the last attempt a failing message is
   * dead-lettered by the subscriber itself as `retries_exhausted` with the error, so the
   * dead letter says why (Pub/Sub's own dead-lettering cannot carry a reason).
   */
  maxDeliveryAttempts?: number | undefined;
  /**
   * How long acknowledgements wait to be sent together (client default 100 ms). On an ordered
   * subscription the next message of a key is delivered only after the ack, so keep it short there.
   */
  ackBatchMilliseconds?: number;
  logger: Logger;
  metrics?: PubSubMetrics;
  /** Counts each acknowledged message as read from the stream's input. */
  lineage?: StreamLineageLink;
}

/**
 * Pulls a subscription with flow control, acks only after the handler's
 * effect is durable, dead-letters poison messages with the reason in attributes,
 * and drains in-flight work on close.
 */
export class Subscriber<S extends TSchema> {
  private subscription?: Subscription;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly deadLetter: Publisher;
  private closing = false;

  constructor(
    private readonly pubsub: PubSub,
    private readonly options: SubscriberOptions<S>,
  ) {
    this.deadLetter = new Publisher(pubsub, options.deadLetterTopic, { maxMilliseconds: 5, ...(options.metrics ? { metrics: options.metrics } : {}) });
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    const { options } = this;
    this.subscription = this.pubsub.subscription(options.subscription, {
      flowControl: { maxMessages: options.maxInFlight ?? 1000, allowExcessMessages: false },
      ...(options.ackBatchMilliseconds !== undefined ? { batching: { maxMilliseconds: options.ackBatchMilliseconds } } : {}),
    });
    this.subscription.on('message', (message: Message) => {
      const work = this.process(message).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
    // Without an error listener the client would throw on a stream error and kill the process.
    this.subscription.on('error', (error) => {
      options.logger.error({ err: error, subscription: options.subscription }, 'subscription stream error');
    });
  }

  private async process(message: Message): Promise<void> {
    const { options } = this;
    const labels = { subscription: options.subscription };
    const started = process.hrtime.bigint();
    options.metrics?.received.inc(labels);
    if (this.closing) {
      message.nack();
      return;
    }
    try {
      const body = this.parse(message);
      await options.handle({
        body,
        attributes: message.attributes ?? {},
        id: message.id,
        publishTime: new Date(message.publishTime.valueOf()),
        deliveryAttempt: message.deliveryAttempt ?? 1,
      });
      await message.ackWithResponse();
      options.metrics?.acked.inc(labels);
      options.lineage?.stream.count(options.lineage.dataset);
      options.metrics?.messageAge.set(labels, (Date.now() - message.publishTime.valueOf()) / 1000);
    } catch (error) {
      if (error instanceof PoisonMessageError) {
        await this.sendToDeadLetter(message, error);
        return;
      }
      if (options.maxDeliveryAttempts && (message.deliveryAttempt ?? 0) >= options.maxDeliveryAttempts) {
        await this.sendToDeadLetter(message, new PoisonMessageError('retries_exhausted', `attempt ${message.deliveryAttempt}: ${(error as Error).message}`));
        return;
      }
      options.logger.warn(
        { err: error, messageId: message.id, deliveryAttempt: message.deliveryAttempt, subscription: options.subscription },
        'handler failed; message returned for redelivery',
      );
      message.nack();
      options.metrics?.nacked.inc(labels);
    } finally {
      options.metrics?.handleSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private parse(message: Message): Static<S> {
    let body: unknown;
    try {
      body = this.options.decode ? this.options.decode(message.data, message.attributes ?? {}) : JSON.parse(message.data.toString('utf8'));
    } catch (error) {
      throw new PoisonMessageError(error instanceof SyntaxError ? 'invalid_json' : 'undecodable', (error as Error).message);
    }
    const result = this.options.validator.validate(body);
    if (!result.ok) throw new PoisonMessageError('contract_violation', describeIssues(result.issues));
    return result.value;
  }

  private async sendToDeadLetter(message: Message, error: PoisonMessageError): Promise<void> {
    const { options } = this;
    try {
      await this.deadLetter.publish({
        data: message.data,
        attributes: {
          ...(message.attributes ?? {}),
          [DEAD_LETTER_ATTRIBUTES.reason]: error.reason,
          [DEAD_LETTER_ATTRIBUTES.detail]: (error.detail ?? '').slice(0, 1024),
          [DEAD_LETTER_ATTRIBUTES.subscription]: options.subscription,
          [DEAD_LETTER_ATTRIBUTES.messageId]: message.id,
          [DEAD_LETTER_ATTRIBUTES.publishTime]: new Date(message.publishTime.valueOf()).toISOString(),
          [DEAD_LETTER_ATTRIBUTES.deadLetteredAt]: new Date().toISOString(),
        },
      });
      // Ack only once the dead-letter copy is stored: nothing is dropped.
      await message.ackWithResponse();
      options.metrics?.deadLettered.inc({ subscription: options.subscription, reason: error.reason });
      options.logger.warn({ messageId: message.id, reason: error.reason, detail: error.detail }, 'message dead-lettered');
    } catch (publishError) {
      options.logger.error({ err: publishError, messageId: message.id }, 'dead-letter publish failed; message returned');
      message.nack();
    }
  }

  /** Stops pulling, waits for in-flight handlers (up to timeoutMs), then closes the stream. */
  async close(timeoutMs = 20_000): Promise<void> {
    this.closing = true;
    const drained = Promise.allSettled([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([drained, timeout]);
    clearTimeout(timer);
    await this.subscription?.close();
    await this.deadLetter.flush();
  }
}
