import avro from 'avsc';
import { decodeRecords, type MseedRecord, type Samples } from '@mine/miniseed';
import { checkAvroMessage } from './avro-bounds.js';
import { SENSOR_LIMITS } from './sensor.js';
import type { SensorReadingMessage } from './sensor-wire.js';
import { canonicalTimestamp } from './timestamp.js';

/**
 * `sensor-readings` messages of devices that post miniSEED: the records as the
 * digitizer wrote them (Steim-compressed, a few bytes per sample, so the
 * gateway publishes a third to a tenth of the bytes of the packed-int32
 * format), with what the gateway took from the station inventory: which axis
 * each stream is and its gain. Subscribers decode them into the same
 * triaxial readings as the other formats (`decodeSensorReadings`).
 */
export const SENSOR_MSEED_ENCODING = 'mseed-batch-v1';

export type PlatformAxis = 'x' | 'y' | 'z';

/** What the inventory says about one stream: the platform axis it is, and counts per mm/s. */
export interface StreamCalibration {
  sourceId: string;
  axis: PlatformAxis;
  countsPerMmS: number;
}

export const mseedReadingBatchAvro = avro.Type.forSchema({
  type: 'record',
  name: 'MseedReadingBatch',
  namespace: 'mine.sensor',
  doc: 'Consecutive triaxial packets of one sensor as miniSEED records, from one request to sensor-gateway.',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'site', type: 'string' },
    { name: 'zone', type: 'string' },
    { name: 'receivedAt', type: 'string' },
    {
      name: 'streams',
      type: { type: 'array', items: { type: 'record', name: 'StreamCalibration', fields: [{ name: 'sourceId', type: 'string' }, { name: 'axis', type: 'string' }, { name: 'countsPerMmS', type: 'double' }] } },
    },
    { name: 'records', type: 'bytes', doc: 'concatenated miniSEED records (SEED 2.4 or miniSEED 3), each packet’s three channels' },
  ],
});

/** A triaxial packet assembled from the records of three channels covering the same samples. */
export interface AssembledPacket {
  startTimeUs: number;
  sampleRateHz: number;
  /** records of the three channels, in request order */
  records: MseedRecord[];
  counts: Record<PlatformAxis, Samples[]>;
  length: number;
}

export interface UnassembledRecord {
  record: MseedRecord;
  detail: string;
}

/**
 * Groups one sensor's records into triaxial packets: each channel's records
 * are joined where one starts as the previous ends (within half a sample);
 * three joined runs, one per axis, starting at the same sample with the same
 * rate and length make a packet. Records that make no packet are returned with
 * the reason. Deterministic, so the gateway and the subscribers assemble the
 * same packets from the same records.
 */
