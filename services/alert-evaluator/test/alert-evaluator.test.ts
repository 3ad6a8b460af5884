import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AlarmTransition, encodeSensorReadings, toBigQuerySchema, type SensorReading } from '@mine/contracts';
import { createBigQuery, createLogger, createPubSub, loadConfig } from '@mine/platform';
import { pullMessages, stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { buildAlertEvaluator, type AlertEvaluator } from '../src/app.js';
import { TokenAuth } from '../src/auth.js';
import { AlertEvaluatorEnv } from '../src/config.js';
import { locatedEvent } from '../src/rules/seismic-event.fixture.js';

const env = stackEnv();
const pubsub = createPubSub(env.projectId);
const bigquery = createBigQuery({ projectId: env.projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
const logger = createLogger({ service: 'alert-evaluator-test', level: 'silent' });
const OPERATOR_TOKEN = 'op-secret-token';
const VIEWER_TOKEN = 'viewer-secret-token';
const WEBHOOK_SECRET = 'webhook-signing-secret';

/** Throwaway topics, subscriptions, dataset and schema: this test shares the stack with others. */
async function environment(t: import('node:test').TestContext) {
  const name = uniqueName('ae').replace(/_/g, '-');
  const topic = async (suffix: string) => (await pubsub.createTopic(`${name}-${suffix}`))[0];
  const [readings, issues, alerts, readingsDlq, issuesDlq, seismic] = await Promise.all(['readings', 'issues', 'alerts', 'readings-dlq', 'issues-dlq', 'seismic'].map(topic));
  const [seismicSub] = await seismic!.createSubscription(`${name}-seismic.sub`, { ackDeadlineSeconds: 20 });
  const [readingsSub] = await readings!.createSubscription(`${name}-readings.sub`, { ackDeadlineSeconds: 20 });
  const [issuesSub] = await issues!.createSubscription(`${name}-issues.sub`, { ackDeadlineSeconds: 20 });
  const [alertsSub] = await alerts!.createSubscription(`${name}-alerts.sub`);
  const [historySub] = await alerts!.createSubscription(`${name}-alerts-history.sub`);
  const [issuesDlqSub] = await issuesDlq!.createSubscription(`${name}-issues-dlq.sub`);
  const [dataset] = await bigquery.createDataset(uniqueName('ae'));
  await dataset.createTable('alarm_transitions', { schema: { fields: toBigQuerySchema(AlarmTransition) } });

  const webhookCalls: { key: string; body: AlarmTransition }[] = [];
  let failNext = 1; // the first delivery fails: retries must still deliver once
  const webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (failNext-- > 0) return void response.writeHead(503).end();
      const [t, v1] = String(request.headers['x-mine-signature']).split(',').map((part) => part.split('=')[1]);
      if (v1 !== createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${body}`).digest('hex')) return void response.writeHead(401).end();
      webhookCalls.push({ key: String(request.headers['idempotency-key']), body: JSON.parse(body) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));

  const config = loadConfig(AlertEvaluatorEnv, {
    GCP_PROJECT_ID: env.projectId,
    PUBSUB_EMULATOR_HOST: env.pubsubEmulatorHost,
    DATABASE_URL: env.databaseUrl,
    PG_SCHEMA: name.replace(/-/g, '_'),
    SENSOR_SUBSCRIPTION: `${name}-readings.sub`,
    SENSOR_DEAD_LETTER_TOPIC: `${name}-readings-dlq`,
    ISSUE_SUBSCRIPTION: `${name}-issues.sub`,
    SEISMIC_EVENT_SUBSCRIPTION: `${name}-seismic.sub`,
    SEISMIC_EVENT_DEAD_LETTER_TOPIC: `${name}-issues-dlq`,
    ISSUE_DEAD_LETTER_TOPIC: `${name}-issues-dlq`,
    ALERTS_TOPIC: `${name}-alerts`,
    ALARM_HISTORY_TABLE: `${dataset.id}.alarm_transitions`,
    ALARM_HISTORY_SUBSCRIPTION: `${name}-alerts-history.sub`,
    ALERTS_DEAD_LETTER_TOPIC: `${name}-readings-dlq`,
    WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
    RULES_JSON: JSON.stringify({ defaults: { holdSeconds: 2, seismic: { ltaSeconds: 5 } } }),
    WEBHOOK_URLS: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
    WEBHOOK_MIN_BACKOFF_MS: '20',
    API_TOKENS: `olga:operator:${TokenAuth.hash(OPERATOR_TOKEN)},vic:viewer:${TokenAuth.hash(VIEWER_TOKEN)}`,
  });
  const start = async () => {
    const service = await buildAlertEvaluator({ config, logger, pubsub, bigquery });
    await service.start();
    return service;
  };
  t.after(async () => {
    webhook.close();
    await Promise.all([readingsSub, issuesSub, alertsSub, historySub, issuesDlqSub, seismicSub].map((s) => s!.delete().catch(() => undefined)));
    await Promise.all([readings, issues, alerts, readingsDlq, issuesDlq, seismic].map((tp) => tp!.delete().catch(() => undefined)));
    await dataset.delete({ force: true }).catch(() => undefined);
  });
  return { webhookPort: (webhook.address() as AddressInfo).port, schema: config.PG_SCHEMA, readings: readings!, issues: issues!, seismic: seismic!, alertsSub: alertsSub!, issuesDlqSub: issuesDlqSub!, dataset, webhookCalls, start };
}

const T0 = Date.UTC(2026, 10, 24, 6, 0, 0);

function packet(sensorId: string, sequence: number, amplitude: number, frequencyHz = 20): SensorReading {
  const rate = 500;
  const x = Array.from({ length: rate }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / rate) + 0.01 * Math.sin(i * 1.7));
  return {
    sensorId,
    sequence,
    startTime: new Date(T0 + sequence * 1000).toISOString(),
    sampleRateHz: rate,
    samples: { x, y: x.map((v) => v * 0.5), z: x.map((v) => v * 0.25) },
    site: 'north-pit',
    zone: 'wall-3',
    receivedAt: new Date(T0 + sequence * 1000 + 50).toISOString(),
  };
}

async function publish(topic: import('@google-cloud/pubsub').Topic, body: object, attributes: Record<string, string> = {}) {
  await topic.publishMessage({ json: body, attributes });
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

test('a blast raises an orange alarm, a stronger one escalates it to red, it clears after the hold time, and every transition is delivered once', async (t) => {
  const ctx = await environment(t);
  let service: AlertEvaluator = await ctx.start();
  t.after(() => service.close());

  // Quiet ground, then a 20 Hz blast at 80 % of the USBM limit (25.4 mm/s at 20 Hz): orange.
  // The quiet packets come as sensor-gateway sends a device's request: one packed message; the blast as earlier one-packet JSON.
  const quiet = [0, 1, 2].map((seq) => ({ ...packet('geo-7', seq, 0.2), receivedAt: new Date(T0 + 3000).toISOString() }));
  for (const message of encodeSensorReadings(quiet)) await ctx.readings.publishMessage(message);
  await waitFor(async () => ((await service.store.telemetry.sensors()).find((s) => s.sensorId === 'geo-7' && s.lastSequence === 2) ? true : undefined), { what: 'the packed quiet packets evaluated' });
  await publish(ctx.readings, packet('geo-7', 3, 25.4 * 0.8));
  const raised = await waitFor(async () => (await service.store.listAlarms({ ruleId: 'vibration-limit', limit: 10 }))[0], { what: 'vibration alarm' });
  assert.equal(raised.level, 'orange');
  assert.equal(raised.state, 'ACTIVE_UNACK');
  assert.equal(raised.subject, 'geo-7');
  assert.match(raised.message, /% of the USBM limit/);

  // A stronger blast, at 120 %, escalates the same alarm to red.
  const blast = packet('geo-7', 4, 25.4 * 1.2);
  await publish(ctx.readings, blast);
  const escalated = await waitFor(async () => {
    const alarm = await service.store.getAlarm(raised.alarmId);
    return alarm?.level === 'red' ? alarm : undefined;
  }, { what: 'escalation to red' });
  assert.equal(escalated.count, 2);
  assert.equal(escalated.history.length, 2);

  // The same packet again (a redelivery) counts nothing twice.
  await publish(ctx.readings, blast);
  await publish(ctx.readings, packet('geo-7', 5, 25.4 * 1.2));
  await waitFor(async () => ((await service.store.getAlarm(raised.alarmId))!.count === 3 ? true : undefined), { what: 'count 3' });

  // A restart keeps the alarm: it is PostgreSQL's, not the process's.
  await service.close();
  service = await ctx.start();
  const [afterRestart] = await service.store.listAlarms({ ruleId: 'vibration-limit', limit: 10 });
  assert.equal(afterRestart?.alarmId, raised.alarmId);
  assert.equal(afterRestart?.count, 3);

  // Acknowledge through the API: viewers may not, operators may.
  const denied = await service.app.inject({ method: 'POST', url: `/alarms/${raised.alarmId}/ack`, headers: auth(VIEWER_TOKEN) });
  assert.equal(denied.statusCode, 403);
  assert.match(denied.json().reason, /operator required/);
  assert.equal((await service.app.inject({ method: 'POST', url: `/alarms/${raised.alarmId}/ack` })).statusCode, 401);
  assert.equal((await service.app.inject({ method: 'POST', url: `/alarms/${raised.alarmId}/ack`, headers: auth('guess') })).statusCode, 401);
  const acked = await service.app.inject({ method: 'POST', url: `/alarms/${raised.alarmId}/ack`, headers: auth(OPERATOR_TOKEN) });
  assert.equal(acked.statusCode, 200);
  assert.equal(acked.json().state, 'ACTIVE_ACK');
  assert.equal((await service.app.inject({ method: 'POST', url: `/alarms/${raised.alarmId}/ack`, headers: auth(OPERATOR_TOKEN) })).statusCode, 409);

  // Quiet again for longer than the 2 s hold: the acknowledged alarm clears and closes.
  for (let seq = 6; seq < 11; seq++) await publish(ctx.readings, packet('geo-7', seq, 0.2));
  const cleared = await waitFor(async () => {
    const alarm = await service.store.getAlarm(raised.alarmId);
    return alarm?.state === 'CLEARED_ACK' ? alarm : undefined;
  }, { what: 'cleared alarm' });
  assert.deepEqual(cleared.history.map((h) => `${h.level}:${h.state}`), ['orange:ACTIVE_UNACK', 'red:ACTIVE_UNACK', 'red:ACTIVE_ACK', 'red:CLEARED_ACK']);
  assert.equal(cleared.history[2]!.actor, 'olga');

  // Each transition reached the alerts topic, BigQuery and the webhook exactly once.
  const published = await pullMessages(ctx.alertsSub, { atLeast: 4, timeoutMs: 15_000 });
  const fromTopic = published.map((m) => JSON.parse(m.data.toString()) as AlarmTransition).filter((m) => m.alarmId === raised.alarmId);
  // Pub/Sub does not promise order across messages; transitionAt does.
  fromTopic.sort((a, b) => a.transitionAt.localeCompare(b.transitionAt));
  assert.deepEqual(fromTopic.map((m) => m.state), ['ACTIVE_UNACK', 'ACTIVE_UNACK', 'ACTIVE_ACK', 'CLEARED_ACK']);
  await waitFor(() => (ctx.webhookCalls.filter((c) => c.body.alarmId === raised.alarmId).length >= 4 ? true : undefined), { what: 'webhooks' });
  const hooks = ctx.webhookCalls.filter((c) => c.body.alarmId === raised.alarmId);
  assert.equal(hooks.length, 4, 'one notification per transition, although the first attempt failed');
  assert.equal(new Set(hooks.map((h) => h.key)).size, 4);
  // The alarm's page lists the delivery of each of its transitions, and only those.
  const delivered = await waitFor(async () => {
    const page = (await service.app.inject({ url: `/alarms/${raised.alarmId}`, headers: auth(VIEWER_TOKEN) })).json();
    return page.notifications.length === 8 && page.notifications.every((n: { status: string }) => n.status === 'delivered') ? page : undefined;
  }, { what: 'notifications on the alarm page' });
  for (const channel of ['alerts-topic', `webhook:127.0.0.1:${ctx.webhookPort}/hook`])
    assert.deepEqual(
      new Set(delivered.notifications.filter((n: { target: string }) => n.target === channel).map((n: { transition_id: string }) => n.transition_id)),
      new Set(cleared.history.map((h) => h.transitionId)),
      channel,
    );
  // The history is fed by the alerts topic's own subscription.
  const rows = await waitFor(async () => {
    const [found] = await bigquery.query({ query: `SELECT level, state FROM \`${env.projectId}.${ctx.dataset.id}.alarm_transitions\` WHERE alarmId = '${raised.alarmId}' ORDER BY transitionAt` });
    return found.length >= 4 ? found : undefined;
  }, { what: 'four history rows in BigQuery' });
  assert.deepEqual(rows.map((r) => `${r.level}:${r.state}`), ['orange:ACTIVE_UNACK', 'red:ACTIVE_UNACK', 'red:ACTIVE_ACK', 'red:CLEARED_ACK']);
});

