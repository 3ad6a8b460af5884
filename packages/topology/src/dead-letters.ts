import { v1, type PubSub } from '@google-cloud/pubsub';
import { DEAD_LETTER_ATTRIBUTES } from '@mine/platform';
import { deadLetterTopicOf } from './topology.js';
import type { Topology } from './types.js';

/** Attributes Pub/Sub itself adds when it dead-letters a message after its maximum delivery attempts. */
const PUBSUB_SOURCE_SUBSCRIPTION = 'CloudPubSubDeadLetterSourceSubscription';
const PUBSUB_DELIVERY_COUNT = 'CloudPubSubDeadLetterSourceDeliveryCount';
/** Set on a replayed copy: the dead letter it came from, so a consumer's logs and dedupe can tell. */
export const REPLAY_OF_ATTRIBUTE = 'dlq_replay_of';

export interface DeadLetter {
  /** The dead letter's own message id (on the dead-letter topic): what `show` and `--id` take. */
  id: string;
  sourceTopic: string;
  reason: string;
  detail: string;
  sourceSubscription: string;
  deadLetteredAt: string;
  attributes: Record<string, string>;
  data: Buffer;
  ackId: string;
}

export interface ReplaySelection {
  reason?: string;
  ids?: string[];
  /** Replay at most this many. */
  limit?: number;
  dryRun?: boolean;
}

export interface ReplayResult {
  matched: number;
  replayed: number;
  dryRun: boolean;
  ids: string[];
}

/** The source topics that have a dead-letter topic with a hold subscription, by source topic. */
function holds(topology: Topology): Map<string, string> {
  const result = new Map<string, string>();
  for (const topic of topology.topics) {
    const hold = topology.subscriptions.find((s) => s.topic === deadLetterTopicOf(topic.name) && s.owner === 'operators');
    if (hold) result.set(topic.name, hold.name);
  }
  return result;
}

/**
 * Dead letters as operators see them: read from each dead-letter topic's hold
 * subscription, grouped by reason, replayed to their source topic. Reading never
 * consumes (what is not replayed is released at once); a replayed dead letter is
 * acknowledged only after its copy is stored on the source topic, so a second
 * replay finds nothing to do and a crash in between repeats one publish, which the
 * idempotent consumers absorb.
 */
export class DeadLetters {
  private client?: v1.SubscriberClient;
  private readonly holdByTopic: Map<string, string>;

  constructor(
    private readonly pubsub: PubSub,
    private readonly projectId: string,
    topology: Topology,
  ) {
    this.holdByTopic = holds(topology);
  }

  /** Source topics with a dead-letter hold. */
  get topics(): string[] {
    return [...this.holdByTopic.keys()];
  }

  /** Every dead letter of a source topic (up to `max`), released again afterwards. */
  async list(sourceTopic: string, max = 1000): Promise<DeadLetter[]> {
    const letters = await this.pull(sourceTopic, max);
    await this.release(sourceTopic, letters);
    return letters;
  }

  /** Counts by reason, for the summary table. */
  static byReason(letters: DeadLetter[]): { reason: string; count: number; oldest: string; newest: string }[] {
    const groups = new Map<string, DeadLetter[]>();
    for (const letter of letters) groups.set(letter.reason, [...(groups.get(letter.reason) ?? []), letter]);
    return [...groups].map(([reason, group]) => {
      const times = group.map((l) => l.deadLetteredAt).sort();
      return { reason, count: group.length, oldest: times[0] ?? '', newest: times.at(-1) ?? '' };
    });
  }

  /** Republishes the selected dead letters to their source topic, then acknowledges them on the hold. */
  async replay(sourceTopic: string, selection: ReplaySelection, max = 1000): Promise<ReplayResult> {
    const letters = await this.pull(sourceTopic, max);
    const wanted = letters
      .filter((l) => !selection.reason || l.reason === selection.reason)
      .filter((l) => !selection.ids?.length || selection.ids.includes(l.id))
      .slice(0, selection.limit ?? Number.POSITIVE_INFINITY);
    const result: ReplayResult = { matched: wanted.length, replayed: 0, dryRun: selection.dryRun ?? false, ids: wanted.map((l) => l.id) };
    const chosen = new Set(wanted);
    try {
      if (!selection.dryRun) {
        const client = await this.connect();
        const topic = this.pubsub.topic(sourceTopic);
        // In chunks, published in parallel: the whole chunk is acked well within the hold's ack deadline.
        for (let i = 0; i < wanted.length; i += 100) {
          const chunk = wanted.slice(i, i + 100);
          await Promise.all(chunk.map((letter) => topic.publishMessage({ data: letter.data, attributes: { ...originalAttributes(letter.attributes), [REPLAY_OF_ATTRIBUTE]: letter.id } })));
          await client.acknowledge({ subscription: this.holdPath(sourceTopic), ackIds: chunk.map((l) => l.ackId) });
          for (const letter of chunk) chosen.delete(letter);
          result.replayed += chunk.length;
        }
      }
    } finally {
      // Everything not replayed (not chosen, a dry run, or left by a failure) goes back at once.
      await this.release(sourceTopic, letters.filter((l) => !wanted.includes(l) || chosen.has(l)));
    }
    return result;
  }

