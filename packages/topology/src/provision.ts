import { createHash } from 'node:crypto';
import type { PubSub } from '@google-cloud/pubsub';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import type { Storage } from '@google-cloud/storage';
import { toBigQuerySchema, type BigQueryField } from '@mine/contracts';
import type { Logger } from 'pino';
import { bucketName, type Topology } from './types.js';

export type ProvisionAction = 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update' | 'waiting';

export interface ProvisionStep {
  kind: 'topic' | 'subscription' | 'dataset' | 'table' | 'view' | 'bucket';
  name: string;
  action: ProvisionAction;
  detail?: string;
}

export interface ProvisionClients {
  pubsub: PubSub;
  bigquery: BigQuery;
  storage: Storage;
}

export interface ProvisionOptions {
  projectId: string;
  location: string;
  dryRun?: boolean;
  logger?: Logger;
}

/** A declared resource that exists in a shape provisioning must not change by itself. */
export class ProvisionConflictError extends Error {
  constructor(readonly conflicts: string[]) {
    super(`topology conflicts with existing resources:\n${conflicts.map((c) => `  - ${c}`).join('\n')}`);
    this.name = 'ProvisionConflictError';
  }
}

/**
 * Applies the topology: creates what is missing, updates what drifted in a
 * compatible way (subscription policies, new table columns, bucket lifecycle),
 * and reports the rest unchanged. Running it twice changes nothing the second time.
 */
