import { AlarmTransition, HourlyVibrationFeatures, MachineryIssueEvent, PipelineRunRow, QuarantinedRow, SeismicEvent } from '@mine/contracts';
import type { SubscriptionSpec, Topology, TopicSpec } from './types.js';
import { views } from './views.js';

const DAY = 24 * 3600;

/** Dead-letter topic of a source topic; each has a hold subscription so nothing sent there is dropped. */
export const deadLetterTopicOf = (topic: string) => `${topic}-dead-letter`;

const sourceTopics: TopicSpec[] = [
  {
    name: 'sensor-readings',
    description: 'validated geophone waveform packets from sensor-gateway, one Avro message per device request',
    contract: 'SensorReadingBatch',
    publishers: ['sensor-gateway'],
    retentionSeconds: 7 * DAY,
  },
  {
    name: 'machinery-issues',
    description: 'machinery issue events from the mobile app, PII-masked',
    contract: 'MachineryIssueEvent',
    publishers: ['mobile-issues-api'],
    retentionSeconds: 7 * DAY,
  },
  {
    name: 'seismic-events',
    description: 'located, sized and blast-labelled seismic events from seismic-catalogue (an event again when it is relabelled)',
    contract: 'SeismicEvent',
    publishers: ['seismic-catalogue'],
    retentionSeconds: 7 * DAY,
  },
  {
    name: 'alerts',
    description: 'alarm transitions from alert-evaluator',
    contract: 'AlarmTransition',
    publishers: ['alert-evaluator'],
    retentionSeconds: 7 * DAY,
  },
  {
    name: 'pipeline-runs',
    description: 'run-completed messages of the batch stages, saying which tables changed: the trigger of the quality gate',
    contract: 'RunCompleted',
    publishers: ['db-extractor', 's3-avro-sync', 'lake-compactor'],
    retentionSeconds: 7 * DAY,
  },
];

/** Pub/Sub's limits: a subscription keeps unacked messages 7 days at most, a topic 31 days. */
const MAX_SUBSCRIPTION_RETENTION_SECONDS = 7 * DAY;
const MAX_TOPIC_RETENTION_SECONDS = 31 * DAY;

const deadLetterTopics: TopicSpec[] = sourceTopics.map((topic) => ({
  name: deadLetterTopicOf(topic.name),
  description: `messages from ${topic.name} that could not be processed, with the reason in attributes`,
  publishers: [],
  // A dead letter older than its hold subscription keeps can still be recovered by seeking to a time.
  retentionSeconds: MAX_TOPIC_RETENTION_SECONDS,
}));

const streamingRetry = { minimumBackoffSeconds: 5, maximumBackoffSeconds: 300 };

