import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PubSub } from '@google-cloud/pubsub';
import { Type } from '@sinclair/typebox';
import { compileValidator } from '@mine/contracts';
import { Subscriber, createLogger } from '@mine/platform';
import { pullMessages, stackProcessEnv, uniqueName, waitFor } from '@mine/testkit';
import { DeadLetters, REPLAY_OF_ATTRIBUTE, provision, topology } from '../src/index.js';

const logger = createLogger({ service: 'dead-letters-test', level: 'silent' });
const root = new URL('../../..', import.meta.url).pathname;
const run = promisify(execFile);
const Issue = Type.Object({ eventId: Type.String(), severity: Type.String() });
// The same consumer after a fix: it also accepts the severity it used to refuse.
const strict = compileValidator(Type.Object({ eventId: Type.String(), severity: Type.Union([Type.Literal('low'), Type.Literal('high')]) }));
const fixed = compileValidator(Issue);

test('dead-lettered by a consumer, listed by reason, replayed once to the source topic after the fix, delivered once', async (t) => {
  // A project of its own: the platform's real topic and subscription names, isolated from the shared stack.
  const projectId = uniqueName('dlq').replace(/_/g, '-');
  const pubsub = new PubSub({ projectId });
  const pubsubOnly = { ...topology, datasets: [], tables: [], views: [], buckets: [] };
  await provision(pubsubOnly, { pubsub, bigquery: undefined as never, storage: undefined as never }, { projectId, location: 'EU', logger });
  const deadLetters = new DeadLetters(pubsub, projectId, topology);
  t.after(async () => {
    await deadLetters.close();
    await pubsub.close();
  });

  const consume = (validator: typeof fixed, seen: string[]) =>
    new Subscriber(pubsub, {
      subscription: 'alert-evaluator.machinery-issues',
      validator,
      deadLetterTopic: 'machinery-issues-dead-letter',
      logger,
      handle: async (message) => void seen.push(`${message.body.eventId}${message.attributes[REPLAY_OF_ATTRIBUTE] ? ' (replayed)' : ''}`),
    });
  const source = pubsub.topic('machinery-issues');
  await source.publishMessage({ data: Buffer.from('{"eventId": "e1", broken'), attributes: { origin: 'app-1.4' } });
  await source.publishMessage({ json: { eventId: 'e2', severity: 'critical' }, attributes: { origin: 'app-1.5' } });
  await source.publishMessage({ json: { eventId: 'e3', severity: 'high' } });
  const seen: string[] = [];
  const before = consume(strict as unknown as typeof fixed, seen);
  before.start();
  await waitFor(async () => {
    const letters = await deadLetters.list('machinery-issues');
    return letters.length === 2 && seen.length === 1 ? letters : undefined;
  }, { what: 'two dead letters and one good message', timeoutMs: 30_000 });
  await before.close();
  assert.deepEqual(seen, ['e3']);

  // Listing does not consume: twice the same, grouped by reason.
  const summary = DeadLetters.byReason(await deadLetters.list('machinery-issues'));
  assert.deepEqual(summary.map((r) => `${r.reason}:${r.count}`).sort(), ['contract_violation:1', 'invalid_json:1']);
  const listed = await deadLetters.list('machinery-issues');
  const violation = listed.find((l) => l.reason === 'contract_violation')!;
  assert.equal(violation.sourceSubscription, 'alert-evaluator.machinery-issues');
  assert.match(violation.detail, /severity/);
  assert.equal(violation.attributes.origin, 'app-1.5', 'the producer’s attributes are kept');

  // The CLI, as an operator runs it: list, then a dry run that moves nothing.
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', '--conditions=source', 'packages/topology/src/dead-letters-cli.ts', ...args], { cwd: root, env: { ...process.env, ...stackProcessEnv(), GCP_PROJECT_ID: projectId } });
  const listedByCli = JSON.parse((await cli('list', '--topic', 'machinery-issues', '--json')).stdout);
  assert.deepEqual(listedByCli.map((r: { reason: string; count: number }) => `${r.reason}:${r.count}`).sort(), ['contract_violation:1', 'invalid_json:1']);
  const shown = JSON.parse((await cli('show', violation.id, '--topic', 'machinery-issues')).stdout);
  assert.equal(shown.body, JSON.stringify({ eventId: 'e2', severity: 'critical' }));
  const dry = JSON.parse((await cli('replay', '--topic', 'machinery-issues', '--reason', 'contract_violation', '--dry-run', '--json')).stdout);
  assert.deepEqual(dry, { matched: 1, replayed: 0, dryRun: true, ids: [violation.id] });
  assert.equal((await deadLetters.list('machinery-issues')).length, 2, 'a dry run replays nothing');

  // The consumer is fixed; replay the contract violations only — twice: the second finds nothing.
  const probe = (await source.createSubscription(`${projectId}-probe`))[0];
  const after: string[] = [];
  const fixedConsumer = consume(fixed, after);
  fixedConsumer.start();
  t.after(() => fixedConsumer.close());
  const replayed = JSON.parse((await cli('replay', '--topic', 'machinery-issues', '--reason', 'contract_violation', '--json')).stdout);
  assert.deepEqual(replayed, { matched: 1, replayed: 1, dryRun: false, ids: [violation.id] });
  const again = await deadLetters.replay('machinery-issues', { reason: 'contract_violation' });
  assert.deepEqual(again, { matched: 0, replayed: 0, dryRun: false, ids: [] }, 'idempotent: already replayed');

  await waitFor(() => (after.length > 0 ? true : undefined), { what: 'the replayed message handled', timeoutMs: 30_000 });
  const copies = await pullMessages(probe, { atLeast: 2, timeoutMs: 3_000 });
  assert.equal(copies.length, 1, 'one copy reached the source topic');
  assert.equal(copies[0]!.attributes[REPLAY_OF_ATTRIBUTE], violation.id);
  assert.equal(copies[0]!.attributes.origin, 'app-1.5');
  assert.ok(!Object.keys(copies[0]!.attributes).some((k) => k.startsWith('dlq_reason')), 'the copy is the original, not the dead letter');
  assert.deepEqual(after, ['e2 (replayed)'], 'delivered once to the fixed consumer');
  const left = await deadLetters.list('machinery-issues');
  assert.deepEqual(left.map((l) => l.reason), ['invalid_json'], 'the malformed one still waits');
  await probe.delete();
});
