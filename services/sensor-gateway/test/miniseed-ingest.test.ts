import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SENSOR_MSEED_ENCODING, SensorReadingBatch, compileValidator, decodeSensorReadings, type SensorReading } from '@mine/contracts';
import { Encoding, decodeRecords, encodeRecords } from '@mine/miniseed';
import { createLogger, createPubSub, loadConfig } from '@mine/platform';
import { SensorStream, blastSource, mineInventory, mineLayout, packetToMiniseed } from '@mine/simulator';
import { StationInventory } from '@mine/station-inventory';
import { createTestTopic, pullMessages } from '@mine/testkit';
import { buildSensorGateway } from '../src/app.js';
import { SensorGatewayEnv } from '../src/config.js';
import { DeviceRegistry, hashToken } from '../src/devices.js';

const pubsub = createPubSub('mine-local');
const logger = createLogger({ service: 'sensor-gateway-test', level: 'silent' });
const batchValidator = compileValidator(SensorReadingBatch);
const sensors = mineLayout(3);
const [geo1, geo2, geo3] = sensors as [(typeof sensors)[0], (typeof sensors)[0], (typeof sensors)[0]];
const devices = new DeviceRegistry(sensors.map((s) => ({ sensorId: s.sensorId, site: s.site, zone: s.zone, tokenSha256: hashToken(s.token) })));

// geo-002 is a broadband-style digitizer: HHZ/HHN/HHE at 500 Hz and its own gain (2500 counts per mm/s).
const document = mineInventory(sensors);
const g2 = document.networks[0]!.stations[1]!;
g2.channels = g2.channels.map((c) => ({ ...c, code: `HH${c.code.charAt(2)}`, gain: 2.5e6 }));
const inventory = new StationInventory(document);

async function gateway(t: import('node:test').TestContext, withInventory = true) {
  const { topic, subscription, cleanup } = await createTestTopic(pubsub, 'gateway-mseed');
  const config = loadConfig(SensorGatewayEnv, { SENSOR_TOPIC: topic.name.split('/').pop(), DEVICES_JSON: '[]' });
  const service = await buildSensorGateway({ config, logger, pubsub, devices, ...(withInventory ? { inventory } : {}) });
  t.after(async () => {
    await service.close();
    await cleanup();
  });
  return { service, subscription };
}

const post = (service: Awaited<ReturnType<typeof gateway>>['service'], sensor: (typeof sensors)[0], payload: Buffer) =>
  service.app.inject({ method: 'POST', url: '/v1/packets', headers: { authorization: `Bearer ${sensor.token}`, 'content-type': 'application/vnd.fdsn.mseed' }, payload });
const readingsOf = (message: { data: Buffer; attributes: Record<string, string> }) => {
  const decoded = decodeSensorReadings(message.data, message.attributes);
  assert.ok(batchValidator.check(decoded), 'the published message decodes to the SensorReadingBatch contract');
  return decoded.readings as SensorReading[];
};
// The simulator's rounding can produce -0; counts have no sign of zero.
const positiveZero = (s: { x: number[]; y: number[]; z: number[] }) => ({ x: s.x.map((v) => v + 0), y: s.y.map((v) => v + 0), z: s.z.map((v) => v + 0) });
const nowPacket = (sensor: (typeof sensors)[0], secondsAgo = 2, blast = false) => {
  const stream = new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: 3 });
  const startS = Math.floor(Date.now() / 1000) - secondsAgo;
  if (blast) stream.add(blastSource(startS + 0.2, 40, 15));
  return stream.packet(startS);
};

test('SEED 2.4 and miniSEED 3 bodies are published, after Pub/Sub stored them, as the same samples in mm/s', async (t) => {
  const { service, subscription } = await gateway(t);
  const sent = ([2, 3] as const).map((format) => ({ format, packet: nowPacket(geo1, format, true) }));
  for (const { format, packet } of sent) {
    const response = await post(service, geo1, packetToMiniseed(packet, geo1, { format }));
    assert.equal(response.statusCode, 202, response.body);
    assert.deepEqual(response.json(), { accepted: 1, rejected: [] });
  }
  // Matched by start time: a redelivery on a busy emulator must not pass for the other message.
  const messages = await pullMessages(subscription, { atLeast: 2 });
  for (const { format, packet } of sent) {
    const message = messages.find((m) => readingsOf(m)[0]!.startTime === packet.startTime);
    assert.ok(message, `format ${format}: its packet was published`);
    assert.equal(message.attributes.encoding, SENSOR_MSEED_ENCODING);
    assert.equal(message.attributes.sensorId, geo1.sensorId);
    const [reading] = readingsOf(message);
    assert.deepEqual(reading!.samples, positiveZero(packet.samples), `format ${format}: every sample equal`);
    assert.equal(reading!.sequence, Date.parse(packet.startTime) / 1000, 'the sequence is the start time in packet lengths (1 s here)');
    assert.equal(reading!.bootId, 'mseed:500hz:500');
    assert.equal(reading!.site, geo1.site);
    assert.equal(reading!.zone, geo1.zone);
  }
});