test('silent sensors: the sweep counts them per site on /metrics, for the SensorsSilent rule', async (t) => {
  const ctx = await environment(t);
  const service = await ctx.start();
  t.after(() => service.close());
  for (const message of encodeSensorReadings([packet('geo-silent', 0, 0.2)])) await ctx.readings.publishMessage(message);
  await waitFor(async () => ((await service.store.telemetry.sensors()).some((s) => s.sensorId === 'geo-silent') ? true : undefined), { what: 'the packet evaluated' });
  const silentLine = async () => /alert_evaluator_sensors_silent\{site="north-pit",service="alert-evaluator"\} (\d+)/.exec((await service.app.inject({ url: '/metrics' })).body)?.[1];
  // The store stamps receivedAt with PostgreSQL's clock: silent ten minutes later, not now.
  // (The service's own sweeper runs too, with now: poll so its result cannot overwrite ours unseen.)
  await service.evaluator.sweep(Date.now());
  assert.equal(await silentLine(), '0');
  await waitFor(async () => {
    await service.evaluator.sweep(Date.now() + 600_000);
    return (await silentLine()) === '1' ? true : undefined;
  }, { what: 'one silent sensor at north-pit' });
});

test('the control room’s live stream sends a snapshot, then each transition as it commits', async (t) => {
  const ctx = await environment(t);
  const service = await ctx.start();
  t.after(() => service.close());
  await service.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = service.app.server.address() as AddressInfo;
  assert.equal((await fetch(`http://127.0.0.1:${port}/alarms/stream`)).status, 401);
  const controller = new AbortController();
  t.after(() => controller.abort());
  // No token in a URL: the screen exchanges it once for an HttpOnly session cookie, which EventSource sends.
  assert.equal((await fetch(`http://127.0.0.1:${port}/alarms/stream?access_token=${VIEWER_TOKEN}`)).status, 401);
  const login = await fetch(`http://127.0.0.1:${port}/session`, { method: 'POST', headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
  assert.equal(login.status, 200);
  assert.deepEqual({ ...((await login.json()) as object), expiresAt: undefined }, { name: 'vic', role: 'viewer', expiresAt: undefined });
  const setCookie = login.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^control_room_session=[^;]+;.*HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.doesNotMatch(setCookie, new RegExp(VIEWER_TOKEN));
  const sessionCookie = setCookie.split(';')[0]!;
  const session = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { cookie: sessionCookie, ...(init.headers as Record<string, string>) } });
  assert.deepEqual(await (await session('/session')).json(), { name: 'vic', role: 'viewer' });
  // A wall screen's (viewer) session reads but cannot acknowledge; a forged cookie is no session.
  assert.equal((await session(`/alarms/${randomUUID()}/ack`, { method: 'POST', headers: { 'x-control-room': '1' } })).status, 403);
  assert.equal((await fetch(`http://127.0.0.1:${port}/alarms`, { headers: { cookie: sessionCookie.replace('viewer', 'operator') } })).status, 401);
  const operatorCookie = (await fetch(`http://127.0.0.1:${port}/session`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).headers.get('set-cookie')!.split(';')[0]!;
  const csrf = await fetch(`http://127.0.0.1:${port}/alarms/${randomUUID()}/ack`, { method: 'POST', headers: { cookie: operatorCookie } });
  assert.equal(csrf.status, 403, 'a cookie-authenticated change without the x-control-room header (a cross-site form) is refused');
  assert.equal((await fetch(`http://127.0.0.1:${port}/alarms/${randomUUID()}/ack`, { method: 'POST', headers: { cookie: operatorCookie, 'x-control-room': '1' } })).status, 404);
  const response = await session('/alarms/stream', { signal: controller.signal });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body!.getReader();
  let text = '';
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      text += new TextDecoder().decode(value);
    }
  };
  await readUntil(/event: snapshot\ndata: \{"alarms":\[\]\}/);
  await publish(ctx.issues, {
    eventId: randomUUID(), issueId: 'ISS-SSE', type: 'created', occurredAt: new Date(T0).toISOString(), receivedAt: new Date(T0).toISOString(),
    machineId: 'LHD-3', siteId: 'north-pit', severity: 'critical', status: 'open', reporter: 'u-1',
  });
  await readUntil(/event: transition\ndata: .*"subject":"ISS-SSE"/);
  assert.match(text, /id: \d+\nevent: transition/);
});

