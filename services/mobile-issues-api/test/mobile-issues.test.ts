import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { PubSub } from '@google-cloud/pubsub';
import { createBigQuery, createLogger, createStorage, loadConfig } from '@mine/platform';
import { pullMessages, stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { provision, topology } from '@mine/topology';
import { buildMobileIssuesApi } from '../src/app.js';
import { MobileIssuesEnv, SinkEnv } from '../src/config.js';
import { buildSink } from '../src/sink/service.js';

const env = stackEnv();
const logger = createLogger({ service: 'mobile-issues-test', level: 'silent' });
const ISSUER = 'https://login.mine.example';
const AUDIENCE = 'mobile-issues-api';

async function keys() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256' };
  const sign = (claims: Record<string, unknown>, options: { expiresIn?: string; audience?: string; key?: typeof privateKey } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(options.key ?? privateKey);
  return { jwks: JSON.stringify({ keys: [jwk] }), sign };
}

test('issue events flow from the app to BigQuery: roles, idempotency, offline batches, PII masking, dedupe in the marts', async (t) => {
  // A project of its own, provisioned from the topology (topics, the raw table, the marts views).
  const projectId = uniqueName('mobile').replace(/_/g, '-');
  const pubsub = new PubSub({ projectId });
  const bigquery = createBigQuery({ projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
  await provision(topology, { pubsub, bigquery, storage: createStorage({ projectId, storageApiEndpoint: env.storageApiEndpoint }) }, { projectId, location: 'EU' });
  const { jwks, sign } = await keys();
  const base = { GCP_PROJECT_ID: projectId, DATABASE_URL: env.databaseUrl, PSEUDONYM_KEY: 'test-pseudonym-key-0123456789' };
  const api = await buildMobileIssuesApi({ config: loadConfig(MobileIssuesEnv, { ...base, PG_SCHEMA: projectId.replace(/-/g, '_'), JWKS_JSON: jwks }), logger, pubsub });
  const sink = await buildSink({ config: loadConfig(SinkEnv, { ...base, BATCH_MAX_WAIT_MS: '100' }), logger, pubsub, bigquery });
  sink.start();
  t.after(async () => {
    await api.close();
    await sink.close();
    await pubsub.close();
  });

  const operator = `Bearer ${await sign({ sub: 'op-ana', roles: ['operator'] })}`;
  const otherOperator = `Bearer ${await sign({ sub: 'op-ben', roles: ['operator'] })}`;
  const supervisor = `Bearer ${await sign({ sub: 'sup-carla', roles: ['supervisor'] })}`;
  const post = (authorization: string | undefined, payload: unknown) =>
    api.app.inject({ method: 'POST', url: '/v1/issues/events', headers: authorization ? { authorization } : {}, payload: payload as object });
  let clock = Date.UTC(2026, 10, 23, 8);
  const event = (type: string, issueId: string, extra: Record<string, unknown> = {}) => ({
    eventId: randomUUID(),
    issueId,
    type,
    occurredAt: new Date((clock += 60_000)).toISOString(),
    machineId: 'HT-042',
    siteId: 'north-pit',
    ...extra,
  });

  // Every authentication failure says why.
  const cases: [string | undefined, number, RegExp][] = [
    [undefined, 401, /missing bearer token/],
    [`Bearer ${await sign({ sub: 'x', roles: ['operator'] }, { expiresIn: '-1m' })}`, 401, /expired/],
    [`Bearer ${await sign({ sub: 'x', roles: ['operator'] }, { audience: 'someone-else' })}`, 401, /"aud"/],
    [`Bearer ${await sign({ sub: 'x', roles: ['operator'] }, { key: (await generateKeyPair('ES256')).privateKey })}`, 401, /signature/],
    [`Bearer ${await sign({ sub: 'x', roles: ['guest'] })}`, 403, /neither the operator nor the supervisor/],
  ];
  for (const [authorization, status, reason] of cases) {
    const response = await post(authorization, event('created', 'I-X', { severity: 'low' }));
    assert.equal(response.statusCode, status);
    assert.match(response.json().reason, reason);
  }

  const created = event('created', 'I-1', { severity: 'high', title: 'Brake fade', description: 'Call me on +56 9 8765 4321 or ana.rojas@mina.cl, RUT 12.345.678-5' });
  assert.equal((await post(operator, created)).statusCode, 202);
  assert.equal((await post(operator, created)).statusCode, 200, 'the same event id again is a duplicate');

  // An offline batch, processed in order and answered per item.
  const batch = await post(operator, [
    event('updated', 'I-1', { notes: 'still fading, see photo' }),
    event('created', 'I-2', { severity: 'critical', title: 'Hydraulic leak' }),
    { ...event('updated', 'I-2'), severity: 'apocalyptic' },
    event('resolved', 'I-1'),
    event('updated', 'I-404'),
    created,
  ]);
  assert.equal(batch.statusCode, 200);
  assert.deepEqual(
    batch.json().results.map((r: { status: string; code?: string }) => `${r.status}${r.code ? `:${r.code}` : ''}`),
    ['accepted', 'accepted', 'rejected:schema', 'rejected:forbidden', 'rejected:unknown_issue', 'duplicate'],
  );
  const notOwn = await post(otherOperator, event('updated', 'I-1', { notes: 'me too' }));
  assert.equal(notOwn.statusCode, 403);
  assert.match(notOwn.json().reason, /only issues they reported/);
  assert.equal((await post(operator, event('updated', 'I-2', { assignee: 'mech-7' }))).statusCode, 403, 'operators may not reassign');
  assert.equal((await post(supervisor, event('updated', 'I-2', { assignee: 'mech-7' }))).statusCode, 202);
  assert.equal((await post(supervisor, { ...event('resolved', 'I-1'), occurredAt: new Date(Date.UTC(2026, 10, 23, 14)).toISOString() })).statusCode, 202);

  // Reads for the app come from the read model at once.
  const open = await api.app.inject({ url: '/v1/issues?siteId=north-pit', headers: { authorization: operator } });
  assert.deepEqual(open.json().issues.map((i: { issueId: string; mine: boolean }) => [i.issueId, i.mine]), [['I-2', true]]);
  const history = await api.app.inject({ url: '/v1/issues/I-1/history', headers: { authorization: operator } });
  assert.deepEqual(history.json().events.map((e: { type: string }) => e.type), ['created', 'updated', 'resolved']);

  // A redelivery the sink sees twice must still be one row in the marts.
  const [first] = await pubsub.topic('machinery-issues').publishMessage({ json: { ...history.json().events[0] } }).then((id) => [id]);
  assert.ok(first);
  const raw = `\`${projectId}.raw_mobile.machinery_issue_events\``;
  await waitFor(async () => {
    const [[row]] = await bigquery.query({ query: `SELECT COUNT(*) AS n, COUNT(DISTINCT eventId) AS d FROM ${raw}` });
    return row.d === 5 && row.n >= 6 ? row : undefined;
  }, { timeoutMs: 20_000, what: 'events in BigQuery' });

  const [current] = await bigquery.query({ query: `SELECT issueId, status, severity, assignee FROM \`${projectId}.marts.machinery_issues_current\` ORDER BY issueId` });
  assert.deepEqual(current.map((r) => [r.issueId, r.status, r.severity]), [['I-1', 'resolved', 'high'], ['I-2', 'open', 'critical']]);
  assert.match(current[1].assignee, /^u_[0-9a-f]{20}$/, 'the assignee is pseudonymised');
  const [ttr] = await bigquery.query({ query: `SELECT machineId, resolvedIssues, meanHoursToResolve FROM \`${projectId}.marts.machinery_time_to_resolution\`` });
  assert.equal(ttr.length, 1);
  assert.equal(ttr[0].resolvedIssues, 1);
  const expectedHours = (Date.UTC(2026, 10, 23, 14) - Date.parse(created.occurredAt)) / 3_600_000;
  assert.ok(Math.abs(ttr[0].meanHoursToResolve - expectedHours) < 0.001, `${ttr[0].meanHoursToResolve} h, expected ${expectedHours}`);

  // What lands holds no PII: free text masked, people pseudonymised.
  const [landed] = await bigquery.query({ query: `SELECT description, reporter FROM ${raw} WHERE eventId = '${created.eventId}' LIMIT 1` });
  assert.equal(landed[0].description, 'Call me on [phone] or [email], RUT [national-id]');
  assert.match(landed[0].reporter, /^u_/);
  const [everything] = await bigquery.query({ query: `SELECT TO_JSON_STRING(t) AS j FROM ${raw} AS t` });
  assert.doesNotMatch(everything.map((r) => r.j).join('\n'), /op-ana|sup-carla|mech-7|8765|ana\.rojas/);

  // A message that fails the contract downstream is dead-lettered with the reason.
  await pubsub.topic('machinery-issues').publishMessage({ json: { eventId: 'nope' } });
  const [dead] = await pullMessages(pubsub.subscription('machinery-issues-dead-letter.hold'), { atLeast: 1, timeoutMs: 15_000 });
  assert.equal(dead?.attributes.dlq_reason, 'contract_violation');
});
