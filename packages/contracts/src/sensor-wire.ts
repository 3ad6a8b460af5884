import { endianness } from 'node:os';
import avro from 'avsc';
import { Type, type Static } from '@sinclair/typebox';
import { SensorReading, type SensorReadingAttributes } from './sensor.js';
import { SENSOR_MSEED_ENCODING, decodeMseedReadings } from './sensor-mseed.js';
import { checkAvroMessage } from './avro-bounds.js';

/**
 * The `sensor-readings` wire format. Devices post JSON; the gateway publishes
 * one Avro message per request (a device's packets, split only to stay under
 * the message size limit), with samples as packed integers. That costs a
 * third of re-serialised JSON to publish, halves the bytes Pub/Sub bills and
 * stores, and decodes several times faster in the subscribers.
 */
export const SENSOR_READINGS_ENCODING = 'avro-batch-v2';
/** The format before packets carried a boot id; still read during a rollout. */
const SENSOR_READINGS_ENCODING_V1 = 'avro-batch-v1';

/** Samples travel as int32 counts of 0.1 µm/s, far below any geophone's noise floor; ±5000 mm/s fits easily. */
export const COUNTS_PER_MM_S = 10_000;

/** Messages stay well under Pub/Sub's 10 MB request limit (and the emulator's 4 MiB). */
export const MAX_SENSOR_MESSAGE_BYTES = 1024 * 1024;

if (endianness() !== 'LE') throw new Error('sensor-readings samples are little-endian; this platform is not');

export const sensorReadingBatchAvro = avro.Type.forSchema({
  type: 'record',
  name: 'SensorReadingBatch',
  namespace: 'mine.sensor',
  doc: 'Consecutive waveform packets of one sensor, as sensor-gateway accepted them in one request.',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'site', type: 'string' },
    { name: 'zone', type: 'string' },
    { name: 'receivedAt', type: 'string', doc: 'ISO 8601, when the gateway accepted the packets' },
    {
      name: 'packets',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'WaveformPacket',
          fields: [
            { name: 'sequence', type: 'long' },
            { name: 'bootId', type: ['null', 'string'], default: null, doc: 'device boot the sequence counts from' },
            { name: 'startTime', type: 'string', doc: 'ISO 8601, time of the first sample' },
            { name: 'sampleRateHz', type: 'double' },
            { name: 'x', type: 'bytes', doc: 'little-endian int32 counts of 0.0001 mm/s' },
            { name: 'y', type: 'bytes', doc: 'little-endian int32 counts of 0.0001 mm/s' },
            { name: 'z', type: 'bytes', doc: 'little-endian int32 counts of 0.0001 mm/s' },
          ],
        },
      },
    },
  ],
});

/** avro-batch-v1: the same record without `bootId`, decoded through a resolver. */
const sensorReadingBatchAvroV1 = avro.Type.forSchema(
  JSON.parse(
    JSON.stringify(sensorReadingBatchAvro.schema(), (key, value: unknown) =>
      key === 'fields' && Array.isArray(value) ? value.filter((field: { name?: string }) => field.name !== 'bootId') : value,
    ),
  ) as avro.Schema,
);
const fromV1 = sensorReadingBatchAvro.createResolver(sensorReadingBatchAvroV1);

interface WirePacket {
  sequence: number;
  bootId: string | null;
  startTime: string;
  sampleRateHz: number;
  x: Buffer;
  y: Buffer;
  z: Buffer;
}

/** What a subscriber of `sensor-readings` validates after decoding a message. */
export const SensorReadingBatch = Type.Object(
  { readings: Type.Array(SensorReading, { minItems: 1 }) },
  { additionalProperties: false, $id: 'SensorReadingBatch' },
);
export type SensorReadingBatch = Static<typeof SensorReadingBatch>;

export interface SensorReadingMessage {
  data: Buffer;
  attributes: SensorReadingAttributes;
}

const packetBytes = (reading: SensorReading) => 64 + 12 * reading.samples.x.length;

/**
 * Encodes one sensor's readings (all from one request) into as few messages
 * as the size limit allows, in order. Values are rounded to 0.0001 mm/s.
 */
