import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SENSOR_READINGS_ENCODING, SensorReadingBatch, compileValidator, decodeSensorReadings, type SensorReading } from '@mine/contracts';
import { createLogger, createPubSub, loadConfig } from '@mine/platform';
import { createTestTopic, fc, fuzzSurface, pullMessages } from '@mine/testkit';
import { buildSensorGateway } from '../src/app.js';
import { SensorGatewayEnv } from '../src/config.js';
import { DeviceRegistry, hashToken } from '../src/devices.js';

const pubsub = createPubSub('mine-local');
const logger = createLogger({ service: 'sensor-gateway-test', level: 'silent' });
const batchValidator = compileValidator(SensorReadingBatch);
const readingsOf = (message: { data: Buffer; attributes: Record<string, string> }) => decodeSensorReadings(message.data, message.attributes).readings as SensorReading[];
const devices = new DeviceRegistry([
  { sensorId: 'geo-001', site: 'north-pit', zone: 'wall-3', tokenSha256: hashToken('token-geo-001') },
  { sensorId: 'geo-002', site: 'north-pit', zone: 'wall-4', tokenSha256: hashToken('token-geo-002'), revoked: true },
]);

async function gateway(t: import('node:test').TestContext, overrides: Record<string, string> = {}) {
  const { topic, subscription, cleanup } = await createTestTopic(pubsub, 'gateway');
  const config = loadConfig(SensorGatewayEnv, { SENSOR_TOPIC: topic.name.split('/').pop(), DEVICES_JSON: '[]', MAX_BODY_BYTES: '200000', ...overrides });
  const service = await buildSensorGateway({ config, logger, pubsub, devices });
  t.after(async () => {
    await service.close();
    await cleanup();
  });
  return { service, topic, subscription };
}

const toResolution = (value: number) => Math.round(value * 1e4) / 1e4 + 0;

function packet(sequence: number, overrides: Record<string, unknown> = {}) {
  const x = Array.from({ length: 250 }, (_, i) => 0.3 * Math.sin(i / 3));
  return { sensorId: 'geo-001', sequence, startTime: new Date(Date.now() - 1000).toISOString(), sampleRateHz: 500, samples: { x, y: x, z: x }, ...overrides };
}

const device = { authorization: 'Bearer token-geo-001' };

test('accepts one packet and publishes it with the device’s site and zone, 202 only after Pub/Sub stored it', async (t) => {
  const { service, subscription } = await gateway(t);
  const response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: device, payload: packet(1) });
  assert.equal(response.statusCode, 202);
  assert.deepEqual(response.json(), { accepted: 1, rejected: [] });
  const [message] = await pullMessages(subscription, { atLeast: 1 });
  const decoded = decodeSensorReadings(message!.data, message!.attributes);
  assert.ok(batchValidator.check(decoded), 'the published message satisfies the SensorReadingBatch contract');
  const [reading] = decoded.readings;
  assert.equal(reading!.site, 'north-pit');
  const sent = packet(1);
  assert.deepEqual(reading!.samples, { x: sent.samples.x.map(toResolution), y: sent.samples.y.map(toResolution), z: sent.samples.z.map(toResolution) });
  assert.deepEqual(message!.attributes, { sensorId: 'geo-001', site: 'north-pit', zone: 'wall-3', encoding: SENSOR_READINGS_ENCODING, firstSequence: '1', lastSequence: '1', packets: '1' });
});

test('the accepted packets of a request go out as one message, in the order sent', async (t) => {
  const { service, subscription } = await gateway(t);
  const payload = [packet(20), packet(21), packet(22), packet(23)];
  const response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: device, payload });
  assert.equal(response.statusCode, 202);
  const messages = await pullMessages(subscription, { atLeast: 1, timeoutMs: 1500 });
  assert.equal(messages.length, 1);
  assert.deepEqual(readingsOf(messages[0]!).map((r) => r.sequence), [20, 21, 22, 23]);
  assert.deepEqual([messages[0]!.attributes.firstSequence, messages[0]!.attributes.lastSequence, messages[0]!.attributes.packets], ['20', '23', '4']);
});

