import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { topology } from '@mine/topology';
import { values } from './platform-service.js';
import { PROMETHEUS_DATASOURCE_UID, platformHealthDashboard } from './platform-health.js';
import { services } from './platform.js';

export const DASHBOARDS_DIR = new URL('../../dashboards', import.meta.url).pathname;
export const DATASOURCE_UID = 'mine-bigquery';

export const PLATFORM_HEALTH_FILE = 'platform-health.json';
const PROJECT_MARKER = '__PROJECT_ID__';

/** The generated dashboard's file content (a test checks dashboards/ holds exactly this). */
export const platformHealthJson = () => `${JSON.stringify(platformHealthDashboard(topology, services), null, 2)}\n`;

export function writePlatformHealthDashboard(): void {
  writeFileSync(join(DASHBOARDS_DIR, PLATFORM_HEALTH_FILE), platformHealthJson());
}

/** The dashboards in the repo, by file name. */
export function dashboards(): Record<string, { uid: string; title: string; panels: any[]; templating: { list: any[] } }> {
  return Object.fromEntries(
    readdirSync(DASHBOARDS_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => [f, JSON.parse(readFileSync(join(DASHBOARDS_DIR, f), 'utf8'))]),
  );
}

/**
 * Grafana provisioning by the chart: the dashboards (dashboards/*.json) and a
 * BigQuery data source, as ConfigMaps Grafana's sidecar picks up by label.
 */
export class GrafanaDashboards extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const data = Object.fromEntries(
      Object.entries(dashboards()).map(([file, board]) => {
        // The dashboards query the marts of the project the chart is installed in.
        const templating = { list: board.templating.list.map((v) => (v.name === 'project' ? { ...v, query: PROJECT_MARKER } : v)) };
        // Grafana's own {{label}} legends must reach Grafana as they are, not be read by Helm.
        const helmSafe = JSON.stringify({ ...board, templating }, (_key, value: unknown) => (typeof value === 'string' ? value.replace(/\{\{|\}\}/g, (braces) => `{{\`${braces}\`}}`) : value));
        return [file, helmSafe.replace(PROJECT_MARKER, values.projectId)];
      }),
    );
    new ApiObject(this, 'dashboards', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine-grafana-dashboards', labels: { grafana_dashboard: '1' } }, data });
    new ApiObject(this, 'datasource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'mine-grafana-datasource', labels: { grafana_datasource: '1' } },
      data: {
        'bigquery.yaml': stringify({
          apiVersion: 1,
          datasources: [
            { name: 'BigQuery (mine)', uid: DATASOURCE_UID, type: 'grafana-bigquery-datasource', jsonData: { authenticationType: 'gce', defaultProject: values.projectId, processingLocation: '{{ .Values.gcp.location }}' } },
            // Managed Prometheus's query frontend (deployed as its docs describe for Grafana).
            { name: 'Managed Prometheus (mine)', uid: PROMETHEUS_DATASOURCE_UID, type: 'prometheus', url: '{{ .Values.monitoring.prometheusUrl }}', access: 'proxy' },
          ],
        }),
      },
    });
  }
}
