import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { fc, fuzzSurface } from '@mine/testkit';
import { AvroBoundsError, checkAvroBounds, decodeAvroBounded, decodeSensorReadings, encodeSensorReadings, SENSOR_READINGS_ENCODING } from './index.js';

const attributes = { encoding: SENSOR_READINGS_ENCODING };

/** Zig-zag varint, as Avro writes a long. */
function varint(value: bigint): number[] {
  let n = value >= 0n ? value * 2n : -value * 2n - 1n;
  const out: number[] = [];
  do {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n ? byte | 0x80 : byte);
  } while (n);
  return out;
}

test('an 8-byte sensor-readings message claiming 2^40 packets is refused before anything is allocated for them', () => {
  // four empty strings (sensorId, site, zone, receivedAt), then an array block count of 2^40
  const message = Buffer.from([0, 0, 0, 0, ...varint(2n ** 40n)]);
  assert.ok(message.length <= 10);
  const before = process.memoryUsage().heapUsed;
  assert.throws(() => decodeSensorReadings(message, attributes), (error: unknown) => error instanceof AvroBoundsError && /claims 1099511627776 items/.test(error.message));
  // Unbounded, avsc would have allocated an array of 2^40 slots (a RangeError) or looped until out of memory.
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
});

test('a bytes length larger than the message, a negative length and a number past 2^53 are refused with their kind', () => {
  const type = avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'b', type: 'bytes' }] });
  assert.throws(() => checkAvroBounds(type, Buffer.from([...varint(1000n), 1, 2])), (e: unknown) => e instanceof AvroBoundsError && e.kind === 'truncated');
  assert.throws(() => checkAvroBounds(type, Buffer.from(varint(-5n))), (e: unknown) => e instanceof AvroBoundsError && e.kind === 'corrupt');
  assert.throws(() => checkAvroBounds(type, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])), (e: unknown) => e instanceof AvroBoundsError && e.kind === 'corrupt');
});

test('collections of zero-byte items (null, an empty record) are capped, map entries need their key bytes', () => {
  const nulls = avro.Type.forSchema({ type: 'array', items: 'null' });
  assert.deepEqual(decodeAvroBounded(nulls, Buffer.from([...varint(3n), 0])), [null, null, null]);
  assert.throws(() => decodeAvroBounded(nulls, Buffer.from([...varint(2n ** 50n), 0])), /more than 100000 empty items/);
  const map = avro.Type.forSchema({ type: 'map', values: 'null' });
  assert.throws(() => decodeAvroBounded(map, Buffer.from([...varint(1000n), 0])), /claims 1000 items/);
  assert.deepEqual(decodeAvroBounded(map, map.toBuffer({ a: null, b: null })), { a: null, b: null });
});

test('every value avsc writes passes the bounds check and decodes the same (generated values)', async () => {
  const type = avro.Type.forSchema({
    type: 'record',
    name: 'Everything',
    fields: [
      { name: 'n', type: 'null' }, { name: 'b', type: 'boolean' }, { name: 'i', type: 'int' }, { name: 'l', type: 'long' },
      { name: 'f', type: 'float' }, { name: 'd', type: 'double' }, { name: 's', type: 'string' }, { name: 'y', type: 'bytes' },
      { name: 'x', type: { type: 'fixed', name: 'F', size: 3 } }, { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } },
      { name: 'a', type: { type: 'array', items: ['null', 'long'] } }, { name: 'm', type: { type: 'map', values: 'string' } },
    ],
  });
  await fuzzSurface('avro-bounds roundtrip', fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
    const value = type.random() as unknown;
    void seed;
    const buf = type.toBuffer(value);
    assert.equal(checkAvroBounds(type, buf), buf.length);
    assert.deepEqual(type.toBuffer(decodeAvroBounded(type, buf)), buf);
  }, 300);
});

const validMessage = encodeSensorReadings([
  { sensorId: 'geo-001', sequence: 1, startTime: '2026-11-24T12:00:00.000Z', sampleRateHz: 500, samples: { x: [1, 2], y: [3, 4], z: [5, 6] }, site: 's', zone: 'z', receivedAt: '2026-11-24T12:00:01.000Z' },
  { sensorId: 'geo-001', sequence: 2, startTime: '2026-11-24T12:00:01.000Z', sampleRateHz: 500, samples: { x: [1], y: [3], z: [5] }, site: 's', zone: 'z', receivedAt: '2026-11-24T12:00:01.000Z' },
])[0]!.data;

/** Random bytes, and valid messages with bytes flipped, inserted, cut or a count overwritten. */
const hostileMessages = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.nat(validMessage.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => Buffer.from(validMessage).fill(byte, at, at + 1)),
  fc.tuple(fc.nat(validMessage.length), fc.uint8Array({ minLength: 1, maxLength: 10 })).map(([at, bytes]) => Buffer.concat([validMessage.subarray(0, at), bytes, validMessage.subarray(at)])),
  fc.nat(validMessage.length).map((at) => validMessage.subarray(0, at)),
  fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map((count) => Buffer.from([0, 0, 0, 0, ...varint(count), 1, 2, 3])),
);

test('sensor-readings messages: any bytes decode into readings the message could hold, or are refused with an error; never a crash or an allocation past their size', async () => {
  await fuzzSurface('sensor-readings message', hostileMessages, (data) => {
    let readings: unknown[];
    try {
      readings = decodeSensorReadings(data, attributes).readings;
    } catch (error) {
      assert.ok(error instanceof Error, 'refused with an Error');
      assert.ok(!(error instanceof RangeError), `no allocation failure: ${(error as Error).message}`);
      return;
    }
    // Each packet costs at least 12 encoded bytes: what came out fits in what came in.
    assert.ok(readings.length * 12 <= data.length, `${readings.length} readings from ${data.length} bytes`);
  }, 3000);
});