export async function provision(topology: Topology, clients: ProvisionClients, options: ProvisionOptions): Promise<ProvisionStep[]> {
  const steps: ProvisionStep[] = [];
  const conflicts: string[] = [];
  const record = (step: ProvisionStep) => {
    steps.push(step);
    options.logger?.info({ kind: step.kind, resource: step.name, action: step.action, detail: step.detail }, `${step.kind} ${step.name}: ${step.action}`);
  };
  const act = async (step: Omit<ProvisionStep, 'action'>, kind: 'create' | 'update', apply: () => Promise<unknown>) => {
    if (options.dryRun) return record({ ...step, action: kind === 'create' ? 'would-create' : 'would-update' });
    await apply();
    record({ ...step, action: kind === 'create' ? 'created' : 'updated' });
  };

  const { pubsub, bigquery, storage } = clients;

  for (const spec of topology.topics) {
    const topic = pubsub.topic(spec.name);
    const [exists] = await topic.exists();
    if (exists) record({ kind: 'topic', name: spec.name, action: 'unchanged' });
    else
      await act({ kind: 'topic', name: spec.name }, 'create', () =>
        pubsub.createTopic({ name: spec.name, messageRetentionDuration: { seconds: spec.retentionSeconds } }),
      );
  }

  for (const spec of topology.subscriptions) {
    const subscription = pubsub.subscription(spec.name);
    const wanted = {
      ackDeadlineSeconds: spec.ackDeadlineSeconds,
      retryPolicy: {
        minimumBackoff: { seconds: spec.retry.minimumBackoffSeconds },
        maximumBackoff: { seconds: spec.retry.maximumBackoffSeconds },
      },
      ...(spec.deadLetterTopic
        ? {
            deadLetterPolicy: {
              deadLetterTopic: pubsub.topic(spec.deadLetterTopic).name,
              maxDeliveryAttempts: spec.maxDeliveryAttempts ?? 5,
            },
          }
        : {}),
      ...(spec.messageRetentionSeconds ? { messageRetentionDuration: { seconds: spec.messageRetentionSeconds } } : {}),
      // An expiration policy without a ttl is Pub/Sub's "never expires".
      ...(spec.neverExpires ? { expirationPolicy: {} } : {}),
    };
    const [exists] = await subscription.exists();
    if (!exists) {
      await act({ kind: 'subscription', name: spec.name }, 'create', () =>
        pubsub.topic(spec.topic).createSubscription(spec.name, {
          ...wanted,
          ...(spec.filter ? { filter: spec.filter } : {}),
          ...(spec.messageOrdering ? { enableMessageOrdering: true } : {}),
        }),
      );
      continue;
    }
    const [current] = await subscription.getMetadata();
    const currentTopic = String(current.topic ?? '');
    if (!currentTopic.endsWith(`/topics/${spec.topic}`)) {
      conflicts.push(`subscription ${spec.name} is attached to ${currentTopic}, declared on ${spec.topic}`);
      continue;
    }
    if ((current.filter ?? '') !== (spec.filter ?? '')) {
      conflicts.push(`subscription ${spec.name} has filter "${current.filter}", declared "${spec.filter ?? ''}" (filters cannot be changed; recreate it)`);
      continue;
    }
    if (Boolean(current.enableMessageOrdering) !== Boolean(spec.messageOrdering)) {
      conflicts.push(`subscription ${spec.name} has message ordering ${current.enableMessageOrdering ? 'on' : 'off'}, declared ${spec.messageOrdering ? 'on' : 'off'} (fixed at creation; declare a new subscription)`);
      continue;
    }
    const differences = subscriptionDifferences(current, wanted);
    if (differences.length === 0) record({ kind: 'subscription', name: spec.name, action: 'unchanged' });
    else
      await act({ kind: 'subscription', name: spec.name, detail: differences.join(', ') }, 'update', () => subscription.setMetadata(wanted));
  }

  for (const spec of topology.datasets) {
    const dataset = bigquery.dataset(spec.name, { location: options.location });
    const [exists] = await dataset.exists();
    if (exists) record({ kind: 'dataset', name: spec.name, action: 'unchanged' });
    else
      await act({ kind: 'dataset', name: spec.name }, 'create', () =>
        bigquery.createDataset(spec.name, { location: options.location, description: spec.description }),
      );
  }

  for (const spec of topology.tables) {
    const name = `${spec.dataset}.${spec.name}`;
    const table = bigquery.dataset(spec.dataset).table(spec.name);
    const wantedFields = toBigQuerySchema(spec.contract);
    const [exists] = options.dryRun && steps.some((s) => s.kind === 'dataset' && s.name === spec.dataset && s.action === 'would-create')
      ? [false]
      : await table.exists();
    if (!exists) {
      await act({ kind: 'table', name }, 'create', () =>
        bigquery.dataset(spec.dataset).createTable(spec.name, {
          schema: { fields: wantedFields as TableField[] },
          description: spec.description,
          ...(spec.partitioning ? { timePartitioning: { type: spec.partitioning.type, field: spec.partitioning.field } } : {}),
          ...(spec.clustering ? { clustering: { fields: spec.clustering } } : {}),
        }),
      );
      continue;
    }
    const [metadata] = await table.getMetadata();
    const currentFields = (metadata.schema?.fields ?? []) as BigQueryField[];
    const drift = schemaDrift(currentFields, wantedFields);
    if (drift.incompatible.length) {
      conflicts.push(`table ${name}: ${drift.incompatible.join('; ')}`);
      continue;
    }
    if (drift.added.length === 0) record({ kind: 'table', name, action: 'unchanged' });
    else
      await act({ kind: 'table', name, detail: `add columns ${drift.added.map((f) => f.name).join(', ')}` }, 'update', () =>
        table.setMetadata({ schema: { fields: [...currentFields, ...drift.added] } }),
      );
  }

  for (const spec of topology.views) {
    const name = `${spec.dataset}.${spec.name}`;
    const query = normaliseSql(spec.query(options.projectId));
    // The query's hash travels in a label: not every BigQuery implementation returns a view's SQL as written.
    const labels = { mine_query_sha256: createHash('sha256').update(query).digest('hex').slice(0, 32) };
    const view = bigquery.dataset(spec.dataset).table(spec.name);
    const [exists] = options.dryRun && steps.some((s) => s.kind === 'dataset' && s.name === spec.dataset && s.action === 'would-create') ? [false] : await view.exists();
    if (!exists) {
      try {
        await act({ kind: 'view', name }, 'create', () =>
          bigquery.dataset(spec.dataset).createTable(spec.name, { description: spec.description, labels, view: { query, useLegacySql: false } }),
        );
      } catch (error) {
        // BigQuery refuses a view over tables that do not exist yet (those the batch services create on
        // their first run); it is created by a later provisioning run, not treated as a failure.
        if ((error as { code?: number }).code !== 404 && !/not found/i.test((error as Error).message)) throw error;
        record({ kind: 'view', name, action: 'waiting', detail: (error as Error).message });
      }
      continue;
    }
    const [metadata] = await view.getMetadata();
    if (metadata.labels?.mine_query_sha256 === labels.mine_query_sha256) record({ kind: 'view', name, action: 'unchanged' });
    else await act({ kind: 'view', name, detail: 'query changed' }, 'update', () => view.setMetadata({ labels, view: { query, useLegacySql: false } }));
  }

  for (const spec of topology.buckets) {
    const name = bucketName(spec, options.projectId);
    const bucket = storage.bucket(name);
    const [exists] = await bucket.exists();
    const lifecycle = {
      rule: (spec.lifecycle ?? []).map((rule) => ({
        action: { type: 'Delete' as const },
        condition: { age: rule.deleteAfterDays, matchesPrefix: [rule.prefix] },
      })),
    };
    if (!exists) {
      await act({ kind: 'bucket', name }, 'create', () =>
        storage.createBucket(name, { location: options.location, ...(lifecycle.rule.length ? { lifecycle } : {}) }),
      );
      continue;
    }
    record({ kind: 'bucket', name, action: 'unchanged' });
  }

  if (conflicts.length) throw new ProvisionConflictError(conflicts);
  return steps;
}