test('HHZ/HHN/HHE channels map to the axes, counts become mm/s with the inventory’s gain, split records join up', async (t) => {
  const { service, subscription } = await gateway(t);
  const startTimeUs = (Math.floor(Date.now() / 1000) - 3) * 1e6;
  const counts = { z: Int32Array.from({ length: 1000 }, (_, i) => 1000 + i), y: Int32Array.from({ length: 1000 }, (_, i) => -i * 3), x: Int32Array.from({ length: 1000 }, (_, i) => (i % 7) * 2500) };
  // 512-byte records: each channel's second is split over records with different boundaries.
  const body = Buffer.concat((['x', 'z', 'y'] as const).flatMap((axis) => encodeRecords({ network: 'MN', station: geo2.stationCode, location: '00', channel: `HH${{ x: 'E', y: 'N', z: 'Z' }[axis]}`, startTimeUs, sampleRateHz: 500, samples: counts[axis] }, { format: 2, encoding: Encoding.STEIM1, recordLength: 512 })));
  const response = await post(service, geo2, body);
  assert.equal(response.statusCode, 202, response.body);
  assert.equal(response.json().accepted, 1);
  const [message] = await pullMessages(subscription, { atLeast: 1 });
  const [reading] = readingsOf(message!);
  assert.deepEqual(reading!.samples.z, Array.from(counts.z, (c) => c / 2500));
  assert.deepEqual(reading!.samples.y, Array.from(counts.y, (c) => Math.round((c / 2500) * 1e4) / 1e4 + 0));
  assert.deepEqual(reading!.samples.x, Array.from(counts.x, (c) => c / 2500));
});

test('bad records are refused one by one with their reasons; the good ones beside them are published', async (t) => {
  const { service, subscription } = await gateway(t);
  const packet = nowPacket(geo1);
  const good = packetToMiniseed(packet, geo1, { format: 3 });
  const startTimeUs = Date.parse(packet.startTime) * 1000;
  const one = (overrides: { station?: string; channel?: string; startTimeUs?: number; format?: 2 | 3 } = {}) =>
    Buffer.from(encodeRecords({ network: 'MN', station: overrides.station ?? geo1.stationCode, location: '00', channel: overrides.channel ?? 'DPZ', startTimeUs: overrides.startTimeUs ?? startTimeUs - 10e6, sampleRateHz: 500, samples: Int32Array.from({ length: 100 }, (_, i) => i) }, { format: overrides.format ?? 2, encoding: Encoding.STEIM2, recordLength: 512 })[0]!);
  const badCrc = one({ format: 3 });
  badCrc[badCrc.length - 2]! ^= 0xff;
  const badDay = one();
  badDay.writeUInt16BE(400, 22);
  const badLength = one();
  badLength[54] = 14; // blockette 1000 says 16384 bytes: unknowable, so it also ends the body (sent last)
  const body = Buffer.concat([
    good,
    badCrc,
    one({ station: 'ZZZZ' }),
    badDay,
    one({ station: geo3.stationCode }),
    one({ startTimeUs: Date.now() * 1000 + 3600e6 }),
    one({ startTimeUs: Date.parse('2025-12-30T00:00:00Z') * 1000 }),
    one({ channel: 'DPE' }),
    good.subarray(0, decodeRecords(good).records[0]!.length),
    badLength,
  ]);
  const goodRecords = decodeRecords(good).records.length;
  const response = await post(service, geo1, body);
  assert.equal(response.statusCode, 202, response.body);
  const result = response.json() as { accepted: number; rejected: { index: number; reason: string; detail: string; sourceId?: string }[] };
  assert.equal(result.accepted, 1);
  assert.deepEqual(
    result.rejected.map((r) => [r.index, r.reason]),
    ['crc', 'unknown_station', 'time', 'sensor_mismatch', 'clock_skew', 'not_installed', 'unaligned_channels', 'duplicate', 'record_length'].map((reason, i) => [goodRecords + i, reason]),
  );
  for (const r of result.rejected) assert.ok(r.detail.length > 10, `${r.reason} explains itself`);
  assert.equal(result.rejected[1]!.sourceId, 'FDSN:MN_ZZZZ_00_D_P_Z');
  const [message] = await pullMessages(subscription, { atLeast: 1 });
  const readings = readingsOf(message!);
  assert.equal(readings.length, 1);
  assert.deepEqual(readings[0]!.samples, positiveZero(packet.samples));
});

test('a resent body carries the same stream and start time, so it dedupes downstream; nothing acceptable is 400; no inventory is 415', async (t) => {
  const { service, subscription } = await gateway(t);
  const body = packetToMiniseed(nowPacket(geo1), geo1);
  assert.equal((await post(service, geo1, body)).statusCode, 202);
  assert.equal((await post(service, geo1, body)).statusCode, 202);
  const messages = await pullMessages(subscription, { atLeast: 2 });
  assert.ok(messages.length >= 2);
  assert.equal(new Set(messages.map((m) => readingsOf(m)[0]!.sequence)).size, 1, 'both carry the same dedupe key');
  const refused = await post(service, geo1, Buffer.from('not miniSEED at all, sorry'));
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json().rejected[0].reason, 'not_a_record');
  const other = await gateway(t, false);
  assert.equal((await post(other.service, geo1, body)).statusCode, 415);
});