const consumerSubscriptions: SubscriptionSpec[] = [
  {
    name: 'lake-compactor.sensor-readings',
    topic: 'sensor-readings',
    owner: 'lake-compactor',
    description: 'packets spooled into Parquet; acked once the spool file is durable',
    ackDeadlineSeconds: 120,
    deadLetterTopic: deadLetterTopicOf('sensor-readings'),
    maxDeliveryAttempts: 10,
    retry: streamingRetry,
  },
  {
    // A new name, not the old subscription changed: ordering is fixed when a subscription is created.
    name: 'alert-evaluator.sensor-readings-ordered',
    topic: 'sensor-readings',
    owner: 'alert-evaluator',
    description: 'packets evaluated against vibration, seismic and sensor-health rules, in order per sensor (ordering key = sensor id)',
    messageOrdering: true,
    ackDeadlineSeconds: 30,
    deadLetterTopic: deadLetterTopicOf('sensor-readings'),
    maxDeliveryAttempts: 10,
    retry: streamingRetry,
  },
  {
    name: 'seismic-catalogue.sensor-readings',
    topic: 'sensor-readings',
    owner: 'seismic-catalogue',
    description: 'packets of every station, picked, associated and located by the one leader replica; acked once no undecided event can need them',
    ackDeadlineSeconds: 60,
    deadLetterTopic: deadLetterTopicOf('sensor-readings'),
    maxDeliveryAttempts: 10,
    retry: streamingRetry,
  },
  {
    name: 'alert-evaluator.seismic-events',
    topic: 'seismic-events',
    owner: 'alert-evaluator',
    description: 'catalogue events: one alarm per located event, with its stations and PPVs',
    ackDeadlineSeconds: 30,
    deadLetterTopic: deadLetterTopicOf('seismic-events'),
    maxDeliveryAttempts: 10,
    retry: streamingRetry,
  },
  {
    name: 'alert-evaluator.alerts-history',
    topic: 'alerts',
    owner: 'alert-evaluator',
    description: 'alarm transitions streamed into ops.alarm_transitions; no dead-letter policy: a transition stays retryable through a BigQuery outage',
    ackDeadlineSeconds: 60,
    retry: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 60 },
  },
  {
    name: 'alert-evaluator.machinery-issues',
    topic: 'machinery-issues',
    owner: 'alert-evaluator',
    description: 'issue events evaluated against machinery rules',
    ackDeadlineSeconds: 30,
    deadLetterTopic: deadLetterTopicOf('machinery-issues'),
    maxDeliveryAttempts: 10,
    retry: streamingRetry,
  },
  {
    name: 'quality-gate.pipeline-runs',
    topic: 'pipeline-runs',
    owner: 'quality-gate',
    description: 'checks each changed table and publishes it to curated when its checks pass; acked once the result is recorded',
    ackDeadlineSeconds: 600,
    deadLetterTopic: deadLetterTopicOf('pipeline-runs'),
    maxDeliveryAttempts: 10,
    retry: { minimumBackoffSeconds: 30, maximumBackoffSeconds: 600 },
  },
  {
    name: 'mobile-issues-sink.machinery-issues',
    topic: 'machinery-issues',
    owner: 'mobile-issues-sink',
    description: 'issue events streamed into raw_mobile.machinery_issue_events',
    ackDeadlineSeconds: 60,
    deadLetterTopic: deadLetterTopicOf('machinery-issues'),
    maxDeliveryAttempts: 10,
    retry: streamingRetry,
  },
];

const deadLetterHolds: SubscriptionSpec[] = deadLetterTopics.map((topic) => ({
  name: `${topic.name}.hold`,
  topic: topic.name,
  owner: 'operators',
  description: `keeps ${topic.name} for inspection and replay`,
  ackDeadlineSeconds: 60,
  retry: streamingRetry,
  messageRetentionSeconds: MAX_SUBSCRIPTION_RETENTION_SECONDS,
  neverExpires: true,
}));

