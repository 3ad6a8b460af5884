import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { topology } from '@mine/topology';
import { cloudRuleGroups, serviceRuleGroups, type AlertRule } from '../src/alert-rules.js';
import { services } from '../src/platform.js';
import { dashboards } from '../src/dashboards.js';

// promtool comes from tools/prometheus.sh (installed by ./dev test), built from Prometheus's Go module.
const root = new URL('../..', import.meta.url).pathname;
const promtool = join(execFileSync(join(root, 'tools/prometheus.sh'), ['path']).toString().trim(), 'promtool');
const PROJECT = 'mine-test';
const groups = [...serviceRuleGroups(topology, services), ...cloudRuleGroups(topology, PROJECT)];
const rules = groups.flatMap((g) => g.rules);
const alertNames = [...new Set(rules.map((r) => r.alert))].sort();

/** One promtool test: series, and the alerts (name → label sets) expected at a time. */
interface Case {
  name: string;
  series: Record<string, string>;
  at: string;
  firing: Record<string, Record<string, string>[]>;
}

const sub = 'lake-compactor.sensor-readings';
/** Conditions that make every rule fire, each from the metric its runbook entry names. */
const firing: Case[] = [
  {
    name: 'a first dead letter (a new series) and a later one (an increase)',
    series: {
      [`lake_compactor_pubsub_dead_lettered_total{service="lake-compactor",subscription="${sub}",reason="contract_violation"}`]: '_ _ _ 1 1 1',
      'alert_evaluator_pubsub_dead_lettered_total{service="alert-evaluator",subscription="alert-evaluator.machinery-issues",reason="retries_exhausted"}': '0x3 1 1',
    },
    at: '5m',
    firing: {
      MessagesDeadLettered: [
        { service: 'lake-compactor', subscription: sub, reason: 'contract_violation' },
        { service: 'alert-evaluator', subscription: 'alert-evaluator.machinery-issues', reason: 'retries_exhausted' },
      ],
    },
  },
  {
    name: 'a consumer acks old messages, another acks none',
    series: {
      'alert_evaluator_pubsub_message_age_seconds{service="alert-evaluator",subscription="alert-evaluator.sensor-readings"}': '400x20',
      [`lake_compactor_pubsub_nacked_total{service="lake-compactor",subscription="${sub}"}`]: '0+10x20',
      [`lake_compactor_pubsub_acked_total{service="lake-compactor",subscription="${sub}"}`]: '5x20',
    },
    at: '15m',
    firing: {
      ConsumerLagging: [{ service: 'alert-evaluator', subscription: 'alert-evaluator.sensor-readings' }],
      ConsumerFailing: [{ service: 'lake-compactor', subscription: sub }],
    },
  },
  {
    name: 'batch: a quarantined file, a failed job, a CronJob without success for 3 h',
    series: {
      's3_avro_sync_files_total{service="s3-avro-sync",outcome="quarantined"}': '_ _ 2 2',
      'kube_job_status_failed{namespace="mine-platform",job_name="db-extractor-29012345"}': '1x3',
      'kube_cronjob_status_last_successful_time{namespace="mine-platform",cronjob="s3-avro-sync"}': '0x200',
      'kube_cronjob_status_last_successful_time{namespace="mine-platform",cronjob="db-extractor"}': '0x200',
      'kube_cronjob_status_last_successful_time{namespace="mine-platform",cronjob="lake-compactor-hourly"}': '7200x200',
    },
    at: '3h',
    firing: {
      SupplierFilesQuarantined: [],
      BatchRunFailed: [],
      BatchRunMissing: [{ namespace: 'mine-platform', cronjob: 's3-avro-sync' }],
    },
  },
  {
    name: 'batch, earlier: the quarantine and the failure are seen',
    series: {
      's3_avro_sync_files_total{service="s3-avro-sync",outcome="quarantined"}': '_ _ 2 2',
      'kube_job_status_failed{namespace="mine-platform",job_name="db-extractor-29012345"}': '1x3',
      'quality_gate_blocked{service="quality-gate",table="raw_production.extraction_records"}': '0 1 1 1',
      'quality_gate_blocked{service="quality-gate",table="raw_rock_quality.analyses"}': '0 0 0 0',
    },
    at: '3m',
    firing: {
      QualityGateBlocked: [{ service: 'quality-gate', table: 'raw_production.extraction_records' }],
      SupplierFilesQuarantined: [{ service: 's3-avro-sync' }],
      BatchRunFailed: [{ namespace: 'mine-platform', job_name: 'db-extractor-29012345' }],
    },
  },
  {
    name: 'freshness and safety: lake behind, silent sensors and network, failing notifications',
    series: {
      'lake_compactor_lake_max_behind_seconds{service="lake-compactor"}': '9000x30',
      'lake_compactor_lake_freshness_measured_timestamp_seconds{service="lake-compactor"}': '0+60x30',
      'alert_evaluator_sensors_silent{service="alert-evaluator",site="north"}': '3x30',
      'sensor_gateway_packets_accepted_total{service="sensor-gateway",pod="a"}': '100x30',
      'alert_evaluator_transitions_dispatched_total{service="alert-evaluator",target="webhook",outcome="retry"}': '0+1x30',
      'alert_evaluator_transitions_dispatched_total{service="alert-evaluator",target="alerts-topic",outcome="ok"}': '0+5x30',
    },
    at: '20m',
    firing: {
      LakeStale: [{ service: 'lake-compactor' }],
      SensorsSilent: [{ service: 'alert-evaluator', site: 'north' }],
      SensorNetworkSilent: [{}],
      NotificationsFailing: [{ service: 'alert-evaluator', target: 'webhook' }],
    },
  },
  {
    name: 'workloads: a crash loop, a service down',
    series: {
      'kube_pod_container_status_restarts_total{namespace="mine-platform",pod="alert-evaluator-abc",container="alert-evaluator"}': '0+1x20',
      'up{job="sensor-gateway",instance="10.0.0.1:8080"}': '0x20',
    },
    at: '15m',
    firing: {
      CrashLooping: [{ namespace: 'mine-platform', pod: 'alert-evaluator-abc', container: 'alert-evaluator' }],
      ServiceDown: [{ job: 'sensor-gateway' }],
    },
  },
  {
    name: "Google's metrics: dead letters held, a stuck subscription, a table without rows",
    series: {
      [`pubsub_googleapis_com:subscription_num_undelivered_messages{monitored_resource="pubsub_subscription",project_id="${PROJECT}",subscription_id="sensor-readings-dead-letter.hold"}`]: '2x60',
      [`pubsub_googleapis_com:subscription_oldest_unacked_message_age{monitored_resource="pubsub_subscription",project_id="${PROJECT}",subscription_id="${sub}"}`]: '1000x60',
      [`bigquery_googleapis_com:storage_uploaded_row_count{monitored_resource="bigquery_dataset",project_id="${PROJECT}",dataset_id="raw_mobile",table="machinery_issue_events"}`]: '100x60',
    },
    at: '50m',
    firing: {
      DeadLetterBacklog: [{ subscription_id: 'sensor-readings-dead-letter.hold' }],
      SubscriptionBacklogOld: [{ subscription_id: sub }],
      DatasetStale: [{ dataset_id: 'raw_mobile', table: 'machinery_issue_events' }],
    },
  },
];

