import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { bucketName, scheduleOf, topology } from '@mine/topology';
import { helmChart } from './helm.js';
import { services, synthesize } from './platform.js';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: any };
const objects = parseAllDocuments(synthesize()).map((d) => d.toJSON() as K8sObject);
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const chartDir = new URL('../../charts/mine-platform', import.meta.url).pathname;

test('charts/ is exactly what the cdk8s app synthesizes (generated only, never edited)', () => {
  for (const [file, content] of Object.entries(helmChart())) {
    assert.equal(readFileSync(join(chartDir, file), 'utf8'), content, `${file} is stale: run pnpm --filter @mine/cdk8s synth`);
  }
});

test('every workload is hardened: non-root, read-only root, no capabilities, no escalation, seccomp, resources', () => {
  const pods = [...ofKind('Deployment').map((d) => d.spec.template), ...ofKind('CronJob').map((c) => c.spec.jobTemplate.spec.template)];
  assert.equal(pods.length, services.length);
  for (const pod of pods) {
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    assert.equal(pod.spec.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(pod.spec.automountServiceAccountToken, false);
    for (const c of pod.spec.containers) {
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], c.name);
      assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, c.name);
      for (const env of c.env) assert.ok(env.valueFrom?.secretKeyRef, `${c.name}: ${env.name} comes from a Secret`);
    }
  }
  for (const d of ofKind('Deployment')) {
    const c = d.spec.template.spec.containers[0];
    assert.equal(c.readinessProbe.httpGet.path, '/readyz', d.metadata.name);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz', d.metadata.name);
    assert.ok(ofKind('PodDisruptionBudget').some((p) => p.metadata.name === d.metadata.name), `${d.metadata.name} has a PDB`);
    assert.ok(ofKind('HorizontalPodAutoscaler').some((h) => h.metadata.name === d.metadata.name), `${d.metadata.name} autoscales`);
  }
  const policies = ofKind('NetworkPolicy');
  assert.equal(policies.length, services.length, 'every workload has a network policy');
  const internet = (name: string) => policies.find((p) => p.metadata.name === name)!.spec.egress.some((rule: any) => rule.to?.some((t: any) => t.ipBlock?.cidr === '0.0.0.0/0'));
  // Only webhooks, the identity provider's keys and the supplier's S3 bucket are outside Google.
  assert.deepEqual(policies.filter((p) => internet(p.metadata.name)).map((p) => p.metadata.name).sort(), ['alert-evaluator', 'mobile-issues-api', 's3-avro-sync']);
});

test('batch stages are CronJobs that never overlap, retry, and stop at a deadline', () => {
  const jobs = ofKind('CronJob');
  assert.deepEqual(jobs.map((j) => j.metadata.name).sort(), ['db-extractor', 'lake-compactor-hourly', 's3-avro-sync']);
  for (const job of jobs) {
    assert.equal(job.spec.concurrencyPolicy, 'Forbid');
    assert.ok(job.spec.jobTemplate.spec.backoffLimit > 0);
    assert.ok(job.spec.jobTemplate.spec.activeDeadlineSeconds > 0);
    assert.ok(job.spec.successfulJobsHistoryLimit >= 1 && job.spec.failedJobsHistoryLimit >= 1);
    // A late start still runs within one period (declared beside the schedule), not only within ten minutes.
    assert.equal(job.spec.startingDeadlineSeconds, scheduleOf(job.metadata.name).startingDeadlineSeconds);
    assert.ok(job.spec.startingDeadlineSeconds > 600);
  }
});

test('every topic, subscription, dataset, table, view and bucket has its Config Connector resource', () => {
  const ids = (kind: string) => new Set(ofKind(kind).map((o) => o.spec.resourceID ?? o.metadata.name));
  for (const t of topology.topics) assert.ok(ofKind('PubSubTopic').some((o) => o.metadata.name === t.name), t.name);
  for (const s of topology.subscriptions) {
    const sub = ofKind('PubSubSubscription').find((o) => o.spec.resourceID === s.name);
    assert.ok(sub, s.name);
    if (s.deadLetterTopic) assert.equal(sub.spec.deadLetterPolicy.deadLetterTopicRef.name, s.deadLetterTopic);
    if (s.owner === 'operators') {
      assert.deepEqual(sub.spec.expirationPolicy, { ttl: '' }, `${s.name} never expires`);
      assert.equal(sub.spec.messageRetentionDuration, '604800s', `${s.name} keeps messages 7 days`);
    }
  }
  for (const d of topology.datasets) assert.ok(ids('BigQueryDataset').has(d.name), d.name);
  for (const t of [...topology.tables, ...topology.views]) assert.ok(ofKind('BigQueryTable').some((o) => o.spec.resourceID === t.name && o.spec.datasetRef.name === t.dataset.replace(/_/g, '-')), t.name);
  for (const b of topology.buckets) assert.ok(ofKind('StorageBucket').some((o) => o.metadata.name === bucketName(b, '{{ .Values.gcp.projectId }}')), b.name);
});