test('machinery: a critical issue raises at once and its resolution clears; bad messages are dead-lettered', async (t) => {
  const ctx = await environment(t);
  const service = await ctx.start();
  t.after(() => service.close());
  const issue = {
    eventId: randomUUID(),
    issueId: 'ISS-981',
    type: 'created',
    occurredAt: new Date(T0).toISOString(),
    receivedAt: new Date(T0 + 1000).toISOString(),
    machineId: 'HT-042',
    siteId: 'north-pit',
    severity: 'critical',
    status: 'open',
    title: 'brake failure on haul truck',
    reporter: 'u-1f3a',
  };
  await publish(ctx.issues, issue);
  const alarm = await waitFor(async () => (await service.store.listAlarms({ ruleId: 'machinery-critical', limit: 5 }))[0], { what: 'machinery alarm' });
  assert.equal(alarm.level, 'red');
  assert.equal(alarm.subject, 'ISS-981');

  await publish(ctx.issues, { ...issue, eventId: randomUUID(), type: 'resolved', status: 'resolved', occurredAt: new Date(T0 + 60_000).toISOString() });
  await waitFor(async () => ((await service.store.getAlarm(alarm.alarmId))?.state === 'CLEARED_UNACK' ? true : undefined), { what: 'cleared' });

  // From a phone that was offline: the resolution overtakes the creation. Applied by occurredAt, no alarm stays open.
  const late = { ...issue, issueId: 'ISS-982', eventId: randomUUID() };
  const issueEventsEvaluated = (n: number) =>
    waitFor(async () => {
      const { rows } = await service.store.pool.query(`SELECT count(*)::int AS n FROM "${ctx.schema}".processed_messages WHERE source = 'machinery-issues'`);
      return rows[0].n === n ? true : undefined;
    }, { what: `${n} issue events evaluated` });
  await publish(ctx.issues, { ...late, eventId: randomUUID(), type: 'resolved', status: 'resolved', occurredAt: new Date(T0 + 60_000).toISOString() });
  await issueEventsEvaluated(3);
  await publish(ctx.issues, late);
  await issueEventsEvaluated(4);
  assert.deepEqual((await service.store.listAlarms({ ruleId: 'machinery-critical', limit: 5 })).map((a) => a.subject), ['ISS-981'], 'no alarm for ISS-982');

  await publish(ctx.issues, { ...issue, eventId: 'not-a-uuid', severity: 'apocalyptic' }, { origin: 'app-v1' });
  const [dead] = await pullMessages(ctx.issuesDlqSub, { atLeast: 1 });
  assert.equal(dead?.attributes.dlq_reason, 'contract_violation');
  assert.match(dead?.attributes.dlq_detail ?? '', /\/eventId|\/severity/);
  assert.equal(dead?.attributes.origin, 'app-v1');

  const list = await service.app.inject({ url: '/alarms?state=CLEARED_UNACK', headers: auth(VIEWER_TOKEN) });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().alarms.map((a: { alarmId: string }) => a.alarmId), [alarm.alarmId]);
  assert.equal((await service.app.inject({ url: '/alarms?state=SOMETHING', headers: auth(VIEWER_TOKEN) })).statusCode, 400);
});