/** A healthy platform: every rule stays quiet. */
const healthy: Case = {
  name: 'a healthy platform raises nothing',
  series: {
    [`lake_compactor_pubsub_dead_lettered_total{service="lake-compactor",subscription="${sub}",reason="contract_violation"}`]: '1x40',
    'alert_evaluator_pubsub_message_age_seconds{service="alert-evaluator",subscription="alert-evaluator.sensor-readings"}': '2x40',
    [`lake_compactor_pubsub_nacked_total{service="lake-compactor",subscription="${sub}"}`]: '0+1x40',
    [`lake_compactor_pubsub_acked_total{service="lake-compactor",subscription="${sub}"}`]: '0+100x40',
    's3_avro_sync_files_total{service="s3-avro-sync",outcome="loaded"}': '0+1x40',
    'kube_job_status_failed{namespace="mine-platform",job_name="db-extractor-29012345"}': '0x40',
    'kube_cronjob_status_last_successful_time{namespace="mine-platform",cronjob="s3-avro-sync"}': '0+60x40',
    'lake_compactor_lake_max_behind_seconds{service="lake-compactor"}': '600x40',
    'lake_compactor_lake_freshness_measured_timestamp_seconds{service="lake-compactor"}': '0+60x40',
    'alert_evaluator_sensors_silent{service="alert-evaluator",site="north"}': '0x40',
    'sensor_gateway_packets_accepted_total{service="sensor-gateway",pod="a"}': '0+1000x40',
    'alert_evaluator_transitions_dispatched_total{service="alert-evaluator",target="webhook",outcome="ok"}': '0+1x40',
    'alert_evaluator_transitions_dispatched_total{service="alert-evaluator",target="webhook",outcome="retry"}': '0+1x40',
    'kube_pod_container_status_restarts_total{namespace="mine-platform",pod="alert-evaluator-abc",container="alert-evaluator"}': '1x40',
    'up{job="sensor-gateway",instance="10.0.0.1:8080"}': '1x40',
    [`pubsub_googleapis_com:subscription_num_undelivered_messages{monitored_resource="pubsub_subscription",project_id="${PROJECT}",subscription_id="sensor-readings-dead-letter.hold"}`]: '0x40',
    [`pubsub_googleapis_com:subscription_oldest_unacked_message_age{monitored_resource="pubsub_subscription",project_id="${PROJECT}",subscription_id="${sub}"}`]: '3x40',
    [`bigquery_googleapis_com:storage_uploaded_row_count{monitored_resource="bigquery_dataset",project_id="${PROJECT}",dataset_id="raw_mobile",table="machinery_issue_events"}`]: '0+10x40',
  },
  at: '35m',
  firing: Object.fromEntries(alertNames.map((name) => [name, []])),
};

