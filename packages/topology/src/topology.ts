import { AlarmTransition, HourlyVibrationFeatures, MachineryIssueEvent, PipelineRunRow, SeismicEvent } from '@mine/contracts';
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
];

const deadLetterTopics: TopicSpec[] = sourceTopics.map((topic) => ({
  name: deadLetterTopicOf(topic.name),
  description: `messages from ${topic.name} that could not be processed, with the reason in attributes`,
  publishers: [],
  retentionSeconds: 7 * DAY,
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
    { name: 'ops', description: 'alarm history and pipeline runs (lineage, data quality)', writers: ['alert-evaluator', 'db-extractor', 's3-avro-sync', 'lake-compactor', 'mobile-issues-sink', 'seismic-catalogue'] },
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
