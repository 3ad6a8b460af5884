import { crc32c } from './crc32c.js';
import { Encoding, type EncodingCode, type Samples } from './types.js';

export interface StreamSegment {
  network: string;
  station: string;
  location: string;
  channel: string;
  /** time of the first sample, microseconds since 1970 */
  startTimeUs: number;
  sampleRateHz: number;
  /** integers for int16, int32 and Steim; any numbers for the float encodings */
  samples: Samples | readonly number[];
}

export interface EncodeOptions {
  format: 2 | 3;
  encoding: EncodingCode;
  /** SEED 2: the record length (a power of two, 256–4096); miniSEED 3: the most a record may take */
  recordLength: number;
  /** SEED 2: the sequence number of the first record (1–999999) */
  firstSequence?: number;
}

/**
 * Writes a continuous segment of one channel as miniSEED records (SEED 2.4
 * big-endian with blockettes 1000 and 1001, or miniSEED 3 with its CRC). Used
 * by the FDSN dataselect service and the simulator; proven by the test suite
 * against libmseed and ObsPy reading what it writes.
 */
export function encodeRecords(segment: StreamSegment, options: EncodeOptions): Uint8Array[] {
  const { format, encoding, recordLength } = options;
  if (format === 2 && (recordLength < 256 || recordLength > 4096 || (recordLength & (recordLength - 1)) !== 0)) throw new RangeError(`SEED 2 record length ${recordLength} is not a power of two in 256–4096`);
  const sid = sourceId(segment);
  const headerBytes = format === 2 ? 64 : 40 + sid.length;
  const dataBytes = recordLength - headerBytes;
  if (dataBytes < 64) throw new RangeError(`record length ${recordLength} leaves no room for data`);
  const records: Uint8Array[] = [];
  let index = 0;
  let sequence = options.firstSequence ?? 1;
  const total = segment.samples.length;
  while (index < total || (total === 0 && records.length === 0)) {
    const record = new Uint8Array(recordLength);
    const view = new DataView(record.buffer);
    const dataStart = headerBytes;
    // SEED 2 data is big-endian here; miniSEED 3 is little-endian except Steim, which is always big-endian.
    const le = format === 3 && encoding !== Encoding.STEIM1 && encoding !== Encoding.STEIM2;
    const { count, used, frames } = packData(segment.samples, index, encoding, view, dataStart, dataBytes, le);
    const startUs = segment.startTimeUs + Math.round((index * 1e6) / segment.sampleRateHz);
    let length: number;
    if (format === 2) {
      writeV2Header(record, view, segment, startUs, count, encoding, recordLength, sequence, frames);
      length = recordLength;
    } else {
      length = 40 + sid.length + used;
      writeV3Header(record, view, sid, startUs, segment.sampleRateHz, count, encoding, used);
    }
    const out = record.subarray(0, length);
    if (format === 3) view.setUint32(28, crc32c(out), true);
    records.push(out);
    index += count;
    sequence = sequence >= 999_999 ? 1 : sequence + 1;
    if (total === 0) break;
  }
  return records;
}

function sourceId(s: Pick<StreamSegment, 'network' | 'station' | 'location' | 'channel'>): string {
  return `FDSN:${s.network}_${s.station}_${s.location}_${s.channel.split('').join('_')}`;
}

function packData(samples: Samples | readonly number[], from: number, encoding: EncodingCode, view: DataView, at: number, bytes: number, le: boolean): { count: number; used: number; frames: number } {
  const left = samples.length - from;
  const fixed = (size: number, write: (offset: number, value: number) => void) => {
    const count = Math.min(left, Math.floor(bytes / size));
    for (let i = 0; i < count; i++) write(at + i * size, samples[from + i]!);
    return { count, used: count * size, frames: 0 };
  };
  switch (encoding) {
    case Encoding.INT16:
      return fixed(2, (o, v) => {
        if (v !== (v << 16) >> 16) throw new RangeError(`sample ${v} does not fit int16`);
        view.setInt16(o, v, le);
      });
    case Encoding.INT32:
      return fixed(4, (o, v) => {
        if (v !== (v | 0)) throw new RangeError(`sample ${v} is not an int32`);
        view.setInt32(o, v, le);
      });
    case Encoding.FLOAT32:
      return fixed(4, (o, v) => view.setFloat32(o, v, le));
    case Encoding.FLOAT64:
      return fixed(8, (o, v) => view.setFloat64(o, v, le));
    case Encoding.STEIM1:
    case Encoding.STEIM2:
      return packSteim(samples, from, encoding === Encoding.STEIM1 ? 1 : 2, view, at, Math.floor(bytes / 64));
  }
}

/** [differences per word, bits each, nibble, dnib] from densest to widest. */
const STEIM1_PACKINGS = [
  [4, 8, 1, -1],
  [2, 16, 2, -1],
  [1, 32, 3, -1],
] as const;
const STEIM2_PACKINGS = [
  [7, 4, 3, 2],
  [6, 5, 3, 1],
  [5, 6, 3, 0],
  [4, 8, 1, -1],
  [3, 10, 2, 3],
  [2, 15, 2, 2],
  [1, 30, 2, 1],
] as const;

