import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { MachineryIssueEvent, toBigQuerySchema } from '@mine/contracts';
import { createBigQuery, createLogger, createStorage } from '@mine/platform';
import { PubSub } from '@google-cloud/pubsub';
import { stackEnv, uniqueName } from '@mine/testkit';
import { ProvisionConflictError, bucketName, provision, topology, type Topology } from '../src/index.js';

const env = stackEnv();
const logger = createLogger({ service: 'provision-test', level: 'silent' });

// A project of its own, so this test neither depends on nor disturbs the shared local topology.
function clientsFor(projectId: string) {
  return {
    pubsub: new PubSub({ projectId }),
    bigquery: createBigQuery({ projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint }),
    storage: createStorage({ projectId, storageApiEndpoint: env.storageApiEndpoint }),
  };
}

test('provisioning the topology twice creates everything once and then changes nothing', async (t) => {
  const projectId = uniqueName('prov').replace(/_/g, '-');
  const clients = clientsFor(projectId);
  t.after(() => clients.pubsub.close());
  const options = { projectId, location: 'EU', logger };

  const dryRun = await provision(topology, clients, { ...options, dryRun: true });
  assert.ok(dryRun.every((s) => s.action === 'would-create'), 'a dry run only plans');
  const [topicsBefore] = await clients.pubsub.getTopics();
  assert.equal(topicsBefore.length, 0, 'a dry run creates nothing');

  const first = await provision(topology, clients, options);
  const expectedCount = topology.topics.length + topology.subscriptions.length + topology.datasets.length + topology.tables.length + topology.views.length + topology.buckets.length;
  assert.equal(first.length, expectedCount);
  assert.deepEqual([...new Set(first.map((s) => s.action))], ['created']);

  const second = await provision(topology, clients, options);
  assert.deepEqual(
    second.filter((s) => s.action !== 'unchanged'),
    [],
    'the second run finds everything as declared',
  );
  assert.deepEqual(second.map((s) => `${s.kind}:${s.name}`), first.map((s) => `${s.kind}:${s.name}`));

  // What was created is what was declared.
  const [subscription] = await clients.pubsub.subscription('lake-compactor.sensor-readings').getMetadata();
  assert.equal(subscription.deadLetterPolicy?.deadLetterTopic, `projects/${projectId}/topics/sensor-readings-dead-letter`);
  assert.equal(subscription.deadLetterPolicy?.maxDeliveryAttempts, 10);
  assert.equal(subscription.ackDeadlineSeconds, 120);
  // Dead letters wait for people: the hold subscriptions never expire and keep messages as long as Pub/Sub allows.
  const [hold] = await clients.pubsub.subscription('sensor-readings-dead-letter.hold').getMetadata();
  assert.equal(Number(hold.messageRetentionDuration?.seconds), 7 * 24 * 3600);
  assert.ok(hold.expirationPolicy, 'an expiration policy is set');
  assert.ok(!Number(hold.expirationPolicy.ttl?.seconds ?? 0), 'and it has no ttl: never expires');
  const [table] = await clients.bigquery.dataset('raw_mobile').table('machinery_issue_events').getMetadata();
  assert.deepEqual(
    table.schema.fields.map((f: { name: string; mode: string }) => `${f.name}:${f.mode}`),
    toBigQuerySchema(MachineryIssueEvent).map((f) => `${f.name}:${f.mode}`),
  );
  for (const bucket of topology.buckets) {
    const [exists] = await clients.storage.bucket(bucketName(bucket, projectId)).exists();
    assert.ok(exists, `bucket ${bucket.name}`);
  }
});

test('drift: an ack deadline edited by hand is put back; a new contract column is added; a removed one is refused', async (t) => {
  const projectId = uniqueName('drift').replace(/_/g, '-');
  const clients = clientsFor(projectId);
  t.after(() => clients.pubsub.close());
  const Row = Type.Object({ id: Type.String(), value: Type.Number() });
  const small: Topology = {
    topics: [{ name: 'readings', description: 'd', publishers: [], retentionSeconds: 3600 }, { name: 'readings-dead-letter', description: 'd', publishers: [], retentionSeconds: 3600 }],
    subscriptions: [
      { name: 'readings.worker', topic: 'readings', owner: 'lake-compactor', description: 'd', ackDeadlineSeconds: 30, deadLetterTopic: 'readings-dead-letter', maxDeliveryAttempts: 5, retry: { minimumBackoffSeconds: 5, maximumBackoffSeconds: 60 } },
    ],
    datasets: [{ name: 'drift_ops', description: 'd', writers: [] }],
    tables: [{ dataset: 'drift_ops', name: 'rows', description: 'd', contract: Row, owner: 'db-extractor' }],
    views: [{ dataset: 'drift_ops', name: 'big_rows', description: 'd', owner: 'operators', query: (p) => `SELECT id FROM \`${p}.drift_ops.rows\` WHERE value > 10` }],
    buckets: [],
    readers: [],
  };
  const options = { projectId, location: 'EU', logger };
  await provision(small, clients, options);

  await clients.pubsub.subscription('readings.worker').setMetadata({ ackDeadlineSeconds: 45 });
  const widened: Topology = {
    ...small,
    tables: [{ ...small.tables[0]!, contract: Type.Object({ ...Row.properties, note: Type.Optional(Type.String()) }) }],
    views: [{ ...small.views[0]!, query: (p) => `SELECT id, note FROM \`${p}.drift_ops.rows\` WHERE value > 100` }],
  };
  const steps = await provision(widened, clients, options);
  const changed = Object.fromEntries(steps.filter((s) => s.action !== 'unchanged').map((s) => [`${s.kind}:${s.name}`, s.detail]));
  assert.deepEqual(changed, { 'subscription:readings.worker': 'ackDeadlineSeconds', 'table:drift_ops.rows': 'add columns note', 'view:drift_ops.big_rows': 'query changed' });
  const [viewRows] = await clients.bigquery.query({ query: `SELECT * FROM \`${projectId}.drift_ops.big_rows\`` });
  assert.deepEqual(viewRows, []);
  const [subscription] = await clients.pubsub.subscription('readings.worker').getMetadata();
  assert.equal(subscription.ackDeadlineSeconds, 30);

  const narrowed: Topology = { ...small, tables: [{ ...small.tables[0]!, contract: Type.Object({ id: Type.String() }) }] };
  await assert.rejects(provision(narrowed, clients, options), (error: unknown) => {
    assert.ok(error instanceof ProvisionConflictError);
    assert.match(error.message, /column value exists but the contract removed it/);
    return true;
  });
});
