import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message, Subscription } from '@google-cloud/pubsub';
import { DuckDBInstance } from '@duckdb/node-api';
import { decodeSensorReadings } from '@mine/contracts';
import { DEAD_LETTER_ATTRIBUTES } from '@mine/platform';
import { freePort } from '@mine/testkit';
import type { ChaosProject } from './project.js';
import { packetKey } from './workload.js';

/** One record seen in a sink: its natural key and when it became visible there. */
export interface Observation {
  key: string;
  at?: number;
}

/**
 * A subscription of the checker's own on a topic, created before the workload
 * starts, so it sees every message published (Pub/Sub keeps them for it while it
 * is not pulling). Messages are acknowledged once recorded.
 */
export class TopicWatch {
  readonly messages: { data: Buffer; attributes: Record<string, string>; at: number; publishTime: number }[] = [];
  private subscription?: Subscription;

  private constructor(
    private readonly project: ChaosProject,
    readonly topic: string,
    readonly name: string,
  ) {}

  static async create(project: ChaosProject, topic: string): Promise<TopicWatch> {
    const name = `${topic}.chaos-watch`;
    await project.pubsub.topic(topic).createSubscription(name, { ackDeadlineSeconds: 60 });
    const watch = new TopicWatch(project, topic, name);
    watch.listen();
    return watch;
  }

  private listen(): void {
    this.subscription = this.project.pubsub.subscription(this.name, { flowControl: { maxMessages: 1000 } });
    this.subscription.on('message', (message: Message) => {
      this.messages.push({ data: message.data, attributes: message.attributes, at: Date.now(), publishTime: message.publishTime.getTime() });
      message.ack();
    });
    this.subscription.on('error', () => undefined);
  }

  /** Waits until `count` messages arrived or nothing new came for `quietMs`. */
  async settle({ quietMs = 3_000, timeoutMs = 60_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    let since = Date.now();
    while (Date.now() < deadline) {
      if (this.messages.length !== seen) {
        seen = this.messages.length;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** sensor-readings: one observation per packet. */
  packets(): Observation[] {
    return this.messages.flatMap((m) => {
      try {
        return (decodeSensorReadings(m.data, m.attributes).readings as { sensorId: string; sequence: number }[]).map((r) => ({ key: packetKey(r.sensorId, r.sequence), at: m.at }));
      } catch {
        return [{ key: `undecodable:${m.data.length}`, at: m.at }];
      }
    });
  }

  /** JSON messages keyed by a field (alerts: transitionId; machinery-issues: eventId). */
  json(field: string): Observation[] {
    return this.messages.map((m) => {
      const body = JSON.parse(m.data.toString('utf8')) as Record<string, unknown>;
      return { key: String(body[field]), at: m.at };
    });
  }

  /** Dead-letter topics: counts by the reason the subscriber gave, or `retries exhausted` when Pub/Sub moved it. */
  reasons(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.messages) {
      const reason = m.attributes[DEAD_LETTER_ATTRIBUTES.reason] ?? 'retries exhausted';
      out[reason] = (out[reason] ?? 0) + 1;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.subscription?.close().catch(() => undefined);
  }
}

/** Reads Parquet objects of the lake with DuckDB (downloaded first: no credentials needed on the emulator). */
export async function queryLakeParquet<T>(project: ChaosProject, prefix: string, sql: (files: string) => string): Promise<{ rows: T[]; objects: { name: string; created: number }[] }> {
  const [files] = await project.bucket('lake').getFiles({ prefix });
  const parquet = files.filter((f) => f.name.endsWith('.parquet'));
  if (parquet.length === 0) return { rows: [], objects: [] };
  const dir = await mkdtemp(join(tmpdir(), 'chaos-lake-'));
  try {
    const local = await Promise.all(
      parquet.map(async (file, i) => {
        const path = join(dir, `${i}.parquet`);
        await file.download({ destination: path });
        return path;
      }),
    );
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    const list = `[${local.map((p) => `'${p}'`).join(', ')}]`;
    const reader = await connection.runAndReadAll(sql(`read_parquet(${list}, filename = true, hive_partitioning = false)`));
    const rows = reader.getRowObjectsJS() as T[];
    connection.closeSync();
    return { rows, objects: parquet.map((f) => ({ name: f.name, created: Date.parse(String(f.metadata.timeCreated)) })) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Packets in the spool: one observation per row, visible when its file was stored. */
export async function spoolPackets(project: ChaosProject): Promise<Observation[]> {
  const { rows, objects } = await queryLakeParquet<{ sensorId: string; sequence: bigint | number; filename: string }>(
    project,
    'spool/',
    (files) => `SELECT sensorId, sequence, filename FROM ${files}`,
  );
  const created = objects.map((o) => o.created);
  return rows.map((r) => ({ key: packetKey(r.sensorId, Number(r.sequence)), at: created[Number(/(\d+)\.parquet$/.exec(r.filename)?.[1] ?? 0)] }));
}

/** Packets in the compacted raw lake (one row per sample): one observation per packet and copy of it. */
export async function rawLakePackets(project: ChaosProject): Promise<Observation[]> {
  const { rows } = await queryLakeParquet<{ sensorId: string; sequence: bigint | number; copies: bigint | number }>(
    project,
    'raw/',
    (files) => `SELECT sensorId, sequence, max(n) AS copies FROM (SELECT sensorId, sequence, sampleIndex, count(*) AS n FROM ${files} GROUP BY ALL) GROUP BY ALL`,
  );
  return rows.flatMap((r) => Array.from({ length: Number(r.copies) }, () => ({ key: packetKey(r.sensorId, Number(r.sequence)) })));
}

/** What a webhook receiver does with each request. */
export type ReceiverMode = { kind: 'ok' } | { kind: 'down' } | { kind: 'error'; status: number } | { kind: 'slow'; ms: number };

/** A webhook endpoint of the harness's own: records every delivery, and can be down, failing or slow. */
export class WebhookReceiver {
  readonly deliveries: { idempotencyKey: string; transitionId: string; at: number }[] = [];
  mode: ReceiverMode = { kind: 'ok' };
  private server?: Server;

  private constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(await freePort());
    await receiver.listen();
    return receiver;
  }

  private listen(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
  }

  private async handle(request: IncomingMessage, response: import('node:http').ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const mode = this.mode;
    if (mode.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, mode.ms));
    if (mode.kind === 'error') {
      response.writeHead(mode.status).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { transitionId?: string };
    this.deliveries.push({ idempotencyKey: String(request.headers['idempotency-key'] ?? ''), transitionId: String(body.transitionId), at: Date.now() });
    response.writeHead(200).end();
  }

  /** down: the port refuses connections; anything else: listening again. */
  async set(mode: ReceiverMode): Promise<void> {
    const wasDown = this.mode.kind === 'down';
    this.mode = mode;
    if (mode.kind === 'down' && !wasDown) await this.close();
    if (mode.kind !== 'down' && wasDown) await this.listen();
  }

  observations(): Observation[] {
    return this.deliveries.map((d) => ({ key: d.transitionId, at: d.at }));
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Rows of a BigQuery table of the project. */
export async function bigQueryRows<T>(project: ChaosProject, sql: string): Promise<T[]> {
  const [rows] = await project.bigquery.query({ query: sql.replace(/`([a-z_]+\.[a-z_]+)`/g, `\`${project.projectId}.$1\``), location: 'EU' });
  return rows as T[];
}