test('a batch answers per packet: the good are published, each bad one says why', async (t) => {
  const { service, subscription } = await gateway(t);
  const payload = [
    packet(10),
    packet(11, { samples: { x: [1, 2], y: [1], z: [1, 2] } }),
    packet(12, { sampleRateHz: 10 }),
    packet(13, { startTime: new Date(Date.now() + 3600_000).toISOString() }),
    packet(14, { startTime: '2020-01-01T00:00:00Z' }),
    packet(15, { sensorId: 'geo-999' }),
    packet(16, { samples: { x: [1e9], y: [0], z: [0] } }),
    { hello: 'world' },
    packet(17),
  ];
  const response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: device, payload });
  assert.equal(response.statusCode, 202);
  const body = response.json();
  assert.equal(body.accepted, 2);
  assert.deepEqual(
    body.rejected.map((r: { index: number; reason: string }) => `${r.index}:${r.reason}`),
    ['1:axis_length_mismatch', '2:schema', '3:clock_skew', '4:too_old', '5:sensor_mismatch', '6:schema', '7:schema'],
  );
  assert.match(body.rejected[1].detail, /sampleRateHz/);
  assert.equal(body.rejected[0].sequence, 11);
  const messages = await pullMessages(subscription, { atLeast: 2 });
  assert.deepEqual(messages.flatMap((m) => readingsOf(m).map((r) => r.sequence)), [10, 17]);
  const metrics = await service.app.inject('/metrics');
  assert.match(metrics.body, /sensor_gateway_packets_rejected_total\{reason="schema",service="sensor-gateway"\} 3/);
});

test('unknown and revoked devices get 401 and nothing they send is published; oversize bodies 413; all-bad 400', async (t) => {
  const { service, subscription } = await gateway(t);
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Bearer token-geo-002' }]) {
    const response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers, payload: packet(1) });
    assert.equal(response.statusCode, 401);
    assert.ok(response.json().reason);
  }
  assert.match((await service.app.inject({ method: 'POST', url: '/v1/packets', headers: { authorization: 'Bearer token-geo-002' }, payload: packet(1) })).json().reason, /revoked/);
  const big = packet(2, { samples: { x: new Array(8000).fill(1.23456789), y: new Array(8000).fill(1.23456789), z: new Array(8000).fill(1.23456789) } });
  const tooLarge = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: device, payload: big });
  assert.equal(tooLarge.statusCode, 413);
  assert.match(tooLarge.json().reason, /larger than 200000 bytes/);
  const allBad = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: device, payload: [packet(3, { sequence: -1 })] });
  assert.equal(allBad.statusCode, 400);
  const published = await pullMessages(subscription, { atLeast: 1, timeoutMs: 1500 });
  assert.equal(published.length, 0);
});

test('when Pub/Sub cannot store the packets the device gets 503 with Retry-After', async (t) => {
  const { service, topic } = await gateway(t);
  await topic.delete();
  const response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: device, payload: packet(5) });
  assert.equal(response.statusCode, 503);
  assert.equal(response.headers['retry-after'], '2');
});

test('a saturated event loop sheds load with 503 instead of queueing', async (t) => {
  const { service } = await gateway(t, { MAX_EVENT_LOOP_DELAY_MS: '20' });
  // Keep blocking the loop, as a flood of work would, until the gateway notices (it samples every 500 ms).
  let response;
  for (let i = 0; i < 40; i++) {
    const until = Date.now() + 100;
    while (Date.now() < until);
    await sleep(20);
    response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: device, payload: packet(6) });
    if (response.statusCode === 503) break;
  }
  assert.equal(response?.statusCode, 503);
  assert.match(response!.json().reason, /event_loop_delay/);
  const metrics = await service.app.inject('/metrics');
  assert.match(metrics.body, /sensor_gateway_requests_shed_total\{cause="event_loop_delay"/);
});

test('stalls while starting up do not make the gateway shed its first requests once ready', async (t) => {
  const { service } = await gateway(t, { MAX_EVENT_LOOP_DELAY_MS: '50' });
  // As plugin registration and schema compilation can on a busy node: the loop stalls, over more than one
  // 500 ms measuring window, before the gateway is ready.
  for (let i = 0; i < 8; i++) {
    const until = Date.now() + 120;
    while (Date.now() < until);
    await sleep(20);
  }
  const response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: device, payload: packet(30) });
  assert.equal(response.statusCode, 202, response.body);
});

test('serves its OpenAPI description', async (t) => {
  const { service } = await gateway(t);
  const spec = await service.app.inject('/docs/json');
  assert.equal(spec.statusCode, 200);
  assert.ok(spec.json().paths['/v1/packets'].post);
});

test('a 4 MB body of [0,0,…] gets a bounded answer: the first packets rejected one by one, the rest with one rejection', async (t) => {
  const { service } = await gateway(t, { MAX_BODY_BYTES: String(4 * 1024 * 1024) });
  const zeros = Math.floor((4 * 1024 * 1024 - 2) / 2);
  const body = `[${new Array(zeros).fill('0').join(',')}]`;
  assert.ok(body.length <= 4 * 1024 * 1024);
  const response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: { ...device, 'content-type': 'application/json' }, payload: body });
  assert.equal(response.statusCode, 400);
  // Before: two million rejections, a 177 MB answer.
  assert.ok(response.body.length < 64 * 1024, `answer of ${response.body.length} bytes`);
  const { rejected } = response.json() as { rejected: { index: number; reason: string; detail: string }[] };
  assert.equal(rejected.length, 101);
  assert.deepEqual(rejected.at(-1), { index: 100, reason: 'too_many_packets', detail: `${zeros} packets in the request, at most 100; packets from index 100 on were not read, send them again in another request` });
  assert.ok(rejected.slice(0, 100).every((r, i) => r.index === i && r.reason === 'schema'));
});

