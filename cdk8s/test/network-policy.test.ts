import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { services } from '../src/platform.js';

// np-guard's netpol-analyzer (`netpolicy`) and helm come from tools/k8s-tools.sh (installed by ./dev test).
const root = new URL('../..', import.meta.url).pathname;
const bin = execFileSync(join(root, 'tools/k8s-tools.sh'), ['path']).toString().trim();
const NAMESPACE = 'mine-platform';

/** The chart rendered with its defaults, plus what the cluster adds: Managed Prometheus's collector in gmp-system. */
function analyze(): { from: string; to: string; conns: string }[] {
  const rendered = execFileSync(join(bin, 'helm'), ['template', 'mine', join(root, 'charts/mine-platform'), '--namespace', NAMESPACE], { encoding: 'utf8' });
  const workloads = parseAllDocuments(rendered)
    .map((d) => d.toJSON())
    .filter((o) => o && !/cnrm\.cloud\.google\.com|monitoring\.googleapis\.com|cloud\.google\.com/.test(o.apiVersion))
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: NAMESPACE } }));
  const cluster = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: { 'kubernetes.io/metadata.name': NAMESPACE } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gmp-system', labels: { 'kubernetes.io/metadata.name': 'gmp-system' } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'collector', namespace: 'gmp-system', labels: { app: 'managed-prometheus-collector' } }, spec: { containers: [{ name: 'prometheus', image: 'gmp' }] } },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'netpol-'));
  writeFileSync(join(dir, 'chart.yaml'), [...workloads, ...cluster].map((o) => stringify(o)).join('---\n'));
  const output = execFileSync(join(bin, 'netpolicy'), ['list', '--dirpath', dir, '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return output
    .split('\n')
    .map((line) => /^(\S+) => (\S+) : (.+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, from, to, conns]) => ({ from: from!, to: to!, conns: conns! }));
}

const connections = analyze();
const workload = (name: string) => new RegExp(`^${NAMESPACE}/${name}\\[(Deployment|CronJob)\\]$`);
const nameOf = (endpoint: string) => /\/([a-z0-9-]+)\[/.exec(endpoint)?.[1] ?? endpoint;
/** Workloads reaching an address range on a TCP port, by the analyzer. */
const clientsOf = (range: string, port: number) =>
  [...new Set(connections.filter((c) => c.to === range && new RegExp(`TCP [0-9,]*\\b${port}\\b`).test(c.conns)).map((c) => nameOf(c.from)))].sort();
/** The platform workloads a source reaches, with the connections. */
const reachedFrom = (source: string) => connections.filter((c) => c.from === source && c.to.startsWith(`${NAMESPACE}/`)).map((c) => `${nameOf(c.to)} ${c.conns}`).sort();

test('the analyzer’s reachability of the rendered chart is exactly the table the platform needs', () => {
  assert.ok(connections.length > 20, `the analyzer listed ${connections.length} connections`);
  // PostgreSQL (Cloud SQL's private range, 10.40.0.0/20 by default): only the two services that keep state there.
  assert.deepEqual(clientsOf('10.40.0.0-10.40.15.255', 5432), ['alert-evaluator', 'mobile-issues-api']);
  // The source databases: only db-extractor.
  assert.deepEqual(clientsOf('10.20.0.0-10.20.0.255', 5432), ['db-extractor']);
  assert.deepEqual(clientsOf('10.30.0.0-10.30.0.255', 1521), ['db-extractor']);
  // Google's load balancers (ingress, IAP, health checks) reach the two ingest endpoints and the control room, nothing else.
  const table = {
    '35.191.0.0-35.191.255.255': ['alert-evaluator TCP 8080', 'mobile-issues-api TCP 8080', 'sensor-gateway TCP 8080'],
    '130.211.0.0-130.211.3.255': ['alert-evaluator TCP 8080', 'mobile-issues-api TCP 8080', 'sensor-gateway TCP 8080'],
    // Managed Prometheus scrapes every workload that serves metrics, batch ones included.
    'gmp-system/collector[Pod]': services.filter((s) => s.port).map((s) => `${s.name} TCP ${s.port}`).sort(),
  };
  for (const [source, expected] of Object.entries(table)) assert.deepEqual(reachedFrom(source), expected, source);
  // Workloads never talk to each other directly: they hand off through Pub/Sub.
  assert.deepEqual(connections.filter((c) => c.from.startsWith(`${NAMESPACE}/`) && c.to.startsWith(`${NAMESPACE}/`)), []);
  // Nothing in the namespace reaches the collector, and the hourly compaction (no port) accepts nobody.
  assert.ok(!connections.some((c) => workload('lake-compactor-hourly').test(c.to)));
});