function packSteim(samples: Samples | readonly number[], from: number, version: 1 | 2, view: DataView, at: number, maxFrames: number): { count: number; used: number; frames: number } {
  const left = samples.length - from;
  for (let i = 0; i < left; i++) {
    const v = samples[from + i]!;
    if (v !== (v | 0)) throw new RangeError(`sample ${v} is not an int32, which Steim needs`);
  }
  // The first difference is relative to the previous record; readers skip it, so 0 keeps records independent.
  const diff = (k: number) => (k === 0 ? 0 : (samples[from + k]! - samples[from + k - 1]!) | 0);
  const packings = version === 1 ? STEIM1_PACKINGS : STEIM2_PACKINGS;
  let k = 0;
  let frame = 0;
  for (; frame < maxFrames && k < left; frame++) {
    const base = at + frame * 64;
    let ctrl = 0;
    for (let w = frame === 0 ? 3 : 1; w < 16 && k < left; w++) {
      const choice = packings.find(([n, bits]) => n <= left - k && fits(diff, k, n, bits, version));
      if (!choice) throw new RangeError(`difference ${diff(k)} is too large for Steim-${version}`);
      const [n, bits, nibble, dnib] = choice;
      let word = 0;
      if (nibble === 1) {
        for (let j = 0; j < 4; j++) view.setInt8(base + 4 * w + j, diff(k + j));
      } else if (version === 1) {
        if (n === 2) word = ((diff(k) & 0xffff) << 16) | (diff(k + 1) & 0xffff);
        else word = diff(k);
        view.setInt32(base + 4 * w, word, false);
      } else {
        const mask = 2 ** bits - 1;
        for (let j = 0; j < n; j++) word = word * 2 ** bits + (diff(k + j) & mask);
        word += dnib * 2 ** 30;
        view.setUint32(base + 4 * w, word >>> 0, false);
      }
      ctrl |= nibble << (30 - 2 * w);
      k += n;
    }
    view.setUint32(base, ctrl >>> 0, false);
  }
  if (left > 0) {
    view.setInt32(at + 4, samples[from]!, false);
    view.setInt32(at + 8, samples[from + k - 1]!, false);
  }
  return { count: k, used: frame * 64, frames: frame };
}

function fits(diff: (k: number) => number, k: number, n: number, bits: number, version: 1 | 2): boolean {
  if (version === 1 && bits === 32) return true;
  const max = 2 ** (bits - 1);
  for (let j = 0; j < n; j++) {
    const d = diff(k + j);
    if (d < -max || d >= max) return false;
  }
  return true;
}

function writeV2Header(record: Uint8Array, view: DataView, s: StreamSegment, startUs: number, count: number, encoding: EncodingCode, recordLength: number, sequence: number, frames: number): void {
  ascii(record, 0, String(sequence).padStart(6, '0'), 6);
  ascii(record, 6, 'D ', 2);
  ascii(record, 8, s.station, 5);
  ascii(record, 13, s.location, 2);
  ascii(record, 15, s.channel, 3);
  ascii(record, 18, s.network, 2);
  const date = new Date(Math.floor(startUs / 1e6) * 1000);
  const year = date.getUTCFullYear();
  view.setUint16(20, year, false);
  view.setUint16(22, Math.floor((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000) + 1, false);
  record[24] = date.getUTCHours();
  record[25] = date.getUTCMinutes();
  record[26] = date.getUTCSeconds();
  const micros = startUs - Math.floor(startUs / 1e6) * 1e6;
  view.setUint16(28, Math.floor(micros / 100), false);
  view.setUint16(30, count, false);
  const [factor, multiplier] = v2RateFactor(s.sampleRateHz);
  view.setInt16(32, factor, false);
  view.setInt16(34, multiplier, false);
  record[39] = 2;
  view.setUint16(44, 64, false);
  view.setUint16(46, 48, false);
  // Blockette 1000: encoding, big-endian words, record length as a power of two.
  view.setUint16(48, 1000, false);
  view.setUint16(50, 56, false);
  record[52] = encoding;
  record[53] = 1;
  record[54] = Math.log2(recordLength);
  // Blockette 1001: the microseconds BTIME cannot hold, and the Steim frame count.
  view.setUint16(56, 1001, false);
  view.setUint16(58, 0, false);
  view.setInt8(61, micros % 100);
  record[63] = frames;
}

function writeV3Header(record: Uint8Array, view: DataView, sid: string, startUs: number, rate: number, count: number, encoding: EncodingCode, payload: number): void {
  record[0] = 0x4d;
  record[1] = 0x53;
  record[2] = 3;
  const date = new Date(Math.floor(startUs / 1e6) * 1000);
  const year = date.getUTCFullYear();
  view.setUint32(4, (startUs - Math.floor(startUs / 1e6) * 1e6) * 1000, true);
  view.setUint16(8, year, true);
  view.setUint16(10, Math.floor((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000) + 1, true);
  record[12] = date.getUTCHours();
  record[13] = date.getUTCMinutes();
  record[14] = date.getUTCSeconds();
  record[15] = encoding;
  view.setFloat64(16, rate, true);
  view.setUint32(24, count, true);
  record[32] = 1;
  record[33] = sid.length;
  view.setUint16(34, 0, true);
  view.setUint32(36, payload, true);
  ascii(record, 40, sid, sid.length);
}

function v2RateFactor(rate: number): [number, number] {
  if (Number.isInteger(rate) && rate > 0 && rate <= 32767) return [rate, 1];
  if (rate > 0 && rate < 1 && Number.isInteger(1 / rate) && 1 / rate <= 32767) return [-(1 / rate), 1];
  throw new RangeError(`sample rate ${rate} Hz has no exact SEED 2 factor and multiplier`);
}

function ascii(record: Uint8Array, at: number, value: string, width: number): void {
  for (let i = 0; i < width; i++) record[at + i] = i < value.length ? value.charCodeAt(i) : 0x20;
}
