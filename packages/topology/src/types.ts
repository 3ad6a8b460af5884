import type { TObject } from '@sinclair/typebox';

/** Stages that own resources; matches services/<name> and Kubernetes object names. */
export type ServiceName =
  | 'sensor-gateway'
  | 'mobile-issues-api'
  | 'mobile-issues-sink'
  | 'alert-evaluator'
  | 'lake-compactor'
  | 'db-extractor'
  | 's3-avro-sync'
  | 'quality-gate'
  | 'fdsn-ws'
  | 'seismic-catalogue';

export interface TopicSpec {
  name: string;
  description: string;
  /** Contract of the message body, by its $id. */
  contract?: string;
  publishers: ServiceName[];
  /** How long Pub/Sub keeps messages, for replay after an incident. */
  retentionSeconds: number;
}

/** Resources no service consumes: dead-letter holds, read by people and replay tools. */
export type Owner = ServiceName | 'operators';

export interface SubscriptionSpec {
  name: string;
  topic: string;
  owner: Owner;
  description: string;
  ackDeadlineSeconds: number;
  /** Retries exhausted go here; poison messages are sent there by the subscriber at once. */
  deadLetterTopic?: string;
  maxDeliveryAttempts?: number;
  retry: { minimumBackoffSeconds: number; maximumBackoffSeconds: number };
  /** Optional Pub/Sub filter, e.g. on message attributes. */
  filter?: string;
  /** How long unacknowledged messages are kept (Pub/Sub's default 7 days is also its maximum). */
  messageRetentionSeconds?: number;
  /** Never deleted for inactivity (Pub/Sub deletes idle subscriptions after 31 days by default). */
  neverExpires?: boolean;
  /**
   * Deliver messages with the same ordering key in publish order, the next only after the
   * previous is acknowledged. Fixed at creation: a subscription cannot gain it later.
   */
  messageOrdering?: boolean;
}

export interface TableSpec {
  dataset: string;
  name: string;
  description: string;
  contract: TObject;
  owner: ServiceName;
  /**
   * Who may write rows, when not only the owner (lineage rows come from every
   * stage). In a dataset without `writers` this is the table-level grant:
   * nobody else can change the table.
   */
  writers?: ServiceName[];
  partitioning?: { field: string; type: 'DAY' | 'HOUR' | 'MONTH' };
  clustering?: string[];
}

/** A view (an ELT model): its SQL is written against `${project}` and the datasets above. */
export interface ViewSpec {
  dataset: string;
  name: string;
  description: string;
  owner: Owner;
  query: (projectId: string) => string;
}

export interface DatasetSpec {
  name: string;
  description: string;
  /**
   * Who may write the whole dataset (create tables in it, e.g. staging): the
   * service accounts bound as data editors of the dataset. Keep it to the
   * dataset's one stage; shared datasets (ops) grant per table instead.
   */
  writers: ServiceName[];
}

/**
 * People and tools that read, never write: bound as BigQuery data viewers on
 * their datasets (and object viewers on their buckets). The members (a Google
 * group or a service account) are chart values, `readers.<name>`.
 */
export interface ReaderSpec {
  name: 'analysts' | 'dashboards' | 'ml-team';
  description: string;
  datasets: string[];
  buckets: string[];
}

export interface BucketSpec {
  /** Logical name; the real bucket is `${projectId}-${name}` (bucket names are global). */
  name: string;
  description: string;
  writers: ServiceName[];
  readers: ServiceName[];
  /** Objects under a prefix are deleted after the given days. */
  lifecycle?: { prefix: string; deleteAfterDays: number }[];
}

export interface Topology {
  topics: TopicSpec[];
  subscriptions: SubscriptionSpec[];
  datasets: DatasetSpec[];
  tables: TableSpec[];
  views: ViewSpec[];
  buckets: BucketSpec[];
  readers: ReaderSpec[];
}

/** Every service that may write a table: dataset writers, the table's owner, and its listed writers. */
export function tableWriters(topology: Pick<Topology, 'datasets'>, table: TableSpec): ServiceName[] {
  const dataset = topology.datasets.find((d) => d.name === table.dataset);
  return [...new Set([...(dataset?.writers ?? []), table.owner, ...(table.writers ?? [])])];
}

export function bucketName(bucket: Pick<BucketSpec, 'name'>, projectId: string): string {
  return `${projectId}-${bucket.name}`;
}
