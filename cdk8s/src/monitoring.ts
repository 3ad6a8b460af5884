import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Topology } from '@mine/topology';
import { cloudRuleGroups, serviceRuleGroups } from './alert-rules.js';
import { values, type PlatformServiceProps } from './platform-service.js';

/**
 * Monitoring as code for Google Cloud Managed Service for Prometheus (GMP): a
 * PodMonitoring per workload with a port, the alerting rules on the platform's
 * metrics as a namespaced `Rules`, and those on Google's own metrics (Pub/Sub,
 * BigQuery) as a cluster-scoped `GlobalRules`, the only kind GMP lets query them.
 */
export class Monitoring extends Construct {
  constructor(scope: Construct, id: string, topology: Topology, services: PlatformServiceProps[]) {
    super(scope, id);
    for (const service of services.filter((s) => s.port)) {
      new ApiObject(this, `pod-monitoring-${service.name}`, {
        apiVersion: 'monitoring.googleapis.com/v1',
        kind: 'PodMonitoring',
        metadata: { name: service.name, labels: { 'app.kubernetes.io/part-of': 'mine-platform' } },
        spec: {
          selector: { matchLabels: { 'app.kubernetes.io/name': service.name } },
          // Batch pods live minutes: scraped more often so a short run still leaves its counters.
          endpoints: [{ port: 'http', path: '/metrics', interval: service.kind === 'cronjob' ? '15s' : '30s' }],
        },
      });
    }
    new ApiObject(this, 'rules', {
      apiVersion: 'monitoring.googleapis.com/v1',
      kind: 'Rules',
      metadata: { name: 'mine-platform', labels: { 'app.kubernetes.io/part-of': 'mine-platform' } },
      spec: { groups: serviceRuleGroups(topology, services) },
    });
    new ApiObject(this, 'global-rules', {
      apiVersion: 'monitoring.googleapis.com/v1',
      kind: 'GlobalRules',
      metadata: { name: 'mine-platform-{{ .Release.Namespace }}', labels: { 'app.kubernetes.io/part-of': 'mine-platform' } },
      spec: { groups: cloudRuleGroups(topology, values.projectId) },
    });
  }
}
