import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devicesJson, mineLayout, type SimulatedSensor } from '@mine/simulator';
import { Cluster } from './cluster.js';
import { countStage, type StageCount } from './checker.js';
import { sharedEndpoints, type Endpoints } from './env.js';
import { Ledger } from './ledger.js';
import { ChaosProject, type RetryBudget } from './project.js';
import { TopicWatch, WebhookReceiver, rawLakePackets, spoolPackets, type Observation } from './sinks.js';
import { DEVICES, Devices, packetKey, type DeviceOptions } from './workload.js';
import { MOBILE, MobileApp, mobileIdentity } from './mobile.js';
import { bigQueryRows } from './sinks.js';

export interface RigOptions {
  prefix: string;
  sensors?: number;
  /** where the project lives (a private emulator instead of the shared one) */
  endpoints?: Endpoints;
  /** what the services are given instead (a proxy in front of a dependency) */
  serviceEndpoints?: Partial<Endpoints>;
  retry?: RetryBudget;
  webhook?: boolean;
  devices?: Partial<Omit<DeviceOptions, 'ledger' | 'targets'>>;
}

/**
 * The streaming path of one scenario: a project of its own, the checker's
 * watches on every topic (created before any traffic), a ledger, a fleet of
 * devices, and a cluster to start services in. `close()` stops everything.
 */
export class Rig {
  readonly cluster = new Cluster();
  readonly ledger = new Ledger();
  readonly sensors: SimulatedSensor[];
  readonly devices: Devices;
  readonly workDir = mkdtempSync(join(tmpdir(), 'chaos-work-'));
  webhook?: WebhookReceiver;
  mobile!: MobileApp;
  private jwks = '';
  readings!: TopicWatch;
  issues!: TopicWatch;
  alerts!: TopicWatch;
  deadLetters: TopicWatch[] = [];
  private readonly closers: (() => Promise<unknown> | unknown)[] = [];

  private constructor(
    readonly project: ChaosProject,
    readonly options: RigOptions,
  ) {
    this.sensors = mineLayout(options.sensors ?? 6);
    this.devices = new Devices(this.sensors, { ...options.devices, ledger: this.ledger, targets: () => this.cluster.urls('sensor-gateway') });
  }

  static async create(options: RigOptions): Promise<Rig> {
    const project = await ChaosProject.create(options.prefix, options.endpoints ?? sharedEndpoints(), options.retry ? { retry: options.retry } : {});
    const rig = new Rig(project, options);
    try {
      rig.readings = await TopicWatch.create(project, 'sensor-readings');
      rig.alerts = await TopicWatch.create(project, 'alerts');
      rig.issues = await TopicWatch.create(project, 'machinery-issues');
      const identity = await mobileIdentity();
      rig.jwks = identity.jwks;
      rig.mobile = new MobileApp(() => rig.cluster.urls('mobile-issues-api'), rig.ledger, identity.token);
      for (const topic of project.topology.topics.filter((t) => t.name.endsWith('-dead-letter'))) rig.deadLetters.push(await TopicWatch.create(project, topic.name));
      if (options.webhook) rig.webhook = await WebhookReceiver.start();
    } catch (error) {
      await rig.close();
      throw error;
    }
    return rig;
  }

  /** Something to stop or delete when the rig closes (a proxy, a private dependency). */
  onClose(closer: () => Promise<unknown> | unknown): void {
    this.closers.push(closer);
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { ...this.project.serviceEnv(this.options.serviceEndpoints), ...extra };
  }

  async gatewayEnv(extra: Record<string, string> = {}) {
    return this.env({ DEVICES_JSON: await devicesJson(this.sensors), ...extra });
  }

  evaluatorEnv(extra: Record<string, string> = {}) {
    return this.env({
      PG_SCHEMA: this.project.schema('alert-evaluator'),
      API_TOKENS: '',
      ...(this.webhook ? { WEBHOOK_URLS: this.webhook.url, WEBHOOK_MIN_BACKOFF_MS: '200' } : {}),
      ...extra,
    });
  }

  compactorEnv(extra: Record<string, string> = {}) {
    return this.env({ WORK_DIR: this.workDir, SPOOL_MAX_AGE_MS: '1000', ...extra });
  }

  mobileApiEnv(extra: Record<string, string> = {}) {
    return this.env({ PG_SCHEMA: this.project.schema('mobile-issues-api'), JWKS_JSON: this.jwks, PSEUDONYM_KEY: 'chaos-pseudonym-key-0123456789', ...extra });
  }

