import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { topology } from '@mine/topology';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR, DATASOURCE_UID, PLATFORM_HEALTH_FILE, dashboards, platformHealthJson } from './dashboards.js';
import { PROMETHEUS_DATASOURCE_UID } from './platform-health.js';
import { synthesize } from './platform.js';

const boards = Object.entries(dashboards());

test('dashboards are valid Grafana JSON: unique uids and panel ids, panels on the 24-column grid', () => {
  assert.ok(boards.length >= 3);
  assert.equal(new Set(boards.map(([, b]) => b.uid)).size, boards.length);
  for (const [file, board] of boards) {
    assert.ok(board.title && board.uid, file);
    const ids = board.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`);
    for (const panel of board.panels) {
      const { x, y, w, h } = panel.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${file} panel ${panel.id} fits the grid`);
      assert.ok(panel.targets.length > 0, `${file} panel ${panel.id} has a query`);
    }
  }
});

test('every SQL panel queries a marts view that the topology declares, through the provisioned BigQuery data source; the others Prometheus', () => {
  const marts = new Set(topology.views.filter((v) => v.dataset === 'marts').map((v) => v.name));
  for (const [file, board] of boards) {
    assert.ok(board.templating.list.some((v) => v.name === 'project'), `${file} has the project variable`);
    for (const panel of board.panels) {
      if (panel.datasource.uid === PROMETHEUS_DATASOURCE_UID) {
        for (const target of panel.targets) assert.ok(target.expr && target.datasource.uid === PROMETHEUS_DATASOURCE_UID, `${file} panel ${panel.id} (PromQL, checked by promtool in cdk8s/test)`);
        continue;
      }
      for (const target of [panel, ...panel.targets]) assert.equal(target.datasource.uid, DATASOURCE_UID, `${file} panel ${panel.id}`);
      for (const target of panel.targets) {
        const views = [...target.rawSql.matchAll(/`\$\{project\}\.marts\.([a-z_]+)`/g)].map((m: RegExpMatchArray) => m[1]);
        assert.ok(views.length > 0, `${file} panel ${panel.id} reads the marts`);
        for (const view of views) assert.ok(marts.has(view ?? ""), `${file} panel ${panel.id}: marts.${view} is declared`);
      }
    }
  }
});

test('the chart provisions the dashboards and the data source for Grafana’s sidecar', () => {
  const objects = parseAllDocuments(synthesize()).map((d) => d.toJSON());
  const dashboardsMap = objects.find((o) => o.metadata?.name === 'mine-grafana-dashboards');
  assert.equal(dashboardsMap.metadata.labels.grafana_dashboard, '1');
  assert.deepEqual(Object.keys(dashboardsMap.data).sort(), boards.map(([file]) => file).sort());
  const vibration = JSON.parse(dashboardsMap.data['vibration.json']);
  assert.equal(vibration.templating.list.find((v: { name: string }) => v.name === 'project').query, '{{ .Values.gcp.projectId }}');
  const datasource = objects.find((o) => o.metadata?.name === 'mine-grafana-datasource');
  assert.match(datasource.data['bigquery.yaml'], /uid: mine-bigquery/);
});

test('dashboards/platform-health.json is what the cdk8s app generates: ingest, lag, dead letters, freshness, alerts, run history', () => {
  assert.equal(readFileSync(join(DASHBOARDS_DIR, PLATFORM_HEALTH_FILE), 'utf8'), platformHealthJson(), 'stale: run pnpm --filter @mine/cdk8s synth');
  const board = JSON.parse(platformHealthJson());
  const titles = board.panels.map((p: { title: string }) => p.title).join(' | ');
  for (const topic of [/Ingest rate/, /Consumer lag/, /Dead letters by reason/, /Freshness/, /Run history/, /Alerts firing/]) assert.match(titles, topic);
  const exprs = board.panels.flatMap((p: { targets: { expr?: string }[] }) => p.targets.map((t) => t.expr ?? '')).join('\n');
  for (const subscriber of topology.subscriptions.filter((s) => s.deadLetterTopic && s.owner !== 'operators')) {
    assert.match(exprs, new RegExp(`${subscriber.owner.replace(/-/g, '_')}_pubsub_dead_lettered_total`), `${subscriber.owner}'s dead letters are on the board`);
  }
});