test('one noisy device is answered 429 before its body is read, and every other device still gets 202', async (t) => {
  const { topic, cleanup } = await createTestTopic(pubsub, 'gateway');
  const twoDevices = new DeviceRegistry([
    { sensorId: 'geo-001', site: 'north-pit', zone: 'wall-3', tokenSha256: hashToken('token-geo-001') },
    { sensorId: 'geo-003', site: 'north-pit', zone: 'wall-5', tokenSha256: hashToken('token-geo-003') },
  ]);
  const config = loadConfig(SensorGatewayEnv, { SENSOR_TOPIC: topic.name.split('/').pop(), DEVICES_JSON: '[]', DEVICE_REQUESTS_PER_SECOND: '0.01', DEVICE_REQUEST_BURST: '3' });
  const service = await buildSensorGateway({ config, logger, pubsub, devices: twoDevices });
  t.after(async () => {
    await service.close();
    await cleanup();
  });
  const post = (token: string, sensorId: string, sequence: number) => service.app.inject({ method: 'POST', url: '/v1/packets', headers: { authorization: `Bearer ${token}` }, payload: packet(sequence, { sensorId }) });
  const noisy = [];
  for (let i = 0; i < 6; i++) noisy.push((await post('token-geo-001', 'geo-001', 100 + i)).statusCode);
  assert.deepEqual(noisy, [202, 202, 202, 429, 429, 429]);
  const refused = await post('token-geo-001', 'geo-001', 200);
  assert.equal(refused.headers['retry-after'], '100');
  assert.match(refused.json().reason, /more than 0.01 requests per second \(burst 3\) from this device/);
  assert.equal((await post('token-geo-003', 'geo-003', 1)).statusCode, 202, 'the quiet device is not shed');
  assert.match(await service.app.inject({ url: '/metrics' }).then((r) => r.body), /sensor_gateway_requests_shed_total\{cause="device_rate"[^}]*\} 4/);
});

test('gateway bodies: any JSON or bytes a device sends is accepted or refused with a 4xx reason; never a 5xx, internals or an unbounded answer', async (t) => {
  const { service } = await gateway(t, { MAX_BODY_BYTES: '100000', DEVICE_REQUEST_BURST: '100000', DEVICE_REQUESTS_PER_SECOND: '100000' });
  const near = fc.record({
    sensorId: fc.oneof(fc.constant('geo-001'), fc.string({ maxLength: 80 })),
    sequence: fc.oneof(fc.nat(), fc.double(), fc.string(), fc.constant(null)),
    startTime: fc.oneof(fc.constant(new Date(Date.now() - 1000).toISOString()), fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
    sampleRateHz: fc.oneof(fc.constantFrom(100, 500), fc.double(), fc.string()),
    samples: fc.record({ x: fc.array(fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.string(), fc.constant(null)), { maxLength: 40 }), y: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 40 }), z: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 40 }) }, { requiredKeys: [] }),
  }, { requiredKeys: [] });
  const body = fc.oneof(
    fc.json({ maxDepth: 4 }),
    near.map((p) => JSON.stringify(p)),
    fc.array(near, { maxLength: 120 }).map((a) => JSON.stringify(a)),
    fc.string({ maxLength: 200 }),
    fc.array(fc.constant(0), { maxLength: 5000 }).map((a) => JSON.stringify(a)),
  );
  // Found by fuzzing (each was a 500): an empty body, and a packet whose sequence is a fraction.
  const empty = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: { ...device, 'content-type': 'application/json' }, payload: '' });
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().error, 'invalid_json');
  const fraction = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: { ...device, 'content-type': 'application/json' }, payload: '[{"sequence":-5e-324}]' });
  assert.equal(fraction.statusCode, 400);
  assert.equal(fraction.json().rejected[0].sequence, undefined);
  await fuzzSurface('gateway body', body, async (payload) => {
    const response = await service.app.inject({ method: 'POST', url: '/v1/packets', headers: { ...device, 'content-type': 'application/json' }, payload });
    assert.ok([202, 400, 413].includes(response.statusCode), `status ${response.statusCode}: ${response.body.slice(0, 300)}`);
    assert.ok(response.body.length < 64 * 1024 + payload.length, 'the answer is bounded by the request');
    assert.doesNotMatch(response.body, /at .*\.(ts|js):\d+|node_modules/);
  }, 400);
});