export function assembleTriaxial(records: MseedRecord[], calibration: (record: MseedRecord) => StreamCalibration | undefined): { packets: AssembledPacket[]; unassembled: UnassembledRecord[] } {
  interface Run {
    axis: PlatformAxis;
    startTimeUs: number;
    sampleRateHz: number;
    length: number;
    records: MseedRecord[];
  }
  const runs: Run[] = [];
  const unassembled: UnassembledRecord[] = [];
  const byAxis = new Map<PlatformAxis, MseedRecord[]>();
  for (const record of records) {
    const c = calibration(record);
    if (!c) {
      unassembled.push({ record, detail: `no calibration for ${record.sourceId}` });
      continue;
    }
    const list = byAxis.get(c.axis);
    if (list) list.push(record);
    else byAxis.set(c.axis, [record]);
  }
  for (const [axis, list] of byAxis) {
    const sorted = [...list].sort((a, b) => a.startTimeUs - b.startTimeUs);
    let run: Run | undefined;
    for (const record of sorted) {
      const halfSampleUs = 5e5 / record.sampleRateHz;
      const expected = run ? run.startTimeUs + (run.length * 1e6) / run.sampleRateHz : Number.NaN;
      if (run && run.sampleRateHz === record.sampleRateHz && Math.abs(record.startTimeUs - expected) < halfSampleUs) {
        run.records.push(record);
        run.length += record.samples.length;
      } else {
        run = { axis, startTimeUs: record.startTimeUs, sampleRateHz: record.sampleRateHz, length: record.samples.length, records: [record] };
        runs.push(run);
      }
    }
  }
  const packets: AssembledPacket[] = [];
  const used = new Set<Run>();
  for (const z of runs.filter((r) => r.axis === 'z')) {
    const partner = (axis: PlatformAxis) =>
      runs.find((r) => r.axis === axis && !used.has(r) && r.sampleRateHz === z.sampleRateHz && r.length === z.length && Math.abs(r.startTimeUs - z.startTimeUs) < 5e5 / z.sampleRateHz);
    const x = partner('x');
    const y = partner('y');
    if (!x || !y) continue;
    for (const r of [x, y, z]) used.add(r);
    packets.push({
      startTimeUs: z.startTimeUs,
      sampleRateHz: z.sampleRateHz,
      records: [...x.records, ...y.records, ...z.records].sort((a, b) => a.offset - b.offset),
      counts: { x: x.records.map((r) => r.samples), y: y.records.map((r) => r.samples), z: z.records.map((r) => r.samples) },
      length: z.length,
    });
  }
  for (const run of runs) {
    if (used.has(run)) continue;
    const span = `${new Date(run.startTimeUs / 1000).toISOString()} + ${run.length} samples at ${run.sampleRateHz} Hz`;
    for (const record of run.records) unassembled.push({ record, detail: `axis ${run.axis} has ${span}; the other two axes have no samples covering exactly that span in this request` });
  }
  return { packets: packets.sort((a, b) => a.startTimeUs - b.startTimeUs), unassembled };
}

/**
 * The platform packets of an assembled one (a run longer than 8192 samples is cut into equal
 * parts) and their keys. A packet's sequence is its start time in units of its own length
 * (start × rate ÷ length), so a digitizer's consecutive packets count up by one as a JSON
 * device's do (the alarm rules see no gaps), and the key (sensor id, sequence) names the stream
 * and start time: a resent packet dedupes downstream. The boot id names the packet length and
 * rate the count is in; a digitizer that changes them starts a new count.
 */
export function packetKeys(p: Pick<AssembledPacket, 'startTimeUs' | 'sampleRateHz' | 'length'>): { offset: number; length: number; startTimeUs: number; sequence: number; bootId: string }[] {
  const parts = Math.ceil(p.length / SENSOR_LIMITS.maxSamplesPerAxis);
  const size = Math.ceil(p.length / parts);
  const keys = [];
  for (let offset = 0; offset < p.length; offset += size) {
    const length = Math.min(size, p.length - offset);
    const startTimeUs = p.startTimeUs + Math.round((offset * 1e6) / p.sampleRateHz);
    keys.push({ offset, length, startTimeUs, sequence: Math.round((startTimeUs * p.sampleRateHz) / 1e6 / length), bootId: `mseed:${p.sampleRateHz}hz:${length}` });
  }
  return keys;
}

/** The platform's start time: canonical RFC 3339 with microseconds when they are not zero. */
export function isoFromMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return canonicalTimestamp(`${new Date(ms).toISOString().slice(0, -1)}${String(Math.round(us - ms * 1000)).padStart(3, '0')}Z`);
}

export interface MseedBatch {
  sensorId: string;
  site: string;
  zone: string;
  receivedAt: string;
  streams: StreamCalibration[];
}