export function encodeSensorReadings(readings: SensorReading[], maxMessageBytes = MAX_SENSOR_MESSAGE_BYTES): SensorReadingMessage[] {
  const first = readings[0];
  if (!first) return [];
  const messages: SensorReadingMessage[] = [];
  let group: SensorReading[] = [];
  let groupBytes = 0;
  const flush = () => {
    if (group.length > 0) messages.push(encodeGroup(group));
    group = [];
    groupBytes = 0;
  };
  for (const reading of readings) {
    if (reading.sensorId !== first.sensorId || reading.site !== first.site || reading.zone !== first.zone || reading.receivedAt !== first.receivedAt) {
      throw new Error('a sensor-readings message carries one sensor’s packets from one request');
    }
    const bytes = packetBytes(reading);
    if (groupBytes + bytes > maxMessageBytes) flush();
    group.push(reading);
    groupBytes += bytes;
  }
  flush();
  return messages;
}

function encodeGroup(readings: SensorReading[]): SensorReadingMessage {
  const { sensorId, site, zone, receivedAt } = readings[0]!;
  const packets: WirePacket[] = readings.map((r) => ({
    sequence: r.sequence,
    bootId: r.bootId ?? null,
    startTime: r.startTime,
    sampleRateHz: r.sampleRateHz,
    x: toCounts(r.samples.x),
    y: toCounts(r.samples.y),
    z: toCounts(r.samples.z),
  }));
  return {
    data: sensorReadingBatchAvro.toBuffer({ sensorId, site, zone, receivedAt, packets }),
    attributes: {
      sensorId,
      site,
      zone,
      encoding: SENSOR_READINGS_ENCODING,
      firstSequence: String(readings[0]!.sequence),
      lastSequence: String(readings[readings.length - 1]!.sequence),
      packets: String(readings.length),
    },
  };
}

/**
 * Decodes a `sensor-readings` message into readings (to be validated against
 * SensorReadingBatch). Messages without the encoding attribute are the
 * earlier format, one SensorReading as JSON, still read during a rollout.
 * Throws on bytes that are not a message of the named encoding, and on
 * lengths or counts the bytes cannot hold (before allocating for them).
 */
export function decodeSensorReadings(data: Buffer, attributes: Record<string, string | undefined>): { readings: unknown[] } {
  const encoding = attributes.encoding;
  if (encoding === undefined) return { readings: [JSON.parse(data.toString('utf8')) as unknown] };
  if (encoding === SENSOR_MSEED_ENCODING) return decodeMseedReadings(data);
  if (encoding !== SENSOR_READINGS_ENCODING && encoding !== SENSOR_READINGS_ENCODING_V1) throw new Error(`unknown sensor-readings encoding ${JSON.stringify(encoding)}`);
  const v1 = encoding === SENSOR_READINGS_ENCODING_V1;
  // Bounded: counts the bytes cannot hold are refused (against the writer's schema) before avsc allocates for them.
  checkAvroMessage(v1 ? sensorReadingBatchAvroV1 : sensorReadingBatchAvro, data);
  const batch = (v1 ? sensorReadingBatchAvro.fromBuffer(data, fromV1) : sensorReadingBatchAvro.fromBuffer(data)) as { sensorId: string; site: string; zone: string; receivedAt: string; packets: WirePacket[] };
  return {
    readings: batch.packets.map((p) => ({
      sensorId: batch.sensorId,
      sequence: p.sequence,
      ...(p.bootId !== null ? { bootId: p.bootId } : {}),
      startTime: p.startTime,
      sampleRateHz: p.sampleRateHz,
      samples: { x: fromCounts(p.x), y: fromCounts(p.y), z: fromCounts(p.z) },
      site: batch.site,
      zone: batch.zone,
      receivedAt: batch.receivedAt,
    })),
  };
}

function toCounts(values: readonly number[]): Buffer {
  const counts = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) counts[i] = Math.round(values[i]! * COUNTS_PER_MM_S);
  return Buffer.from(counts.buffer);
}

function fromCounts(bytes: Buffer): number[] {
  if (bytes.length % 4 !== 0) throw new Error(`sample bytes of length ${bytes.length} are not int32 counts`);
  // Copied into an aligned buffer: the slice Avro hands back may start at any offset.
  const counts = new Int32Array(bytes.length / 4);
  new Uint8Array(counts.buffer).set(bytes);
  const values = new Array<number>(counts.length);
  for (let i = 0; i < counts.length; i++) values[i] = counts[i]! / COUNTS_PER_MM_S;
  return values;
}
