import { AlarmTransition, HourlyVibrationFeatures, MachineryIssueEvent, PipelineRunRow } from '@mine/contracts';
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
    name: 'alerts',
    description: 'alarm transitions from alert-evaluator',
    contract: 'AlarmTransition',
    publishers: ['alert-evaluator'],
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
    name: 'alert-evaluator.sensor-readings',
    topic: 'sensor-readings',
    owner: 'alert-evaluator',
    description: 'packets evaluated against vibration, seismic and sensor-health rules',
    ackDeadlineSeconds: 30,
    deadLetterTopic: deadLetterTopicOf('sensor-readings'),
    maxDeliveryAttempts: 10,
    retry: streamingRetry,
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
    { name: 'ops', description: 'alarm history and pipeline runs (lineage, data quality)', writers: ['alert-evaluator', 'db-extractor', 's3-avro-sync', 'lake-compactor', 'mobile-issues-sink'] },
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
      name: 'vibration_hourly',
      description: 'hourly vibration features per sensor, loaded from the lake by lake-compactor',
      contract: HourlyVibrationFeatures,
      owner: 'lake-compactor',
      partitioning: { field: 'hourStart', type: 'DAY' },
      clustering: ['site', 'zone'],
    },
    {
      dataset: 'ops',
      name: 'pipeline_runs',
      description: 'OpenLineage run events of every stage, flattened',
      contract: PipelineRunRow,
      owner: 'db-extractor',
      partitioning: { field: 'eventTime', type: 'DAY' },
      clustering: ['jobName'],
    },
  ],
  views,
  buckets: [
    {
      name: 'lake',
      description: 'the data lake: spool/ (small Parquet files), raw/ and features/ (hourly, Hive partitions)',
      writers: ['lake-compactor'],
      readers: [],
      lifecycle: [
        { prefix: 'spool/', deleteAfterDays: 7 },
        { prefix: 'staging/', deleteAfterDays: 3 },
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
};
