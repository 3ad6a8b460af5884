import { scheduleOf, type Topology } from '@mine/topology';
import type { PlatformServiceProps } from './platform-service.js';

/** A Prometheus alerting rule; `runbook` is the heading of its entry in docs/runbook.md. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: AlertRule[];
}

/** kebab-case service to its metrics prefix (the same rule as @mine/platform's metricPrefix). */
const prefixOf = (service: string) => `${service.replace(/[^a-zA-Z0-9]/g, '_')}_`;
const runbook = (anchor: string) => `docs/runbook.md#${anchor}`;

function rule(alert: string, severity: AlertRule['labels']['severity'], expr: string, summary: string, anchor: string, forDuration?: string): AlertRule {
  return { alert, expr, ...(forDuration ? { for: forDuration } : {}), labels: { severity }, annotations: { summary, runbook_url: runbook(anchor) } };
}

/** A CronJob counts as missing after about three of its periods without a successful run. */
const runMissingAfterSeconds = (job: string) => 3 * scheduleOf(job).startingDeadlineSeconds;

/**
 * Rules on the platform's own metrics (scraped by PodMonitoring) and on
 * kube-state-metrics: evaluated per namespace by Managed Prometheus's `Rules`,
 * and by the local Prometheus of `./dev up`.
 */
export function serviceRuleGroups(topology: Topology, services: PlatformServiceProps[]): RuleGroup[] {
  const subscribers = [...new Set(topology.subscriptions.filter((s) => s.deadLetterTopic && s.owner !== 'operators').map((s) => s.owner))].sort();
  const cronJobs = services.filter((s) => s.kind === 'cronjob').map((s) => s.name);
  const deployments = services.filter((s) => s.kind === 'deployment').map((s) => s.name);

  /** One expression per subscriber, joined: one rule per alert (promtool refuses duplicate rules). */
  const perSubscriber = (expr: (prefix: string) => string) => subscribers.map((service) => `(${expr(prefixOf(service))})`).join(' or ');
  const messages: AlertRule[] = [
    // A series born with its first dead letter has no earlier sample for increase(): the `unless` arm catches it.
    rule(
      'MessagesDeadLettered',
      'warning',
      perSubscriber((p) => `sum by (service, subscription, reason) (increase(${p}pubsub_dead_lettered_total[15m])) > 0 or sum by (service, subscription, reason) (${p}pubsub_dead_lettered_total unless ${p}pubsub_dead_lettered_total offset 15m) > 0`),
      'a subscriber dead-lettered messages: they wait on the dead-letter hold subscription for inspection and replay',
      'messages-dead-lettered',
    ),
    rule('ConsumerLagging', 'warning', perSubscriber((p) => `max by (service, subscription) (${p}pubsub_message_age_seconds) > 300`), 'a subscriber acknowledges messages more than 5 minutes after they were published', 'consumer-lagging', '10m'),
    rule(
      'ConsumerFailing',
      'critical',
      perSubscriber((p) => `sum by (service, subscription) (rate(${p}pubsub_nacked_total[10m])) > 0 and sum by (service, subscription) (rate(${p}pubsub_acked_total[10m])) == 0`),
      'a subscriber returns every message it receives for redelivery and acknowledges none',
      'consumer-failing',
      '10m',
    ),
  ];

  const batch: AlertRule[] = [
    rule(
      'SupplierFilesQuarantined',
      'warning',
      'max by (service) (max_over_time(s3_avro_sync_files_total{outcome="quarantined"}[2h])) > 0',
      's3-avro-sync quarantined supplier files: their reports are under quarantine/ in the landing bucket',
      'supplier-files-quarantined',
    ),
    rule(
      'QualityGateBlocked',
      'critical',
      'max by (service, table) (quality_gate_blocked) > 0',
      'a batch table failed its quality checks: the marts keep its last good copy until it passes; the failing rows are in ops.quality_quarantine',
      'quality-gate-blocked',
    ),
    rule(
      'BatchRunFailed',
      'critical',
      `max by (namespace, job_name) (kube_job_status_failed{job_name=~"(${cronJobs.join('|')})-.*"}) > 0`,
      'a batch run failed after its retries: the next run catches up from durable state, find why before it fails again',
      'batch-run-failed',
    ),
    rule(
      'BatchRunMissing',
      'critical',
      cronJobs.map((job) => `(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{cronjob="${job}"}) > ${runMissingAfterSeconds(job)})`).join(' or '),
      'a CronJob has not completed a run for longer than its schedule allows',
      'batch-run-missing',
    ),
  ];

  const freshness: AlertRule[] = [
    rule(
      'LakeStale',
      'critical',
      // Behind: spool older than two hours not yet in the lake; or the measurement itself stopped.
      'max by (service) (lake_compactor_lake_max_behind_seconds) > 7200 or time() - max by (service) (lake_compactor_lake_freshness_measured_timestamp_seconds) > 1800',
      'spooled packets older than two hours are not yet in the lake (or the lake is no longer measured)',
      'lake-stale',
      '15m',
    ),
  ];

  const safety: AlertRule[] = [
    rule('SensorsSilent', 'warning', 'max by (service, site) (alert_evaluator_sensors_silent) > 0', 'sensors stopped reporting (the control room sees their sensor-health alarms)', 'sensors-silent', '10m'),
    rule('SensorNetworkSilent', 'critical', 'sum(rate(sensor_gateway_packets_accepted_total[5m])) == 0 or absent(sensor_gateway_packets_accepted_total)', 'no sensor packet accepted for 5 minutes: the safety rules see nothing', 'sensor-network-silent', '5m'),
    rule(
      'NotificationsFailing',
      'critical',
      // Retries alone are normal (a webhook's blip); a target that only fails for 10 minutes is not.
      'sum by (service, target) (increase(alert_evaluator_transitions_dispatched_total{outcome!="ok"}[15m])) > 0 unless sum by (service, target) (increase(alert_evaluator_transitions_dispatched_total{outcome="ok"}[15m])) > 0',
      'alarm notifications to a target keep failing and none gets through: its receivers hear of no new alarm',
      'notifications-failing',
      '10m',
    ),
  ];

  const workloads: AlertRule[] = [
    rule(
      'CrashLooping',
      'critical',
      `max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{container=~"${deployments.join('|')}"}[15m])) >= 3`,
      'a container restarted three times in 15 minutes',
      'crash-looping',
    ),
    rule('ServiceDown', 'critical', `max by (job) (up{job=~"${deployments.join('|')}"}) == 0`, 'every scraped pod of a streaming service is down', 'service-down', '5m'),
  ];

  return [
    { name: 'mine-platform.messages', interval: '30s', rules: messages },
    { name: 'mine-platform.batch', interval: '60s', rules: batch },
    { name: 'mine-platform.freshness', interval: '60s', rules: freshness },
    { name: 'mine-platform.safety', interval: '30s', rules: safety },
    { name: 'mine-platform.workloads', interval: '30s', rules: workloads },
  ];
}