function promtoolTests(rulesFile: string, cases: Case[]) {
  const ruleOf = (name: string) => rules.find((r) => r.alert === name) as AlertRule;
  return {
    rule_files: [rulesFile],
    evaluation_interval: '1m',
    tests: cases.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
      alert_rule_test: Object.entries(c.firing).map(([alertname, alerts]) => ({
        eval_time: c.at,
        alertname,
        exp_alerts: alerts.map((labels) => ({ exp_labels: { ...labels, severity: ruleOf(alertname).labels.severity }, exp_annotations: ruleOf(alertname).annotations })),
      })),
    })),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
const rulesFile = join(dir, 'rules.yaml');
writeFileSync(rulesFile, stringify({ groups }));

test('every alerting rule has a severity, a summary and a runbook entry that exists', () => {
  const runbook = readFileSync(join(root, 'docs/runbook.md'), 'utf8');
  const anchors = new Set([...runbook.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
  for (const rule of rules) {
    assert.match(rule.labels.severity, /^(critical|warning)$/, rule.alert);
    assert.ok(rule.annotations.summary.length > 10, rule.alert);
    const anchor = rule.annotations.runbook_url.split('#')[1]!;
    assert.ok(anchors.has(anchor), `${rule.alert}: docs/runbook.md has no section #${anchor}`);
  }
  for (const needed of ['MessagesDeadLettered', 'DeadLetterBacklog', 'SupplierFilesQuarantined', 'BatchRunFailed', 'BatchRunMissing', 'LakeStale', 'DatasetStale', 'SensorsSilent', 'NotificationsFailing', 'ConsumerLagging', 'CrashLooping']) {
    assert.ok(alertNames.includes(needed), `a rule ${needed}`);
  }
});

test('promtool accepts every rule', () => {
  const output = execFileSync(promtool, ['check', 'rules', rulesFile], { encoding: 'utf8' });
  assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`));
});

test("promtool's unit tests make every rule fire on its condition and stay quiet on a healthy platform", () => {
  const tested = new Set(firing.flatMap((c) => Object.entries(c.firing).filter(([, alerts]) => alerts.length > 0).map(([name]) => name)));
  assert.deepEqual([...tested].sort(), alertNames, 'every alert has a case where it fires');
  const testFile = join(dir, 'rules.test.yaml');
  writeFileSync(testFile, stringify(promtoolTests(rulesFile, [...firing, healthy])));
  try {
    const output = execFileSync(promtool, ['test', 'rules', testFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(output, /SUCCESS/);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    assert.fail(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
});

test('every PromQL query of the generated dashboards parses (promtool reads them as recording rules)', () => {
  const exprs = Object.values(dashboards()).flatMap((board) => board.panels.flatMap((p: { targets: { expr?: string }[] }) => p.targets.map((t) => t.expr).filter((e): e is string => Boolean(e))));
  assert.ok(exprs.length >= 8, `${exprs.length} PromQL queries`);
  const file = join(dir, 'dashboard-queries.yaml');
  writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
  const output = execFileSync(promtool, ['check', 'rules', '--lint=none', file], { encoding: 'utf8' });
  assert.match(output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
});