function seconds(duration: unknown): number {
  const value = (duration as { seconds?: number | string | { toNumber(): number } } | null | undefined)?.seconds;
  if (value === undefined || value === null) return 0;
  return typeof value === 'object' ? value.toNumber() : Number(value);
}

function subscriptionDifferences(
  current: Record<string, any>,
  wanted: {
    ackDeadlineSeconds: number;
    retryPolicy: { minimumBackoff: { seconds: number }; maximumBackoff: { seconds: number } };
    deadLetterPolicy?: { deadLetterTopic: string; maxDeliveryAttempts: number };
    messageRetentionDuration?: { seconds: number };
    expirationPolicy?: object;
  },
): string[] {
  const differences: string[] = [];
  if (Number(current.ackDeadlineSeconds) !== wanted.ackDeadlineSeconds) differences.push('ackDeadlineSeconds');
  if (
    seconds(current.retryPolicy?.minimumBackoff) !== wanted.retryPolicy.minimumBackoff.seconds ||
    seconds(current.retryPolicy?.maximumBackoff) !== wanted.retryPolicy.maximumBackoff.seconds
  )
    differences.push('retryPolicy');
  const dlq = current.deadLetterPolicy;
  if ((dlq?.deadLetterTopic ?? '') !== (wanted.deadLetterPolicy?.deadLetterTopic ?? '') || Number(dlq?.maxDeliveryAttempts ?? 0) !== (wanted.deadLetterPolicy?.maxDeliveryAttempts ?? 0))
    differences.push('deadLetterPolicy');
  if (wanted.messageRetentionDuration && seconds(current.messageRetentionDuration) !== wanted.messageRetentionDuration.seconds) differences.push('messageRetentionDuration');
  if (wanted.expirationPolicy && seconds(current.expirationPolicy?.ttl) !== 0) differences.push('expirationPolicy');
  return differences;
}

/** Columns the contract adds (safe to apply) and changes BigQuery cannot apply in place. */
export function schemaDrift(current: BigQueryField[], wanted: BigQueryField[]): { added: BigQueryField[]; incompatible: string[] } {
  const byName = new Map(current.map((field) => [field.name, field]));
  const added: BigQueryField[] = [];
  const incompatible: string[] = [];
  for (const field of wanted) {
    const existing = byName.get(field.name);
    if (!existing) {
      // New columns must be NULLABLE (or REPEATED): existing rows have no value for them.
      added.push(field.mode === 'REQUIRED' ? { ...field, mode: 'NULLABLE' } : field);
      continue;
    }
    if (normaliseType(existing.type) !== normaliseType(field.type)) incompatible.push(`column ${field.name} is ${existing.type}, contract says ${field.type}`);
    if ((existing.mode ?? 'NULLABLE') !== field.mode && !(existing.mode === 'NULLABLE' && field.mode === 'REQUIRED'))
      incompatible.push(`column ${field.name} is ${existing.mode ?? 'NULLABLE'}, contract says ${field.mode}`);
  }
  for (const field of current) {
    if (!wanted.some((w) => w.name === field.name)) incompatible.push(`column ${field.name} exists but the contract removed it`);
  }
  return { added, incompatible };
}

const TYPE_ALIASES: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL', STRUCT: 'RECORD' };
function normaliseType(type: string): string {
  return TYPE_ALIASES[type] ?? type;
}

function normaliseSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
