import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { toBigQuerySchema } from '@mine/contracts';
import { bucketName, deadLetterTopicOf, tableWriters, type Topology } from '@mine/topology';
import { googleServiceAccount, values } from './platform-service.js';

const k8sName = (name: string) => name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
/** `ml-team` → `mlTeam`: chart value keys. */
const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const annotations = { 'cnrm.cloud.google.com/project-id': values.projectId };

/**
 * The platform's GCP resources as Config Connector objects, from the same
 * topology declaration `provision` applies to the emulators: topics,
 * subscriptions (dead-letter, retry), datasets, tables, buckets (lifecycle),
 * and per service a Google service account with least-privilege bindings.
 */
export class GcpResources extends Construct {
  constructor(scope: Construct, id: string, topology: Topology, services: string[]) {
    super(scope, id);
    const object = (kind: string, apiVersion: string, name: string, spec: object) =>
      new ApiObject(this, `${kind}-${name}`, { apiVersion, kind, metadata: { name, annotations }, spec });

    for (const topic of topology.topics) {
      object('PubSubTopic', 'pubsub.cnrm.cloud.google.com/v1beta1', k8sName(topic.name), { messageRetentionDuration: `${topic.retentionSeconds}s` });
    }
    for (const s of topology.subscriptions) {
      object('PubSubSubscription', 'pubsub.cnrm.cloud.google.com/v1beta1', k8sName(s.name), {
        resourceID: s.name,
        topicRef: { name: k8sName(s.topic) },
        ackDeadlineSeconds: s.ackDeadlineSeconds,
        retryPolicy: { minimumBackoff: `${s.retry.minimumBackoffSeconds}s`, maximumBackoff: `${s.retry.maximumBackoffSeconds}s` },
        ...(s.deadLetterTopic ? { deadLetterPolicy: { deadLetterTopicRef: { name: k8sName(s.deadLetterTopic) }, maxDeliveryAttempts: s.maxDeliveryAttempts ?? 5 } } : {}),
        ...(s.filter ? { filter: s.filter } : {}),
        ...(s.messageOrdering ? { enableMessageOrdering: true } : {}),
        ...(s.messageRetentionSeconds ? { messageRetentionDuration: `${s.messageRetentionSeconds}s` } : {}),
        // Config Connector's spelling of "never expires".
        ...(s.neverExpires ? { expirationPolicy: { ttl: '' } } : {}),
      });
    }
    for (const d of topology.datasets) {
      object('BigQueryDataset', 'bigquery.cnrm.cloud.google.com/v1beta1', k8sName(d.name), { resourceID: d.name, location: '{{ .Values.gcp.location }}', description: d.description });
    }
    for (const t of topology.tables) {
      object('BigQueryTable', 'bigquery.cnrm.cloud.google.com/v1beta1', k8sName(`${t.dataset}-${t.name}`), {
        resourceID: t.name,
        datasetRef: { name: k8sName(t.dataset) },
        description: t.description,
        schema: JSON.stringify(toBigQuerySchema(t.contract)),
        ...(t.partitioning ? { timePartitioning: { type: t.partitioning.type, field: t.partitioning.field } } : {}),
        ...(t.clustering ? { clustering: t.clustering } : {}),
      });
    }
    for (const v of topology.views) {
      object('BigQueryTable', 'bigquery.cnrm.cloud.google.com/v1beta1', k8sName(`${v.dataset}-${v.name}`), {
        resourceID: v.name,
        datasetRef: { name: k8sName(v.dataset) },
        description: v.description,
        view: { query: v.query(values.projectId), useLegacySql: false },
      });
    }
    for (const b of topology.buckets) {
      object('StorageBucket', 'storage.cnrm.cloud.google.com/v1beta1', bucketName(b, values.projectId), {
        location: '{{ .Values.gcp.location }}',
        uniformBucketLevelAccess: true,
        lifecycleRule: (b.lifecycle ?? []).map((rule) => ({ action: { type: 'Delete' }, condition: { age: rule.deleteAfterDays, matchesPrefix: [rule.prefix] } })),
      });
    }

    // One Google service account per service, and only the roles its stage needs.
    for (const service of services) {
      object('IAMServiceAccount', 'iam.cnrm.cloud.google.com/v1beta1', service, { displayName: `mine platform: ${service}` });
      object('IAMPolicyMember', 'iam.cnrm.cloud.google.com/v1beta1', `${service}-workload-identity`, {
        member: `serviceAccount:${values.projectId}.svc.id.goog[{{ .Release.Namespace }}/${service}]`,
        role: 'roles/iam.workloadIdentityUser',
        resourceRef: { kind: 'IAMServiceAccount', name: service },
      });
    }
    const grant = (service: string, role: string, resourceRef: object, suffix: string) =>
      object('IAMPolicyMember', 'iam.cnrm.cloud.google.com/v1beta1', k8sName(`${service}-${suffix}`), { member: `serviceAccount:${googleServiceAccount(service)}`, role, resourceRef });
    for (const topic of topology.topics) {
      for (const publisher of topic.publishers) {
        if (!services.includes(publisher)) continue;
        grant(publisher, 'roles/pubsub.publisher', { kind: 'PubSubTopic', name: k8sName(topic.name) }, `publish-${topic.name}`);
        // Readiness checks that the topic exists (pubsub.topics.get), which publishing alone does not grant.
        grant(publisher, 'roles/pubsub.viewer', { kind: 'PubSubTopic', name: k8sName(topic.name) }, `readiness-${topic.name}`);
      }
    }
    for (const s of topology.subscriptions) {
      if (!services.includes(s.owner)) continue;
      grant(s.owner, 'roles/pubsub.subscriber', { kind: 'PubSubSubscription', name: k8sName(s.name) }, `subscribe-${s.name}`);
      // Subscribers publish poison messages to the dead-letter topic themselves.
      if (s.deadLetterTopic) grant(s.owner, 'roles/pubsub.publisher', { kind: 'PubSubTopic', name: k8sName(deadLetterTopicOf(s.topic)) }, `dead-letter-${s.name}`);
    }
    for (const d of topology.datasets) {
      for (const writer of d.writers) if (services.includes(writer)) grant(writer, 'roles/bigquery.dataEditor', { kind: 'BigQueryDataset', name: k8sName(d.name) }, `write-${d.name}`);
    }
    // Table-level grants where the dataset is shared: each service writes only its own tables.
    for (const t of topology.tables) {
      const datasetWriters = topology.datasets.find((d) => d.name === t.dataset)?.writers ?? [];
      for (const writer of tableWriters(topology, t)) {
        if (!services.includes(writer) || datasetWriters.includes(writer)) continue;
        grant(writer, 'roles/bigquery.dataEditor', { kind: 'BigQueryTable', name: k8sName(`${t.dataset}-${t.name}`) }, `write-${t.dataset}-${t.name}`);
      }
    }
    // Readers (analysts, dashboards, the ML team): data viewers, and job users to query; members are chart values.
    for (const r of topology.readers) {
      const member = `{{ .Values.readers.${camel(r.name)} }}`;
      for (const d of r.datasets) object('IAMPolicyMember', 'iam.cnrm.cloud.google.com/v1beta1', k8sName(`reader-${r.name}-${d}`), { member, role: 'roles/bigquery.dataViewer', resourceRef: { kind: 'BigQueryDataset', name: k8sName(d) } });
      for (const b of r.buckets) object('IAMPolicyMember', 'iam.cnrm.cloud.google.com/v1beta1', k8sName(`reader-${r.name}-${b}`), { member, role: 'roles/storage.objectViewer', resourceRef: { kind: 'StorageBucket', name: bucketName({ name: b }, values.projectId) } });
      object('IAMPolicyMember', 'iam.cnrm.cloud.google.com/v1beta1', k8sName(`reader-${r.name}-bigquery-jobs`), { member, role: 'roles/bigquery.jobUser', resourceRef: { kind: 'Project', external: `projects/${values.projectId}` } });
    }
    for (const b of topology.buckets) {
      for (const writer of b.writers) {
        if (!services.includes(writer)) continue;
        grant(writer, 'roles/storage.objectAdmin', { kind: 'StorageBucket', name: bucketName(b, values.projectId) }, `write-${b.name}`);
        // Readiness checks that the bucket exists (storage.buckets.get), which objectAdmin does not grant.
        grant(writer, 'roles/storage.legacyBucketReader', { kind: 'StorageBucket', name: bucketName(b, values.projectId) }, `readiness-${b.name}`);
      }
      for (const reader of b.readers) {
        if (!services.includes(reader)) continue;
        grant(reader, 'roles/storage.objectViewer', { kind: 'StorageBucket', name: bucketName(b, values.projectId) }, `read-${b.name}`);
        grant(reader, 'roles/storage.legacyBucketReader', { kind: 'StorageBucket', name: bucketName(b, values.projectId) }, `readiness-${b.name}`);
      }
    }
    // Load and query jobs run in the project: every service that writes a dataset may start them.
    for (const service of services.filter((s) => topology.tables.some((t) => tableWriters(topology, t).includes(s as never)) || topology.datasets.some((d) => d.writers.includes(s as never)))) {
      object('IAMPolicyMember', 'iam.cnrm.cloud.google.com/v1beta1', `${service}-bigquery-jobs`, {
        member: `serviceAccount:${googleServiceAccount(service)}`,
        role: 'roles/bigquery.jobUser',
        resourceRef: { kind: 'Project', external: `projects/${values.projectId}` },
      });
    }
  }
}