  sinkEnv(extra: Record<string, string> = {}) {
    return this.env({ BATCH_MAX_WAIT_MS: '200', ...extra });
  }

  /** Issue events in BigQuery raw_mobile.machinery_issue_events, by eventId. */
  async bigQueryEventsStage(extraKeys: string[] = []): Promise<StageCount> {
    const rows = await bigQueryRows<{ eventId: string }>(this.project, 'SELECT eventId FROM `raw_mobile.machinery_issue_events`');
    return countStage('raw_mobile (BigQuery)', this.ledger.acknowledged(MOBILE), this.ledger.sentKeys(MOBILE), [...rows.map((r) => ({ key: r.eventId })), ...extraKeys.map((key) => ({ key }))]);
  }

  /** eventIds held on the machinery-issues dead-letter topic (not lost: kept for replay). */
  deadLetteredIssueIds(): string[] {
    const watch = this.deadLetters.find((w) => w.topic === 'machinery-issues-dead-letter');
    return (watch?.messages ?? []).map((m) => {
      try {
        return String((JSON.parse(m.data.toString('utf8')) as { eventId?: string }).eventId);
      } catch {
        return 'undecodable';
      }
    });
  }

  deadLettered(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const watch of this.deadLetters)
      for (const [reason, n] of Object.entries(watch.reasons())) out[`${watch.topic.replace('-dead-letter', '')}: ${reason}`] = (out[`${watch.topic.replace('-dead-letter', '')}: ${reason}`] ?? 0) + n;
    return out;
  }

  /** Lets every watch drain what is still in flight. */
  async settle(quietMs = 4_000): Promise<void> {
    await Promise.all([this.readings, this.alerts, this.issues, ...this.deadLetters].map((w) => w.settle({ quietMs })));
  }

  stage(stage: string, observed: Observation[], options: { duplicatesCount?: boolean; expectedKeys?: Set<string> } = {}): StageCount {
    return countStage(stage, this.ledger.acknowledged(DEVICES), this.ledger.sentKeys(DEVICES), observed, options);
  }

  /** sensor-readings as the checker's subscription saw it (at least once: copies allowed). */
  topicStage(): StageCount {
    return this.stage('sensor-readings topic', this.readings.packets(), { duplicatesCount: false });
  }

  async spoolStage(): Promise<StageCount> {
    return this.stage('lake spool', await spoolPackets(this.project), { duplicatesCount: false });
  }

  async rawLakeStage(): Promise<StageCount> {
    return this.stage('lake raw (compacted)', await rawLakePackets(this.project));
  }

  /** The packets the alert-evaluator committed (its dedupe records). */
  async evaluatorStage(): Promise<StageCount> {
    const { rows } = await this.project.pg.query<{ key: string; at: Date }>(
      `SELECT key, processed_at AS at FROM ${this.project.schema('alert-evaluator')}.processed_messages WHERE source = 'sensor-readings'`,
    );
    return this.stage('alert-evaluator (PostgreSQL)', rows.map((r) => ({ key: evaluatorPacketKey(r.key), at: r.at.getTime() })));
  }

  /** Waits until `probe` reports everything acknowledged present, or the deadline passes. */
  async until(probe: () => Promise<StageCount>, timeoutMs = 90_000): Promise<StageCount> {
    const deadline = Date.now() + timeoutMs;
    let last = await probe();
    while (last.lost > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      last = await probe();
    }
    return last;
  }

  /** Runs the hourly compaction job for the hours given (2026-11-25T01). */
  compact(hours: string[], options: { killWhen?: RegExp; killAfterMs?: number; killDelayMs?: number } = {}) {
    return this.cluster.runJob('services/lake-compactor', 'src/compact-main.ts', hours, this.compactorEnv(), options);
  }

  async close(): Promise<void> {
    await this.cluster.stopAll();
    for (const watch of [this.readings, this.alerts, this.issues, ...this.deadLetters]) await watch?.close();
    await this.webhook?.close();
    await this.project.cleanup();
    // Private dependencies and proxies go last: the cleanup above still talks to them.
    for (const closer of this.closers.reverse()) await Promise.resolve(closer()).catch(() => undefined);
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

export { packetKey, MOBILE };

/** The evaluator's dedupe key (`sensorId:sequence`, or `sensorId:bootId:sequence:startTime` since boots are told apart) as the ledger's key. */
export function evaluatorPacketKey(key: string): string {
  const match = /^([^:]+):(?:([^:]*):)?(\d+)(?::|$)/.exec(key);
  return match ? packetKey(match[1]!, Number(match[3])) : key;
}
