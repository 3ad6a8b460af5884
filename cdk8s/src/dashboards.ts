import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { values } from './platform-service.js';

export const DASHBOARDS_DIR = new URL('../../dashboards', import.meta.url).pathname;
export const DATASOURCE_UID = 'mine-bigquery';

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
        const templating = { list: board.templating.list.map((v) => (v.name === 'project' ? { ...v, query: values.projectId } : v)) };
        return [file, JSON.stringify({ ...board, templating })];
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
          datasources: [{ name: 'BigQuery (mine)', uid: DATASOURCE_UID, type: 'grafana-bigquery-datasource', jsonData: { authenticationType: 'gce', defaultProject: values.projectId, processingLocation: '{{ .Values.gcp.location }}' } }],
        }),
      },
    });
  }
}