/** The platform's one declaration of its cloud resources. */
export const topology: Topology = {
  topics: [...sourceTopics, ...deadLetterTopics],
  subscriptions: [...consumerSubscriptions, ...deadLetterHolds],
  datasets: [
    { name: 'raw_mobile', description: 'machinery issue events as the app sent them (ELT raw layer)', writers: ['mobile-issues-sink'] },
    { name: 'raw_erp', description: 'SAP ERP tables copied from Oracle', writers: ['db-extractor'] },
    { name: 'raw_production', description: "production app tables copied from PostgreSQL", writers: ['db-extractor'] },
    { name: 'raw_rock_quality', description: "rock-quality supplier's Avro analyses", writers: ['s3-avro-sync'] },
    // Shared by several stages: written per table (each table's owner and writers), never as a whole,
    // so only alert-evaluator can change the alarm history.
    { name: 'ops', description: 'alarm history and pipeline runs (lineage, data quality)', writers: [] },
    { name: 'curated', description: 'batch tables that passed their quality checks (write-audit-publish); the marts read these', writers: ['quality-gate'] },
    { name: 'marts', description: 'views and tables for dashboards', writers: [] },
  ],
  tables: [
    {
      dataset: 'raw_mobile',
      name: 'machinery_issue_events',
      description: 'one row per machinery issue event, deduplicated by eventId',
      contract: MachineryIssueEvent,
      owner: 'mobile-issues-sink',
      partitioning: { field: 'occurredAt', type: 'DAY' },
      clustering: ['siteId', 'machineId'],
    },
    {
      dataset: 'ops',
      name: 'alarm_transitions',
      description: 'every alarm state transition',
      contract: AlarmTransition,
      owner: 'alert-evaluator',
      partitioning: { field: 'transitionAt', type: 'DAY' },
      clustering: ['site', 'ruleId'],
    },
    {
      dataset: 'ops',
      name: 'seismic_events',
      description: 'the seismic event catalogue: origin, location and uncertainty, magnitude, energy, blast label, arrivals and station amplitudes; a relabelled event appears again with a later decidedAt (views keep the latest)',
      contract: SeismicEvent,
      owner: 'seismic-catalogue',
      partitioning: { field: 'originTime', type: 'DAY' },
      clustering: ['site', 'kind'],
    },
    {
      dataset: 'ops',
      name: 'vibration_hourly',
      description: 'hourly vibration features per sensor, loaded from the lake by lake-compactor',
      contract: HourlyVibrationFeatures,
      owner: 'lake-compactor',
      partitioning: { field: 'hourStart', type: 'DAY' },
      clustering: ['site', 'zone'],
    },
    {
      dataset: 'curated',
      name: 'vibration_hourly',
      description: 'ops.vibration_hourly as of its last passing quality checks (declared so its marts answer before the first publication)',
      contract: HourlyVibrationFeatures,
      owner: 'quality-gate',
      partitioning: { field: 'hourStart', type: 'DAY' },
      clustering: ['site', 'zone'],
    },
    {
      dataset: 'ops',
      name: 'pipeline_runs',
      description: 'OpenLineage run events of every stage, flattened',
      contract: PipelineRunRow,
      owner: 'db-extractor',
      // Every stage that reports lineage to BigQuery appends its runs here.
      writers: ['alert-evaluator', 'db-extractor', 's3-avro-sync', 'lake-compactor', 'mobile-issues-sink', 'quality-gate'],
      partitioning: { field: 'eventTime', type: 'DAY' },
      clustering: ['jobName'],
    },
    {
      dataset: 'ops',
      name: 'quality_quarantine',
      description: 'rows that failed a quality check, kept for inspection (the check run is in ops.pipeline_runs)',
      contract: QuarantinedRow,
      owner: 'quality-gate',
      partitioning: { field: 'quarantinedAt', type: 'DAY' },
      clustering: ['tableId', 'assertion'],
    },
  ],
  views,
  buckets: [
    {
      name: 'lake',
      description: 'the data lake: spool/ (small Parquet files), raw/ and features/ (hourly, Hive partitions), state/ (what the hourly job compacted, its leases and runs)',
      writers: ['lake-compactor'],
      readers: ['fdsn-ws'],
      lifecycle: [
        { prefix: 'spool/', deleteAfterDays: 7 },
        { prefix: 'staging/', deleteAfterDays: 3 },
        // What each hour's last compaction covered must outlive the spool it describes.
        { prefix: 'state/compacted/', deleteAfterDays: 30 },
        { prefix: 'state/leases/', deleteAfterDays: 30 },
        { prefix: 'state/detector/', deleteAfterDays: 30 },
        { prefix: 'state/runs/', deleteAfterDays: 90 },
      ],
    },
    {
      name: 'landing',
      description: 'files as received from outside: rock-quality/ (supplier Avro), quarantine/, staging/ (db-extractor chunks)',
      writers: ['s3-avro-sync', 'db-extractor'],
      readers: [],
      lifecycle: [
        { prefix: 'staging/', deleteAfterDays: 3 },
        { prefix: 'quarantine/', deleteAfterDays: 90 },
      ],
    },
  ],
  readers: [
    { name: 'analysts', description: 'the analytics team: the curated and raw layers, the marts and the operational history', datasets: ['raw_mobile', 'raw_erp', 'raw_production', 'raw_rock_quality', 'curated', 'marts', 'ops'], buckets: [] },
    { name: 'dashboards', description: 'Grafana and Looker: the marts only', datasets: ['marts'], buckets: [] },
    { name: 'ml-team', description: 'the ML team: the lake (hourly Parquet) and the event catalogue and features', datasets: ['marts', 'ops'], buckets: ['lake'] },
  ],
};