  async close(): Promise<void> {
    await this.client?.close();
  }

  private holdPath(sourceTopic: string): string {
    const hold = this.holdByTopic.get(sourceTopic);
    if (!hold) throw new Error(`${sourceTopic} has no dead-letter hold subscription; topics with one: ${this.topics.join(', ')}`);
    return `projects/${this.projectId}/subscriptions/${hold}`;
  }

  private async pull(sourceTopic: string, max: number): Promise<DeadLetter[]> {
    const subscription = this.holdPath(sourceTopic);
    const client = await this.connect();
    const letters: DeadLetter[] = [];
    // Pub/Sub may answer a pull with fewer messages than it holds, or none: stop after two empty answers.
    for (let empty = 0; empty < 2 && letters.length < max; ) {
      const [response] = await client.pull({ subscription, maxMessages: Math.min(100, max - letters.length) }, { timeout: 10_000 }).catch((error: { code?: number }) => {
        if (error.code === 4) return [{ receivedMessages: [] }]; // DEADLINE_EXCEEDED: nothing to pull
        throw error;
      });
      const received = response.receivedMessages ?? [];
      if (received.length === 0) empty += 1;
      for (const r of received) letters.push(toDeadLetter(sourceTopic, r));
    }
    return letters;
  }

  private async release(sourceTopic: string, letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const client = await this.connect();
    for (let i = 0; i < letters.length; i += 500) {
      await client.modifyAckDeadline({ subscription: this.holdPath(sourceTopic), ackIds: letters.slice(i, i + 500).map((l) => l.ackId), ackDeadlineSeconds: 0 });
    }
  }

  private async connect(): Promise<v1.SubscriberClient> {
    const { port, ...options } = await this.pubsub.getClientConfig();
    this.client ??= new v1.SubscriberClient({ ...options, ...(port !== undefined ? { port: Number(port) } : {}) });
    return this.client;
  }
}

function toDeadLetter(sourceTopic: string, received: { ackId?: string | null; message?: { messageId?: string | null; data?: Uint8Array | string | null; attributes?: Record<string, string> | null; publishTime?: { seconds?: unknown; nanos?: number | null } | null } | null }): DeadLetter {
  const message = received.message ?? {};
  const attributes = { ...(message.attributes ?? {}) };
  const byPubSub = attributes[PUBSUB_SOURCE_SUBSCRIPTION];
  const publishedAt = message.publishTime?.seconds ? new Date(Number(message.publishTime.seconds) * 1000).toISOString() : '';
  return {
    id: message.messageId ?? '',
    sourceTopic,
    // Ours say why; Pub/Sub's own (a subscriber that crashed on every attempt) can only say how many times.
    reason: attributes[DEAD_LETTER_ATTRIBUTES.reason] ?? (byPubSub ? 'delivery_attempts_exhausted' : 'unknown'),
    detail: attributes[DEAD_LETTER_ATTRIBUTES.detail] ?? (byPubSub ? `${attributes[PUBSUB_DELIVERY_COUNT] ?? '?'} deliveries failed` : ''),
    sourceSubscription: attributes[DEAD_LETTER_ATTRIBUTES.subscription] ?? (byPubSub ? byPubSub.split('/').pop()! : ''),
    deadLetteredAt: attributes[DEAD_LETTER_ATTRIBUTES.deadLetteredAt] ?? publishedAt,
    attributes,
    data: Buffer.from(message.data ?? ''),
    ackId: received.ackId ?? '',
  };
}

/** The attributes the producer set: without the dead-letter bookkeeping (ours and Pub/Sub's). */
function originalAttributes(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([key]) => !key.startsWith('dlq_') && !key.startsWith('CloudPubSubDeadLetter')));
}