/**
 * Rules on Google's own metrics (Pub/Sub subscriptions, BigQuery storage): Managed
 * Prometheus evaluates those only as cluster-scoped `GlobalRules`, so they are
 * filtered by project here.
 */
export function cloudRuleGroups(topology: Topology, projectId: string): RuleGroup[] {
  const holds = topology.subscriptions.filter((s) => s.owner === 'operators').map((s) => s.name);
  const consumers = topology.subscriptions.filter((s) => s.owner !== 'operators').map((s) => s.name);
  const subscription = (metric: string, names: string[]) =>
    `pubsub_googleapis_com:subscription_${metric}{monitored_resource="pubsub_subscription",project_id="${projectId}",subscription_id=~"${names.map((n) => n.replace(/\./g, '\\\\.')).join('|')}"}`;
  const streamedTables = topology.tables.filter((t) => t.dataset === 'raw_mobile');
  return [
    {
      name: 'mine-platform.pubsub',
      interval: '60s',
      rules: [
        rule(
          'DeadLetterBacklog',
          'warning',
          `max by (subscription_id) (${subscription('num_undelivered_messages', holds)}) > 0`,
          `dead letters wait on a hold subscription (${topology.topics.filter((t) => t.name.endsWith('-dead-letter')).length} dead-letter topics): inspect and replay them`,
          'dead-letter-backlog',
          '30m',
        ),
        rule(
          'SubscriptionBacklogOld',
          'critical',
          `max by (subscription_id) (${subscription('oldest_unacked_message_age', consumers)}) > 900`,
          'a consumer has left a message unacknowledged for more than 15 minutes',
          'consumer-lagging',
          '5m',
        ),
      ],
    },
    {
      name: 'mine-platform.datasets',
      interval: '300s',
      rules: streamedTables.map((t) =>
        rule(
          'DatasetStale',
          'warning',
          `sum by (dataset_id, table) (increase(bigquery_googleapis_com:storage_uploaded_row_count{monitored_resource="bigquery_dataset",project_id="${projectId}",dataset_id="${t.dataset}",table="${t.name}"}[6h])) < 1 or absent(bigquery_googleapis_com:storage_uploaded_row_count{monitored_resource="bigquery_dataset",project_id="${projectId}",dataset_id="${t.dataset}",table="${t.name}"})`,
          `${t.dataset}.${t.name} received no rows for six hours`,
          'dataset-stale',
          '30m',
        ),
      ),
    },
  ];
}
