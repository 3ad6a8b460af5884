import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBigQuerySchema } from '@mine/contracts';
import { topology } from './topology.js';
import { schemaDrift } from './provision.js';

test('every subscription reads a declared topic and dead-letters to a declared one', () => {
  const topics = new Set(topology.topics.map((t) => t.name));
  for (const subscription of topology.subscriptions) {
    assert.ok(topics.has(subscription.topic), `${subscription.name} reads ${subscription.topic}`);
    if (subscription.deadLetterTopic) assert.ok(topics.has(subscription.deadLetterTopic), `${subscription.name} dead-letters to ${subscription.deadLetterTopic}`);
    assert.notEqual(subscription.deadLetterTopic, subscription.topic);
  }
  // Pub/Sub drops messages on a topic nobody subscribes to: every topic needs at least one subscription.
  for (const topic of topology.topics) {
    assert.ok(topology.subscriptions.some((s) => s.topic === topic.name), `${topic.name} has a subscription`);
  }
});

test('names are unique and tables live in declared datasets with valid schemas', () => {
  for (const kind of ['topics', 'subscriptions', 'datasets', 'buckets'] as const) {
    const names = topology[kind].map((r) => r.name);
    assert.equal(new Set(names).size, names.length, `${kind} names are unique`);
  }
  const datasets = new Set(topology.datasets.map((d) => d.name));
  for (const table of topology.tables) {
    assert.ok(datasets.has(table.dataset), `${table.dataset}.${table.name}`);
    const columns = toBigQuerySchema(table.contract).map((f) => f.name);
    if (table.partitioning) assert.ok(columns.includes(table.partitioning.field), `partition column ${table.partitioning.field}`);
    for (const column of table.clustering ?? []) assert.ok(columns.includes(column), `cluster column ${column}`);
  }
});

test('schema drift: additions are applied as NULLABLE, removals and type changes refused', () => {
  const current = [
    { name: 'id', type: 'STRING', mode: 'REQUIRED' as const },
    { name: 'n', type: 'INTEGER', mode: 'NULLABLE' as const },
  ];
  assert.deepEqual(schemaDrift(current, [...current, { name: 'extra', type: 'STRING', mode: 'REQUIRED' }]), {
    added: [{ name: 'extra', type: 'STRING', mode: 'NULLABLE' }],
    incompatible: [],
  });
  assert.deepEqual(schemaDrift(current, [{ name: 'id', type: 'STRING', mode: 'REQUIRED' }, { name: 'n', type: 'INT64', mode: 'NULLABLE' }]).incompatible, []);
  assert.match(schemaDrift(current, [current[0]!]).incompatible.join(), /n exists but the contract removed it/);
  assert.match(schemaDrift(current, [current[0]!, { name: 'n', type: 'STRING', mode: 'NULLABLE' }]).incompatible.join(), /n is INTEGER, contract says STRING/);
});

test('docs/data-dictionary.md is what the contracts and topology generate', async () => {
  const { readFileSync } = await import('node:fs');
  const { dataDictionary } = await import('./dictionary.js');
  const current = readFileSync(new URL('../../../docs/data-dictionary.md', import.meta.url), 'utf8');
  assert.equal(current, dataDictionary(topology), 'stale: run pnpm dictionary');
  assert.match(current, /\| `reporter` \| STRING \| REQUIRED \| pseudonymised \|/);
});
