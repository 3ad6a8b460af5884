import { PubSub } from '@google-cloud/pubsub';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Storage } from '@google-cloud/storage';
import { createBigQuery, createStorage } from '@mine/platform';
import { uniqueName } from '@mine/testkit';
import { bucketName, provision, topology, type Topology } from '@mine/topology';
import pg from 'pg';
import type { Endpoints } from './env.js';

/** Shortened retry budgets: long outages are simulated by a budget shrunk in the same ratio. */
export interface RetryBudget {
  maxDeliveryAttempts: number;
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
}

/**
 * A Google Cloud project of the scenario's own on the emulators, provisioned
 * from the platform's topology (packages/topology), and a PostgreSQL schema
 * prefix of its own, so runs never see each other's data or the shared one's.
 */
export class ChaosProject {
  readonly pubsub: PubSub;
  readonly bigquery: BigQuery;
  readonly storage: Storage;
  readonly pg: pg.Pool;

  private constructor(
    readonly projectId: string,
    readonly endpoints: Endpoints,
    readonly topology: Topology,
  ) {
    this.pubsub = new PubSub({ projectId, apiEndpoint: endpoints.pubsub, emulatorMode: true });
    this.bigquery = createBigQuery({ projectId, bigqueryApiEndpoint: endpoints.bigquery, location: 'EU' });
    this.storage = createStorage({ projectId, storageApiEndpoint: endpoints.storage });
    this.pg = new pg.Pool({ connectionString: endpoints.databaseUrl, max: 4 });
    this.pg.on('error', () => undefined);
  }

  static async create(prefix: string, endpoints: Endpoints, options: { retry?: RetryBudget } = {}): Promise<ChaosProject> {
    const projectId = uniqueName(`chaos-${prefix}`).replace(/_/g, '-').slice(0, 30).replace(/-$/, '');
    const declared = options.retry ? withRetryBudget(topology, options.retry) : topology;
    const project = new ChaosProject(projectId, endpoints, declared);
    await provision(declared, { pubsub: project.pubsub, bigquery: project.bigquery, storage: project.storage }, { projectId, location: 'EU' });
    return project;
  }

  /** A PostgreSQL schema name unique to this project. */
  schema(service: string): string {
    return `${this.projectId.replace(/-/g, '_')}_${service.replace(/-/g, '_')}`;
  }

  bucket(name: 'lake' | 'landing') {
    return this.storage.bucket(bucketName({ name }, this.projectId));
  }

  /** Environment that points a service at this project (and at `endpoints`, which a scenario may route through a proxy). */
  serviceEnv(endpoints: Partial<Endpoints> = {}): Record<string, string> {
    const e = { ...this.endpoints, ...endpoints };
    return {
      GCP_PROJECT_ID: this.projectId,
      PUBSUB_EMULATOR_HOST: e.pubsub,
      BIGQUERY_API_ENDPOINT: e.bigquery,
      STORAGE_API_ENDPOINT: e.storage,
      DATABASE_URL: e.databaseUrl,
      LINEAGE_TRANSPORT: 'none',
    };
  }

  /** Deletes the topics, subscriptions and schemas it created (the emulators keep topics in memory). */
  async cleanup(): Promise<void> {
    for (const s of this.topology.subscriptions) await this.pubsub.subscription(s.name).delete().catch(() => undefined);
    const [extra] = await this.pubsub.getSubscriptions().catch(() => [[]] as never);
    for (const s of extra ?? []) await s.delete().catch(() => undefined);
    for (const t of this.topology.topics) await this.pubsub.topic(t.name).delete().catch(() => undefined);
    const { rows } = await this.pg
      .query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${this.projectId.replace(/-/g, '_')}%`])
      .catch(() => ({ rows: [] as { nspname: string }[] }));
    for (const { nspname } of rows) await this.pg.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => undefined);
    await this.pubsub.close().catch(() => undefined);
    await this.pg.end().catch(() => undefined);
  }
}

function withRetryBudget(declared: Topology, retry: RetryBudget): Topology {
  return {
    ...declared,
    subscriptions: declared.subscriptions.map((s) =>
      s.deadLetterTopic
        ? { ...s, maxDeliveryAttempts: retry.maxDeliveryAttempts, retry: { minimumBackoffSeconds: retry.minimumBackoffSeconds, maximumBackoffSeconds: retry.maximumBackoffSeconds } }
        : s,
    ),
  };
}
