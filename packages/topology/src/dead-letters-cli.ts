#!/usr/bin/env node
// Dead letters of the platform's topics, for operators (docs/runbook.md):
//   pnpm dead-letters list [--topic T] [--json]                list by topic and reason
//   pnpm dead-letters show <id> [--topic T]                    one dead letter: attributes and body
//   pnpm dead-letters replay --topic T [--reason R] [--id ID]... [--limit N] [--dry-run]
import { parseArgs } from 'node:util';
import { Type } from '@sinclair/typebox';
import { PlatformEnv, createPubSub, loadConfig } from '@mine/platform';
import { DeadLetters, type DeadLetter } from './dead-letters.js';
import { topology } from './topology.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    topic: { type: 'string' },
    reason: { type: 'string' },
    id: { type: 'string', multiple: true },
    limit: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const [command, showId] = positionals;
const config = loadConfig(Type.Object(PlatformEnv));
const pubsub = createPubSub(config.GCP_PROJECT_ID);
const deadLetters = new DeadLetters(pubsub, config.GCP_PROJECT_ID, topology);
const topics = values.topic ? [values.topic] : deadLetters.topics;
const print = (line: string) => process.stdout.write(`${line}\n`);

function body(letter: DeadLetter): string {
  const text = letter.data.toString('utf8');
  // Binary bodies (sensor-readings is Avro) are shown as base64.
  return /[\u0000-\u0008\uFFFD]/.test(text) ? `base64:${letter.data.toString('base64')}` : text;
}

try {
  if (command === 'list') {
    const summary = [];
    for (const topic of topics) for (const row of DeadLetters.byReason(await deadLetters.list(topic))) summary.push({ topic, ...row });
    if (values.json) print(JSON.stringify(summary));
    else {
      print(['topic', 'reason', 'count', 'oldest', 'newest'].join('\t'));
      for (const row of summary) print([row.topic, row.reason, row.count, row.oldest, row.newest].join('\t'));
      print(`${summary.reduce((n, r) => n + r.count, 0)} dead letters`);
    }
  } else if (command === 'show' && showId) {
    let found: DeadLetter | undefined;
    for (const topic of topics) found ??= (await deadLetters.list(topic)).find((l) => l.id === showId);
    if (!found) throw new Error(`no dead letter ${showId} on ${topics.join(', ')}`);
    const { data: _data, ackId: _ackId, ...described } = found;
    print(JSON.stringify({ ...described, body: body(found) }, null, 2));
  } else if (command === 'replay' && values.topic) {
    const result = await deadLetters.replay(values.topic, {
      ...(values.reason ? { reason: values.reason } : {}),
      ...(values.id ? { ids: values.id } : {}),
      ...(values.limit ? { limit: Number(values.limit) } : {}),
      dryRun: values['dry-run'] ?? false,
    });
    if (values.json) print(JSON.stringify(result));
    else print(result.dryRun ? `dry run: ${result.matched} dead letters would be replayed to ${values.topic}` : `${result.replayed} of ${result.matched} dead letters replayed to ${values.topic}`);
  } else {
    print('usage: dead-letters list [--topic T] [--json] | show <id> [--topic T] | replay --topic T [--reason R] [--id ID]... [--limit N] [--dry-run] [--json]');
    process.exitCode = 2;
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await deadLetters.close();
  await pubsub.close();
}