test('every service has its own identity, bound by Workload Identity, with least-privilege grants', () => {
  const members = ofKind('IAMPolicyMember');
  for (const account of ofKind('ServiceAccount')) {
    const name = account.metadata.name;
    assert.match(account.metadata.annotations!['iam.gke.io/gcp-service-account']!, new RegExp(`^${name}@`));
    assert.ok(ofKind('IAMServiceAccount').some((g) => g.metadata.name === name), `${name} has a Google service account`);
    assert.ok(members.some((m) => m.spec.role === 'roles/iam.workloadIdentityUser' && m.spec.resourceRef.name === name));
  }
  const grantsOf = (service: string) => members.filter((m) => m.spec.member.startsWith(`serviceAccount:${service}@`)).map((m) => `${m.spec.role} ${m.spec.resourceRef.name ?? m.spec.resourceRef.external}`);
  assert.ok(grantsOf('sensor-gateway').includes('roles/pubsub.publisher sensor-readings'));
  assert.ok(!grantsOf('sensor-gateway').some((g) => g.includes('bigquery') || g.includes('subscriber')), 'the gateway only publishes');
  assert.ok(grantsOf('lake-compactor').includes('roles/pubsub.subscriber lake-compactor-sensor-readings'));
  for (const member of members) assert.doesNotMatch(member.spec.role, /roles\/(owner|editor)$/);
});

test('least privilege: each service writes only its own tables; only alert-evaluator writes the alarm history; readers only read', () => {
  const members = ofKind('IAMPolicyMember');
  const editors = (resource: string) => members.filter((m) => m.spec.role === 'roles/bigquery.dataEditor' && m.spec.resourceRef.name === resource).map((m) => m.spec.member.replace(/^serviceAccount:([^@]+)@.*$/, '$1')).sort();
  assert.deepEqual(editors('ops'), [], 'no service edits the shared ops dataset as a whole');
  assert.deepEqual(editors('ops-alarm-transitions'), ['alert-evaluator']);
  assert.deepEqual(editors('ops-vibration-hourly'), ['lake-compactor']);
  assert.deepEqual(editors('ops-quality-quarantine'), ['quality-gate']);
  assert.deepEqual(editors('ops-seismic-events'), ['seismic-catalogue']);
  assert.deepEqual(editors('ops-pipeline-runs'), ['alert-evaluator', 'db-extractor', 'lake-compactor', 'mobile-issues-sink', 'quality-gate', 's3-avro-sync']);
  assert.ok(members.filter((m) => m.spec.resourceRef.kind === 'BigQueryTable').every((m) => ofKind('BigQueryTable').some((t) => t.metadata.name === m.spec.resourceRef.name)), 'every table grant names a declared table');
  const readerGrants = members.filter((m) => m.metadata.name.startsWith('reader-'));
  assert.ok(readerGrants.length > 0);
  assert.ok(readerGrants.every((m) => ['roles/bigquery.dataViewer', 'roles/storage.objectViewer', 'roles/bigquery.jobUser'].includes(m.spec.role)), 'readers never write');
  const readsOf = (reader: string) => readerGrants.filter((m) => m.spec.member === `{{ .Values.readers.${reader} }}` && m.spec.role !== 'roles/bigquery.jobUser').map((m) => m.spec.resourceRef.name).sort();
  assert.deepEqual(readsOf('dashboards'), ['marts']);
  assert.deepEqual(readsOf('mlTeam'), ['marts', 'ops', '{{ .Values.gcp.projectId }}-lake']);
  assert.ok(readsOf('analysts').includes('raw-production') && readsOf('analysts').includes('curated'));
});

test('monitoring: a PodMonitoring scrapes every workload with a port; the rules ship as Rules and GlobalRules', () => {
  const monitors = ofKind('PodMonitoring');
  assert.deepEqual(monitors.map((m) => m.metadata.name).sort(), services.filter((s) => s.port).map((s) => s.name).sort());
  for (const m of monitors) {
    assert.deepEqual(m.spec.selector.matchLabels, { 'app.kubernetes.io/name': m.metadata.name });
    assert.deepEqual(m.spec.endpoints.map((e: { port: string; path: string }) => `${e.port} ${e.path}`), ['http /metrics']);
  }
  const [rules] = ofKind('Rules');
  const [globalRules] = ofKind('GlobalRules');
  const alerts = (o: K8sObject) => o.spec.groups.flatMap((g: { rules: { alert: string }[] }) => g.rules.map((r) => r.alert));
  assert.ok(alerts(rules!).includes('MessagesDeadLettered') && alerts(rules!).includes('CrashLooping'));
  assert.ok(alerts(globalRules!).includes('DeadLetterBacklog'));
  // Google's metrics are project-wide: GlobalRules are narrowed to the chart's project.
  assert.match(JSON.stringify(globalRules!.spec), /project_id=\\"\{\{ \.Values\.gcp\.projectId \}\}\\"/);
});