/** One sensor's accepted packets as messages of whole packets, each under the size limit. */
export function encodeMseedReadings(batch: MseedBatch, packets: AssembledPacket[], body: Uint8Array, maxMessageBytes: number): SensorReadingMessage[] {
  const messages: SensorReadingMessage[] = [];
  let group: AssembledPacket[] = [];
  let bytes = 0;
  const flush = () => {
    if (group.length === 0) return;
    const records = Buffer.concat(group.flatMap((p) => p.records.map((r) => body.subarray(r.offset, r.offset + r.length))));
    const sources = new Set(group.flatMap((p) => p.records.map((r) => r.sourceId)));
    messages.push({
      data: mseedReadingBatchAvro.toBuffer({ ...batch, streams: batch.streams.filter((s) => sources.has(s.sourceId)), records }),
      attributes: {
        sensorId: batch.sensorId,
        site: batch.site,
        zone: batch.zone,
        encoding: SENSOR_MSEED_ENCODING,
        firstSequence: String(packetKeys(group[0]!)[0]!.sequence),
        lastSequence: String(packetKeys(group[group.length - 1]!).at(-1)!.sequence),
        packets: String(group.reduce((n, p) => n + packetKeys(p).length, 0)),
      },
    });
    group = [];
    bytes = 0;
  };
  for (const packet of packets) {
    const size = packet.records.reduce((n, r) => n + r.length, 0);
    if (bytes + size > maxMessageBytes) flush();
    group.push(packet);
    bytes += size;
  }
  flush();
  return messages;
}

/** Decodes a `mseed-batch-v1` message into readings (mm/s per axis), as the gateway assembled them. */
export function decodeMseedReadings(data: Buffer): { readings: unknown[] } {
  // Bounded like the other formats: lengths the bytes cannot hold are refused before avsc allocates.
  checkAvroMessage(mseedReadingBatchAvro, data);
  const batch = mseedReadingBatchAvro.fromBuffer(data) as MseedBatch & { records: Buffer };
  const streams = new Map(batch.streams.map((s) => [s.sourceId, s]));
  const { records, errors } = decodeRecords(batch.records, { maxRecordBytes: 65536 });
  if (errors.length > 0) throw new Error(`miniSEED records in the message do not decode: ${errors[0]!.detail}`);
  const { packets } = assembleTriaxial(records, (r) => streams.get(r.sourceId));
  const readings: unknown[] = [];
  for (const p of packets) {
    const gain = (axis: PlatformAxis) => streams.get(p.records.find((r) => streams.get(r.sourceId)?.axis === axis)!.sourceId)!.countsPerMmS;
    const x = toMmS(p.counts.x, gain('x'));
    const y = toMmS(p.counts.y, gain('y'));
    const z = toMmS(p.counts.z, gain('z'));
    for (const key of packetKeys(p)) {
      const k = key.offset;
      const end = k + key.length;
      readings.push({
        sensorId: batch.sensorId,
        sequence: key.sequence,
        bootId: key.bootId,
        startTime: isoFromMicros(key.startTimeUs),
        sampleRateHz: p.sampleRateHz,
        samples: { x: x.slice(k, end), y: y.slice(k, end), z: z.slice(k, end) },
        site: batch.site,
        zone: batch.zone,
        receivedAt: batch.receivedAt,
      });
    }
  }
  return { readings };
}

/** Counts to mm/s, rounded to the platform's resolution (0.0001 mm/s) like every other path. */
export function toMmS(parts: Samples[], countsPerMmS: number): number[] {
  const out: number[] = [];
  for (const part of parts) for (let i = 0; i < part.length; i++) out.push(Math.round((part[i]! / countsPerMmS) * 1e4) / 1e4);
  return out;
}

/** Largest |mm/s| of counts, to refuse what no geophone records (the JSON contract's bound). */
export function exceedsVelocityLimit(parts: Samples[], countsPerMmS: number): boolean {
  const limit = SENSOR_LIMITS.maxAbsVelocityMmS * countsPerMmS;
  for (const part of parts) for (let i = 0; i < part.length; i++) if (Math.abs(part[i]!) > limit) return true;
  return false;
}
