import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

// helm and kubernetes-validate come from tools/k8s-tools.sh (installed by ./dev test).
const root = new URL('../..', import.meta.url).pathname;
const bin = execFileSync(join(root, 'tools/k8s-tools.sh'), ['path']).toString().trim();
const chart = join(root, 'charts/mine-platform');
const GKE_KUBERNETES_VERSION = '1.34.0';

const run = (tool: string, args: string[]) => execFileSync(join(bin, tool), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('helm lint passes on the generated chart', () => {
  const output = run('helm', ['lint', chart, '--strict']);
  assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('helm template renders, and every Kubernetes object validates against the API schemas of the GKE version targeted', () => {
  const rendered = run('helm', ['template', 'mine', chart, '--namespace', 'mine-platform', '--set', 'gcp.projectId=mine-prod', '--set', 'image.tag=1.2.3']);
  const objects = parseAllDocuments(rendered).map((d) => d.toJSON()).filter(Boolean) as { apiVersion: string; kind: string; metadata: { name: string }; spec?: any }[];
  // Google's custom resources: Config Connector, Managed Prometheus (PodMonitoring, Rules), GKE's BackendConfig.
  const isGoogleCustom = (o: { apiVersion: string }) => /(^|\.)(cloud\.google\.com|googleapis\.com)\//.test(o.apiVersion);
  const core = objects.filter((o) => !isGoogleCustom(o));
  const cloud = objects.filter(isGoogleCustom);
  assert.ok(core.length > 40 && cloud.length > 40, `${core.length} Kubernetes and ${cloud.length} Config Connector objects`);
  const deployment = core.find((o) => o.kind === 'Deployment' && o.metadata.name === 'sensor-gateway')!;
  assert.equal(deployment.spec.replicas, 2, 'replicas come from values as numbers');
  assert.equal(deployment.spec.template.spec.containers[0].image, 'europe-docker.pkg.dev/my-gcp-project/mine-platform/sensor-gateway:1.2.3');

  const dir = mkdtempSync(join(tmpdir(), 'chart-'));
  const file = join(dir, 'core.yaml');
  writeFileSync(file, core.map((o) => JSON.stringify(o)).join('\n---\n'));
  // Strict: unknown fields are errors, as the API server would reject them.
  const output = run('kubernetes-validate', ['--strict', '-k', GKE_KUBERNETES_VERSION, '--quiet', file]);
  assert.doesNotMatch(output, /ERROR|INVALID|failed/i, output);
  // Custom resources: their shape is checked by the cdk8s unit tests (and the rules by promtool).
  for (const o of cloud) assert.match(o.apiVersion, /^([a-z]+\.cnrm\.cloud\.google\.com\/v1beta1|monitoring\.googleapis\.com\/v1|cloud\.google\.com\/v1)$/);
});