test('safety path: Cloud SQL with a private IP only, the control room behind IAP', () => {
  const [instance] = ofKind('SQLInstance');
  assert.equal(instance!.spec.settings.ipConfiguration.ipv4Enabled, false);
  assert.equal(instance!.spec.settings.ipConfiguration.requireSsl, true);
  assert.ok(instance!.spec.settings.ipConfiguration.privateNetworkRef.external);
  assert.equal(ofKind('SQLUser')[0]!.spec.password.valueFrom.secretKeyRef.name, 'platform-postgres');
  const [backendConfig] = ofKind('BackendConfig');
  assert.equal(backendConfig!.spec.iap.enabled, true);
  const controlRoom = ofKind('Ingress').find((i) => i.metadata.name === 'mine-control-room')!;
  const backend = controlRoom.spec.rules[0].http.paths[0].backend.service.name;
  const service = ofKind('Service').find((s) => s.metadata.name === backend)!;
  assert.equal(JSON.parse(service.metadata.annotations!['cloud.google.com/backend-config']!).default, backendConfig!.metadata.name);
});

test('readiness checks need only permissions granted: each /readyz call has its role', () => {
  const members = ofKind('IAMPolicyMember');
  const granted = (service: string, role: string, resource: string) => members.some((m) => m.spec.member.startsWith(`serviceAccount:${service}@`) && m.spec.role === role && m.spec.resourceRef.name === resource);
  // What each Deployment's readiness calls (services/*/src/app.ts) and the role that allows it.
  const checks: [string, string, string, string][] = [
    ['sensor-gateway', 'topic.exists: pubsub.topics.get', 'roles/pubsub.viewer', 'sensor-readings'],
    ['mobile-issues-api', 'topic.exists: pubsub.topics.get', 'roles/pubsub.viewer', 'machinery-issues'],
    ['mobile-issues-sink', 'table.exists: bigquery.tables.get', 'roles/bigquery.dataEditor', 'raw-mobile'],
    ['lake-compactor', 'bucket.exists: storage.buckets.get', 'roles/storage.legacyBucketReader', bucketName({ name: 'lake' }, '{{ .Values.gcp.projectId }}')],
    ['fdsn-ws', 'bucket.exists: storage.buckets.get', 'roles/storage.legacyBucketReader', bucketName({ name: 'lake' }, '{{ .Values.gcp.projectId }}')],
    // …and a bucket's readers may read its objects (fdsn-ws serves waveforms from the lake).
    ['fdsn-ws', 'file.download: storage.objects.get', 'roles/storage.objectViewer', bucketName({ name: 'lake' }, '{{ .Values.gcp.projectId }}')],
  ];
  for (const [service, call, role, resource] of checks) assert.ok(granted(service, role, resource), `${service} readiness (${call}) needs ${role} on ${resource}`);
});

test('the gateway reads its device registry from the Secret mounted as a file (reloaded without restart), not from the environment', () => {
  const pod = ofKind('Deployment').find((d) => d.metadata.name === 'sensor-gateway')!.spec.template.spec;
  assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === 'sensor-devices'), { name: 'sensor-devices', secret: { secretName: 'sensor-devices' } });
  assert.deepEqual(pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'sensor-devices'), { name: 'sensor-devices', mountPath: '/etc/mine/sensor-devices', readOnly: true });
  const config = ofKind('ConfigMap').find((c) => c.metadata.name === 'sensor-gateway') as unknown as { data: Record<string, string> };
  assert.equal(config.data.DEVICES_FILE, '/etc/mine/sensor-devices/devices.json');
  assert.ok(!(pod.containers[0].env ?? []).some((e: { name: string }) => e.name === 'DEVICES_JSON'));
});

test('the gateway and fdsn-ws read the station inventory from the operators’ ConfigMap, mounted read-only', () => {
  for (const name of ['sensor-gateway', 'fdsn-ws']) {
    const deployment = ofKind('Deployment').find((d) => d.metadata.name === name)!;
    const pod = deployment.spec.template.spec;
    assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === 'station-inventory'), { name: 'station-inventory', configMap: { name: 'station-inventory' } }, name);
    assert.deepEqual(pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'station-inventory'), { name: 'station-inventory', mountPath: '/etc/mine/station-inventory', readOnly: true }, name);
    const config = ofKind('ConfigMap').find((c) => c.metadata.name === name) as unknown as { data: Record<string, string> };
    assert.equal(config.data.STATIONXML_PATH, '/etc/mine/station-inventory/stationxml.xml', name);
  }
});

test('every subscriber is told its subscriptions’ maxDeliveryAttempts, so its last failing delivery is dead-lettered with the reason', () => {
  for (const owner of new Set(topology.subscriptions.filter((s) => s.deadLetterTopic).map((s) => s.owner))) {
    const config = ofKind('ConfigMap').find((c) => c.metadata.name === owner) as unknown as { data: Record<string, string> };
    const declared = topology.subscriptions.find((s) => s.owner === owner && s.deadLetterTopic)!.maxDeliveryAttempts;
    assert.equal(config.data.MAX_DELIVERY_ATTEMPTS, String(declared), owner);
  }
});
