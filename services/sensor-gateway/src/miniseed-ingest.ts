import { MAX_SENSOR_MESSAGE_BYTES, SENSOR_LIMITS, assembleTriaxial, encodeMseedReadings, exceedsVelocityLimit, packetKeys, type SensorReadingMessage, type StreamCalibration } from '@mine/contracts';
import { decodeRecords, type MseedRecord } from '@mine/miniseed';
import type { StationInventory } from '@mine/station-inventory';
import type { Device } from './devices.js';

export const MSEED_CONTENT_TYPE = 'application/vnd.fdsn.mseed';

export type MseedRejectionReason =
  | ReturnType<typeof decodeRecords>['errors'][number]['reason']
  | 'unknown_station'
  | 'not_installed'
  | 'sensor_mismatch'
  | 'sample_rate_mismatch'
  | 'no_samples'
  | 'out_of_range'
  | 'clock_skew'
  | 'too_old'
  | 'duplicate'
  | 'epoch_boundary'
  | 'unaligned_channels';

export interface MseedRejection {
  /** the record's position among the body's records, from 0 */
  index: number;
  /** its byte offset in the body */
  offset: number;
  sourceId?: string;
  startTime?: string;
  reason: MseedRejectionReason;
  detail: string;
}

export interface MseedLimits {
  clockSkewMs: number;
  maxAgeMs: number;
}

export interface PreparedMseed {
  messages: SensorReadingMessage[];
  packets: number;
  samples: number;
  rejected: MseedRejection[];
}

/**
 * Checks a device's miniSEED body record by record: it must decode (lengths,
 * CRC, times, encodings), name a stream the station inventory lists for this
 * device at that time with the inventory's sample rate, be within the clock
 * window, and not repeat a stream and start time of the same request. The
 * records that pass are assembled into triaxial packets (the three channels
 * of a station covering the same samples) and published as they came, with
 * the axis and gain of each stream. Every refused record is listed with its reason.
 */
export function prepareMiniseed(body: Buffer, device: Device, inventory: StationInventory, nowMs: number, limits: MseedLimits, receivedAt: string): PreparedMseed {
  const { records, errors } = decodeRecords(body);
  const offsets = new Map([...records.map((r) => r.offset), ...errors.map((e) => e.offset)].sort((a, b) => a - b).map((offset, i) => [offset, i]));
  const indexOf = (offset: number) => offsets.get(offset)!;
  const rejected: MseedRejection[] = errors.map((e) => ({ index: indexOf(e.offset), offset: e.offset, ...(e.sourceId ? { sourceId: e.sourceId } : {}), ...(e.startTime ? { startTime: e.startTime } : {}), reason: e.reason, detail: e.detail }));
  const reject = (record: MseedRecord, reason: MseedRejectionReason, detail: string) =>
    rejected.push({ index: indexOf(record.offset), offset: record.offset, sourceId: record.sourceId, startTime: new Date(record.startTimeUs / 1000).toISOString(), reason, detail });

  const streams = new Map<string, StreamCalibration>();
  const seen = new Set<string>();
  const accepted: MseedRecord[] = [];
  for (const record of records) {
    const startMs = record.startTimeUs / 1000;
    const epoch = inventory.channelAt(record.network, record.station, record.location, record.channel, startMs);
    if (!epoch) {
      if (inventory.knowsStream(record.network, record.station, record.location, record.channel)) reject(record, 'not_installed', `the inventory lists ${record.sourceId}, but not as installed at ${new Date(startMs).toISOString()}`);
      else reject(record, 'unknown_station', `the station inventory lists no ${record.sourceId}`);
      continue;
    }
    if (epoch.station.sensorId !== device.sensorId) {
      reject(record, 'sensor_mismatch', `token belongs to ${device.sensorId}, ${record.network}.${record.station} is ${epoch.station.sensorId ? `device ${epoch.station.sensorId}` : 'no device of the registry'}`);
      continue;
    }
    if (record.samples.length === 0) {
      reject(record, 'no_samples', 'the record holds no samples');
      continue;
    }
    if (Math.abs(record.sampleRateHz - epoch.channel.sampleRateHz) > 1e-6 * epoch.channel.sampleRateHz || record.sampleRateHz < SENSOR_LIMITS.minSampleRateHz || record.sampleRateHz > SENSOR_LIMITS.maxSampleRateHz) {
      reject(record, 'sample_rate_mismatch', `record is at ${record.sampleRateHz} Hz, the inventory says ${epoch.channel.sampleRateHz} Hz (the platform takes ${SENSOR_LIMITS.minSampleRateHz}–${SENSOR_LIMITS.maxSampleRateHz} Hz)`);
      continue;
    }
    if (startMs > nowMs + limits.clockSkewMs) {
      reject(record, 'clock_skew', `starts ${Math.round((startMs - nowMs) / 1000)} s in the future (allowed ${limits.clockSkewMs / 1000} s)`);
      continue;
    }
    if (startMs < nowMs - limits.maxAgeMs) {
      reject(record, 'too_old', `started ${Math.round((nowMs - startMs) / 1000)} s ago (allowed ${limits.maxAgeMs / 1000} s)`);
      continue;
    }
    const key = `${record.sourceId}@${record.startTimeUs}`;
    if (seen.has(key)) {
      reject(record, 'duplicate', `a record of ${record.sourceId} starting at the same time is earlier in this request`);
      continue;
    }
    const countsPerMmS = epoch.channel.gain / 1000;
    const known = streams.get(record.sourceId);
    if (known && known.countsPerMmS !== countsPerMmS) {
      reject(record, 'epoch_boundary', `${record.sourceId} changes gain within this request (a new channel epoch); send each epoch's records in their own request`);
      continue;
    }
    if (exceedsVelocityLimit([record.samples], countsPerMmS)) {
      reject(record, 'out_of_range', `a sample exceeds ±${SENSOR_LIMITS.maxAbsVelocityMmS} mm/s at the inventory's gain of ${epoch.channel.gain} counts per m/s`);
      continue;
    }
    seen.add(key);
    streams.set(record.sourceId, { sourceId: record.sourceId, axis: epoch.channel.axis, countsPerMmS });
    accepted.push(record);
  }

  const { packets, unassembled } = assembleTriaxial(accepted, (r) => streams.get(r.sourceId));
  for (const { record, detail } of unassembled) reject(record, 'unaligned_channels', detail);
  rejected.sort((a, b) => a.offset - b.offset);
  const messages = encodeMseedReadings({ sensorId: device.sensorId, site: device.site, zone: device.zone, receivedAt, streams: [...streams.values()] }, packets, body, MAX_SENSOR_MESSAGE_BYTES);
  return { messages, packets: packets.reduce((n, p) => n + packetKeys(p).length, 0), samples: packets.reduce((n, p) => n + p.length, 0), rejected };
}
