import avro from 'avsc';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SENSOR_READINGS_ENCODING, SensorReadingBatch, compileValidator, decodeSensorReadings, encodeSensorReadings, type SensorReading } from './index.js';

const batchValidator = compileValidator(SensorReadingBatch);

function reading(sequence: number, samples: number, value: (i: number) => number): SensorReading {
  const axis = (k: number) => Array.from({ length: samples }, (_, i) => value(i) * k + 0);
  return {
    sensorId: 'geo-001',
    sequence,
    startTime: new Date(Date.UTC(2026, 10, 24, 12, 0, sequence)).toISOString(),
    sampleRateHz: 500,
    samples: { x: axis(1), y: axis(-1), z: axis(1).reverse() },
    site: 'north-pit',
    zone: 'wall-3',
    receivedAt: '2026-11-24T12:00:30.000Z',
  };
}

test('readings at 0.0001 mm/s come back exactly as sent, valid against the batch contract, with their attributes', () => {
  // Values as devices write them: four decimals, the full ±5000 mm/s range, negative zero's neighbours.
  const sent = [reading(7, 500, (i) => Math.round(Math.sin(i / 7) * 4999.9999 * 1e4) / 1e4), reading(8, 3, (i) => [0, 0.0001, -0.0001][i]!)];
  const messages = encodeSensorReadings(sent);
  assert.equal(messages.length, 1);
  assert.deepEqual(messages[0]!.attributes, {
    sensorId: 'geo-001',
    site: 'north-pit',
    zone: 'wall-3',
    encoding: SENSOR_READINGS_ENCODING,
    firstSequence: '7',
    lastSequence: '8',
    packets: '2',
  });
  const decoded = decodeSensorReadings(messages[0]!.data, messages[0]!.attributes);
  assert.ok(batchValidator.check(decoded));
  assert.deepEqual(decoded.readings, sent);
  assert.ok(messages[0]!.data.length < JSON.stringify(sent).length / 2, 'packed samples are less than half the size of JSON');
});

test('finer values are rounded to 0.0001 mm/s', () => {
  const [message] = encodeSensorReadings([reading(1, 2, (i) => [1.23456789, -0.00004][i]!)]);
  const [decoded] = decodeSensorReadings(message!.data, message!.attributes).readings as SensorReading[];
  assert.equal(decoded!.samples.x[0], 1.2346);
  assert.ok(Object.is(decoded!.samples.x[1], -0) || decoded!.samples.x[1] === 0);
});

test('a request larger than the message limit is split in order, no packet in two messages', () => {
  const sent = Array.from({ length: 10 }, (_, i) => reading(100 + i, 1000, (k) => k / 1000));
  const messages = encodeSensorReadings(sent, 30_000);
  assert.ok(messages.length > 1);
  assert.ok(messages.every((m) => m.data.length <= 30_000));
  const sequences = messages.flatMap((m) => (decodeSensorReadings(m.data, m.attributes).readings as SensorReading[]).map((r) => r.sequence));
  assert.deepEqual(sequences, sent.map((r) => r.sequence));
  assert.deepEqual(messages.map((m) => [m.attributes.firstSequence, m.attributes.lastSequence].map(Number)), messages.map((m) => {
    const readings = decodeSensorReadings(m.data, m.attributes).readings as SensorReading[];
    return [readings[0]!.sequence, readings.at(-1)!.sequence];
  }));
});

test('refuses to mix sensors in a message', () => {
  assert.throws(() => encodeSensorReadings([reading(1, 2, () => 0), { ...reading(2, 2, () => 0), sensorId: 'geo-002' }]), /one sensor/);
});

test('messages of the earlier format (one SensorReading as JSON, no encoding attribute) still decode', () => {
  const legacy = reading(3, 4, (i) => i / 10);
  assert.deepEqual(decodeSensorReadings(Buffer.from(JSON.stringify(legacy)), { sensorId: 'geo-001' }), { readings: [legacy] });
});

test('boot ids travel with their packets; avro-batch-v1 messages (before boot ids) still decode', () => {
  const booted = { ...reading(7, 3, (i) => i), bootId: 'boot-2026-11-25T01:00Z' };
  const [message] = encodeSensorReadings([booted, reading(8, 3, (i) => i)]);
  const decoded = decodeSensorReadings(message!.data, message!.attributes).readings as SensorReading[];
  assert.equal(decoded[0]!.bootId, 'boot-2026-11-25T01:00Z');
  assert.equal('bootId' in decoded[1]!, false);
  // The v1 writer schema, written out independently of the source, as an old gateway had it.
  const fields = (spec: string) => spec.split(' ').map((f) => ({ name: f.split(':')[0]!, type: f.split(':')[1]! }));
  const packet = { type: 'record', name: 'WaveformPacket', fields: fields('sequence:long startTime:string sampleRateHz:double x:bytes y:bytes z:bytes') };
  const v1 = avro.Type.forSchema({
    type: 'record',
    name: 'SensorReadingBatch',
    namespace: 'mine.sensor',
    fields: [...fields('sensorId:string site:string zone:string receivedAt:string'), { name: 'packets', type: { type: 'array', items: packet } }],
  } as avro.Schema);
  const counts = Buffer.from(new Int32Array([10_000, 20_000]).buffer);
  const old = v1.toBuffer({ sensorId: 'geo-001', site: 's', zone: 'z', receivedAt: '2026-11-25T01:00:00.000Z', packets: [{ sequence: 4, startTime: '2026-11-25T01:00:00.000Z', sampleRateHz: 100, x: counts, y: counts, z: counts }] });
  const [legacy] = decodeSensorReadings(old, { encoding: 'avro-batch-v1' }).readings as SensorReading[];
  assert.deepEqual({ sequence: legacy!.sequence, x: legacy!.samples.x, boot: 'bootId' in legacy! }, { sequence: 4, x: [1, 2], boot: false });
});

test('unknown encodings, truncated Avro and odd sample bytes are errors, not readings', () => {
  const [message] = encodeSensorReadings([reading(1, 50, (i) => i)]);
  assert.throws(() => decodeSensorReadings(message!.data, { ...message!.attributes, encoding: 'protobuf-v9' }), /unknown sensor-readings encoding/);
  assert.throws(() => decodeSensorReadings(message!.data.subarray(0, 100), message!.attributes));
  assert.throws(() => decodeSensorReadings(Buffer.from('{'), {}), SyntaxError);
});
