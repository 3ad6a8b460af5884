import type { Topology } from '@mine/topology';
import type { PlatformServiceProps } from './platform-service.js';

export const PROMETHEUS_DATASOURCE_UID = 'mine-prometheus';
const BIGQUERY_DATASOURCE_UID = 'mine-bigquery';
const prometheus = { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID };
const bigquery = { type: 'grafana-bigquery-datasource', uid: BIGQUERY_DATASOURCE_UID };
const prefixOf = (service: string) => `${service.replace(/[^a-zA-Z0-9]/g, '_')}_`;

interface PanelSpec {
  title: string;
  type: 'timeseries' | 'table' | 'stat';
  w: number;
  h: number;
  /** PromQL, legend per query */
  promql?: { expr: string; legend: string }[];
  sql?: string;
}

/**
 * The platform-health dashboard (dashboards/platform-health.json), generated from the
 * topology and the services so a new subscriber or batch job appears without editing
 * it: ingest rate, consumer lag, dead letters by reason, firing alerts, run history
 * and freshness. Managed Prometheus answers the PromQL, BigQuery the run history.
 */
export function platformHealthDashboard(topology: Topology, services: PlatformServiceProps[]) {
  const subscribers = [...new Set(topology.subscriptions.filter((s) => s.deadLetterTopic && s.owner !== 'operators').map((s) => s.owner))].sort();
  const cronJobs = services.filter((s) => s.kind === 'cronjob').map((s) => s.name);
  const specs: PanelSpec[] = [
    {
      title: 'Ingest rate (messages/s)',
      type: 'timeseries',
      w: 12,
      h: 8,
      promql: [
        { expr: 'sum(rate(sensor_gateway_packets_accepted_total[5m]))', legend: 'sensor packets accepted' },
        { expr: 'sum by (status) (rate(mobile_issues_api_events_total[5m]))', legend: 'issue events {{status}}' },
        { expr: 'sum by (reason) (rate(sensor_gateway_packets_rejected_total[5m]))', legend: 'sensor packets rejected: {{reason}}' },
      ],
    },
    {
      title: 'Consumer lag: age of the last message acknowledged (s)',
      type: 'timeseries',
      w: 12,
      h: 8,
      promql: [
        ...subscribers.map((s) => ({ expr: `max by (subscription) (${prefixOf(s)}pubsub_message_age_seconds)`, legend: '{{subscription}}' })),
        { expr: 'max by (subscription_id) (pubsub_googleapis_com:subscription_oldest_unacked_message_age{monitored_resource="pubsub_subscription"})', legend: 'oldest unacked: {{subscription_id}}' },
      ],
    },
    {
      title: 'Dead letters by reason (per hour)',
      type: 'timeseries',
      w: 12,
      h: 8,
      promql: subscribers.map((s) => ({ expr: `sum by (subscription, reason) (increase(${prefixOf(s)}pubsub_dead_lettered_total[1h]))`, legend: '{{subscription}}: {{reason}}' })),
    },
    {
      title: 'Dead letters waiting for replay',
      type: 'stat',
      w: 12,
      h: 8,
      promql: [{ expr: 'max by (subscription_id) (pubsub_googleapis_com:subscription_num_undelivered_messages{monitored_resource="pubsub_subscription",subscription_id=~".*-dead-letter\\\\.hold"})', legend: '{{subscription_id}}' }],
    },
    {
      title: 'Freshness: lake hours behind, hours since each batch job last succeeded',
      type: 'timeseries',
      w: 12,
      h: 8,
      promql: [
        { expr: 'max(lake_compactor_lake_max_behind_seconds) / 3600', legend: 'lake: oldest spool not yet compacted' },
        { expr: `(time() - max by (cronjob) (kube_cronjob_status_last_successful_time{cronjob=~"${cronJobs.join('|')}"})) / 3600`, legend: '{{cronjob}}' },
      ],
    },
    { title: 'Alerts firing', type: 'table', w: 12, h: 8, promql: [{ expr: 'sum by (alertname, severity) (ALERTS{alertstate="firing"})', legend: '{{alertname}}' }] },
    {
      title: 'Run history: last run per stage',
      type: 'table',
      w: 24,
      h: 10,
      sql: 'SELECT jobName, lastSuccessAt, lastFailureAt, lastRows, qualityPassed FROM `${project}.marts.pipeline_health` ORDER BY jobName',
    },
  ];
  let x = 0;
  let y = 0;
  const panels = specs.map((spec, i) => {
    if (x + spec.w > 24) {
      x = 0;
      y += 8;
    }
    const gridPos = { x, y, w: spec.w, h: spec.h };
    x += spec.w;
    const refId = (n: number) => String.fromCharCode(65 + n);
    const targets = spec.promql
      ? spec.promql.map((q, n) => ({ refId: refId(n), datasource: prometheus, expr: q.expr, legendFormat: q.legend, ...(spec.type === 'table' ? { instant: true, format: 'table' } : {}) }))
      : [{ refId: 'A', datasource: bigquery, format: 1, rawSql: spec.sql!, editorMode: 'code' }];
    return { id: i + 1, title: spec.title, type: spec.type, datasource: spec.promql ? prometheus : bigquery, gridPos, targets };
  });
  return {
    uid: 'mine-platform-health',
    title: 'Platform health',
    tags: ['mine', 'operations'],
    panels,
    schemaVersion: 39,
    version: 1,
    editable: false,
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    templating: { list: [{ name: 'project', type: 'constant', query: 'mine-prod', hide: 2 }] },
  };
}