test('a catalogue event is one alarm with its stations and PPVs; its relabel as a blast updates that alarm; a redelivered decision changes nothing', async (t) => {
  const ctx = await environment(t);
  const service = await ctx.start();
  t.after(() => service.close());
  const stations = Array.from({ length: 12 }, (_, i) => ({ sensorId: `geo-${200 + i}`, zone: 'zone-2', distanceM: 60 + 15 * i, ppvMmS: 25 - i, pvsMmS: 26 - i, magnitude: 1.3, energyJ: 2e5 }));
  const event = locatedEvent({
    eventId: `south-decline.geo-200.${T0}`,
    originTime: new Date(T0).toISOString(),
    magnitude: 1.3,
    energyJ: 2e5,
    stations,
    decidedAt: new Date(T0 + 2000).toISOString(),
  });
  await publish(ctx.seismic, event);
  await publish(ctx.seismic, event);
  const raised = await waitFor(async () => (await service.store.listAlarms({ ruleId: 'seismic-event', limit: 10 }))[0], { what: 'seismic event alarm' });
  assert.equal(raised.level, 'orange');
  assert.equal(raised.subject, event.eventId);
  assert.deepEqual((raised.details as { stations: { ppvMmS: number }[] }).stations.map((s) => s.ppvMmS), stations.map((s) => s.ppvMmS));
  // The blast register matched it later: the same alarm, now naming the blast.
  await publish(ctx.seismic, { ...event, kind: 'blast', blastId: 'SD-L2-0412', blastOffsetM: 3.1, decidedAt: new Date(T0 + 60_000).toISOString() });
  const relabelled = await waitFor(async () => {
    const [alarm] = await service.store.listAlarms({ ruleId: 'seismic-event', limit: 10 });
    return alarm && (alarm.details as { blastId?: string }).blastId ? alarm : undefined;
  }, { what: 'the relabelled alarm' });
  assert.equal(relabelled.alarmId, raised.alarmId);
  const all = await service.store.listAlarms({ ruleId: 'seismic-event', limit: 10 });
  assert.equal(all.length, 1, 'one alarm for the event, through the duplicate and the relabel');
  assert.equal(relabelled.count, 2, 'the duplicate decision did not count');
});
