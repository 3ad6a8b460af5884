import { crc32c } from './crc32c.js';
import { decodeSteim, maxSteimSamples } from './steim.js';
import { Encoding, RecordDecodeError, type EncodingCode, type MseedRecord, type RecordError, type Samples } from './types.js';

export const MIN_RECORD_BYTES = 256;
export const MAX_RECORD_BYTES = 4096;
const V2_HEADER_BYTES = 48;
const V3_HEADER_BYTES = 40;
const ZERO_CRC = new Uint8Array(4);

export interface DecodeOptions {
  /** smallest and largest SEED 2 record lengths accepted (powers of two) */
  minRecordBytes?: number;
  maxRecordBytes?: number;
  /** largest miniSEED 3 record accepted */
  maxV3RecordBytes?: number;
  /** decode the samples (default) or only the headers */
  samples?: boolean;
}

export interface DecodeResult {
  records: MseedRecord[];
  errors: RecordError[];
}

/**
 * Decodes a body of concatenated miniSEED records (SEED 2.4 and miniSEED 3 may
 * be mixed). A record whose length is known but whose content is bad is
 * refused on its own and decoding goes on with the next; bytes whose record
 * length cannot be known end decoding with one error covering the rest.
 * Nothing is allocated beyond what a record's bytes can hold.
 */
export function decodeRecords(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const minRecord = options.minRecordBytes ?? MIN_RECORD_BYTES;
  const maxRecord = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const maxV3 = options.maxV3RecordBytes ?? 1024 * 1024;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: MseedRecord[] = [];
  const errors: RecordError[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const remaining = bytes.length - offset;
    let length: number;
    try {
      length = isV3(bytes, offset) ? v3Length(view, offset, remaining, maxV3) : v2Length(view, bytes, offset, remaining, minRecord, maxRecord);
    } catch (error) {
      const e = error instanceof RecordDecodeError ? error : new RecordDecodeError('not_a_record', String(error));
      errors.push({ offset, length: 0, reason: e.reason, detail: `${e.message}; the remaining ${remaining} bytes were not read` });
      break;
    }
    try {
      records.push(isV3(bytes, offset) ? decodeV3(bytes, view, offset, length, options.samples !== false) : decodeV2(bytes, view, offset, length, options.samples !== false));
    } catch (error) {
      if (!(error instanceof RecordDecodeError)) throw error;
      errors.push({ offset, length, ...describe(bytes, view, offset), reason: error.reason, detail: error.message });
    }
    offset += length;
  }
  return { records, errors };
}

function isV3(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] === 0x4d && bytes[offset + 1] === 0x53 && bytes[offset + 2] === 3;
}

function v3Length(view: DataView, offset: number, remaining: number, max: number): number {
  if (remaining < V3_HEADER_BYTES) throw new RecordDecodeError('truncated', `a miniSEED 3 header needs 40 bytes, ${remaining} remain`);
  const length = V3_HEADER_BYTES + view.getUint8(offset + 33) + view.getUint16(offset + 34, true) + view.getUint32(offset + 36, true);
  if (length > max) throw new RecordDecodeError('record_length', `miniSEED 3 record of ${length} bytes is longer than the ${max} allowed`);
  if (length > remaining) throw new RecordDecodeError('truncated', `miniSEED 3 record of ${length} bytes, ${remaining} remain`);
  return length;
}

/** A SEED 2 record's length is in its blockette 1000; the header's byte order is found from the year and day. */
function v2Length(view: DataView, bytes: Uint8Array, offset: number, remaining: number, min: number, max: number): number {
  for (let i = 0; i < Math.min(6, remaining); i++) {
    const c = bytes[offset + i]!;
    if (!((c >= 0x30 && c <= 0x39) || c === 0x20 || c === 0)) throw new RecordDecodeError('not_a_record', 'neither a miniSEED 3 record nor a SEED 2 data record (sequence number is not digits)');
  }
  if (remaining > 6 && !'DRQM'.includes(String.fromCharCode(bytes[offset + 6]!))) throw new RecordDecodeError('not_a_record', `SEED 2 data quality indicator ${JSON.stringify(String.fromCharCode(bytes[offset + 6]!))} is not D, R, Q or M`);
  if (remaining < V2_HEADER_BYTES) throw new RecordDecodeError('truncated', `a SEED 2 header needs 48 bytes, ${remaining} remain`);
  const le = headerLittleEndian(view, offset);
  const b1000 = findBlockette(view, offset, remaining, le, 1000);
  if (b1000 === undefined) throw new RecordDecodeError('record_length', 'SEED 2 record without blockette 1000: its length cannot be known');
  const exponent = view.getUint8(offset + b1000 + 6);
  if (exponent < 7 || exponent > 16) throw new RecordDecodeError('record_length', `blockette 1000 record length 2^${exponent} is not a valid length`);
  const length = 2 ** exponent;
  if (length < min || length > max) throw new RecordDecodeError('record_length', `record length ${length} is outside ${min}–${max} bytes`);
  if (length > remaining) throw new RecordDecodeError('truncated', `record of ${length} bytes, ${remaining} remain`);
  return length;
}

/** Big-endian unless the year only makes sense swapped (the day is checked later, as part of the time). */
function headerLittleEndian(view: DataView, offset: number): boolean {
  const year = view.getUint16(offset + 20, false);
  return !(year >= 1900 && year <= 2100);
}

function findBlockette(view: DataView, offset: number, length: number, le: boolean, type: number): number | undefined {
  let next = view.getUint16(offset + 46, le);
  for (let hops = 0; next !== 0 && hops < 32; hops++) {
    if (next < V2_HEADER_BYTES || next + 8 > length) return undefined;
    if (view.getUint16(offset + next, le) === type) return next;
    const following = view.getUint16(offset + next + 2, le);
    if (following !== 0 && following <= next) return undefined;
    next = following;
  }
  return undefined;
}

function decodeV2(bytes: Uint8Array, view: DataView, offset: number, length: number, withSamples: boolean): MseedRecord {
  const le = headerLittleEndian(view, offset);
  const network = text(bytes, offset + 18, 2);
  const station = text(bytes, offset + 8, 5);
  const location = text(bytes, offset + 13, 2);
  const channel = text(bytes, offset + 15, 3);
  if (!station || channel.length !== 3) throw new RecordDecodeError('source_id', `station ${JSON.stringify(station)} and channel ${JSON.stringify(channel)} do not name a stream`);
  const sourceId = toSourceId(network, station, location, channel);
  let startUs = btimeToUs(view, offset + 20, le);
  const b1000 = findBlockette(view, offset, length, le, 1000)!;
  const encoding = checkEncoding(view.getUint8(offset + b1000 + 4));
  const dataLe = view.getUint8(offset + b1000 + 5) === 0;
  const b1001 = findBlockette(view, offset, length, le, 1001);
  if (b1001 !== undefined) startUs += view.getInt8(offset + b1001 + 5);
  // Applied unless the activity flags say the correction is already in the start time (bit 1).
  if ((view.getUint8(offset + 36) & 0x02) === 0) startUs += view.getInt32(offset + 40, le) * 100;
  let sampleRateHz = v2SampleRate(view.getInt16(offset + 32, le), view.getInt16(offset + 34, le));
  const b100 = findBlockette(view, offset, length, le, 100);
  if (b100 !== undefined) sampleRateHz = view.getFloat32(offset + b100 + 4, le);
  const count = view.getUint16(offset + 30, le);
  if (count > 0 && !(sampleRateHz > 0 && Number.isFinite(sampleRateHz))) throw new RecordDecodeError('sample_rate', `sample rate ${sampleRateHz} is not positive`);
  const dataStart = view.getUint16(offset + 44, le);
  if (count > 0 && (dataStart < V2_HEADER_BYTES || dataStart >= length)) throw new RecordDecodeError('record_length', `data starts at byte ${dataStart} of a ${length}-byte record`);
  const samples = withSamples ? decodeSamples(view, offset + dataStart, offset + length, count, encoding, dataLe) : emptySamples(encoding);
  return {
    format: 2,
    offset,
    length,
    network,
    station,
    location,
    channel,
    sourceId,
    startTimeUs: startUs,
    startTimeNsRemainder: 0,
    sampleRateHz,
    encoding,
    sequence: text(bytes, offset, 6),
    samples,
  };
}

function decodeV3(bytes: Uint8Array, view: DataView, offset: number, length: number, withSamples: boolean): MseedRecord {
  const stored = view.getUint32(offset + 28, true);
  // The CRC covers the whole record with its own field taken as zero.
  let computed = crc32c(bytes.subarray(offset, offset + 28));
  computed = crc32c(ZERO_CRC, computed);
  computed = crc32c(bytes.subarray(offset + 32, offset + length), computed);
  if (computed !== stored) throw new RecordDecodeError('crc', `CRC-32C of the record is ${hex(computed)}, the header says ${hex(stored)}`);
  const nanos = view.getUint32(offset + 4, true);
  if (nanos > 999_999_999) throw new RecordDecodeError('time', `nanosecond field ${nanos} is over 999999999`);
  const seconds = civilToEpochSeconds(view.getUint16(offset + 8, true), view.getUint16(offset + 10, true), view.getUint8(offset + 12), view.getUint8(offset + 13), view.getUint8(offset + 14));
  const encoding = checkEncoding(view.getUint8(offset + 15));
  const rate = view.getFloat64(offset + 16, true);
  const sampleRateHz = rate < 0 ? -1 / rate : rate;
  const count = view.getUint32(offset + 24, true);
  if (count > 0 && !(sampleRateHz > 0 && Number.isFinite(sampleRateHz))) throw new RecordDecodeError('sample_rate', `sample rate ${rate} is not usable`);
  const sidLength = view.getUint8(offset + 33);
  const sid = new TextDecoder().decode(bytes.subarray(offset + 40, offset + 40 + sidLength));
  const parts = /^FDSN:([^_]*)_([^_]+)_([^_]*)_([^_])_([^_])_([^_])$/.exec(sid);
  if (!parts) throw new RecordDecodeError('source_id', `source identifier ${JSON.stringify(sid)} is not FDSN:NET_STA_LOC_B_S_S`);
  const [, network, station, location, band, source, subsource] = parts as unknown as string[];
  const dataStart = offset + V3_HEADER_BYTES + sidLength + view.getUint16(offset + 34, true);
  // miniSEED 3 data is little-endian, except Steim frames, which are always big-endian.
  const dataLe = encoding !== Encoding.STEIM1 && encoding !== Encoding.STEIM2;
  const samples = withSamples ? decodeSamples(view, dataStart, offset + length, count, encoding, dataLe) : emptySamples(encoding);
  return {
    format: 3,
    offset,
    length,
    network: network!,
    station: station!,
    location: location!,
    channel: `${band}${source}${subsource}`,
    sourceId: sid,
    startTimeUs: seconds * 1e6 + Math.floor(nanos / 1000),
    startTimeNsRemainder: nanos % 1000,
    sampleRateHz,
    encoding,
    sequence: String(view.getUint8(offset + 32)),
    samples,
  };
}

function decodeSamples(view: DataView, start: number, end: number, count: number, encoding: EncodingCode, le: boolean): Samples {
  const bytes = end - start;
  const fixed = (size: number) => {
    if (count * size > bytes) throw new RecordDecodeError('sample_count', `${count} samples of ${size} bytes need ${count * size} bytes, the record has ${bytes}`);
  };
  switch (encoding) {
    case Encoding.INT16: {
      fixed(2);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(start + 2 * i, le);
      return out;
    }
    case Encoding.INT32: {
      fixed(4);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(start + 4 * i, le);
      return out;
    }
    case Encoding.FLOAT32: {
      fixed(4);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, le);
      return out;
    }
    case Encoding.FLOAT64: {
      fixed(8);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, le);
      return out;
    }
    case Encoding.STEIM1:
      return decodeSteim(view, start, end, count, 1, le);
    case Encoding.STEIM2:
      return decodeSteim(view, start, end, count, 2, le);
  }
}

/** The largest sample count a record's data bytes can hold in its encoding. */
export function maxSamples(dataBytes: number, encoding: EncodingCode): number {
  switch (encoding) {
    case Encoding.INT16:
      return Math.floor(dataBytes / 2);
    case Encoding.INT32:
    case Encoding.FLOAT32:
      return Math.floor(dataBytes / 4);
    case Encoding.FLOAT64:
      return Math.floor(dataBytes / 8);
    case Encoding.STEIM1:
      return maxSteimSamples(dataBytes, 1);
    case Encoding.STEIM2:
      return maxSteimSamples(dataBytes, 2);
  }
}

function emptySamples(encoding: EncodingCode): Samples {
  return encoding === Encoding.FLOAT32 ? new Float32Array(0) : encoding === Encoding.FLOAT64 ? new Float64Array(0) : new Int32Array(0);
}

const KNOWN_ENCODINGS = new Set<number>(Object.values(Encoding));
function checkEncoding(code: number): EncodingCode {
  if (!KNOWN_ENCODINGS.has(code)) throw new RecordDecodeError('encoding', `data encoding ${code} is not one of int16 (1), int32 (3), float32 (4), float64 (5), Steim-1 (10), Steim-2 (11)`);
  return code as EncodingCode;
}

/** SEED 2 sample rate factor and multiplier (positive: multiply, negative: divide by). */
function v2SampleRate(factor: number, multiplier: number): number {
  if (factor === 0 || multiplier === 0) return 0;
  const f = factor > 0 ? factor : -1 / factor;
  const m = multiplier > 0 ? multiplier : -1 / multiplier;
  return f * m;
}

function btimeToUs(view: DataView, at: number, le: boolean): number {
  const fract = view.getUint16(at + 8, le);
  if (fract > 9999) throw new RecordDecodeError('time', `start time fraction ${fract} is over 9999 (units of 0.0001 s)`);
  return civilToEpochSeconds(view.getUint16(at, le), view.getUint16(at + 2, le), view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6)) * 1e6 + fract * 100;
}

function civilToEpochSeconds(year: number, day: number, hour: number, minute: number, second: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (year < 1900 || year > 2100) throw new RecordDecodeError('time', `year ${year} is outside 1900–2100`);
  if (day < 1 || day > (leap ? 366 : 365)) throw new RecordDecodeError('time', `day ${day} does not exist in ${year}`);
  if (hour > 23 || minute > 59 || second > 60) throw new RecordDecodeError('time', `time of day ${hour}:${minute}:${second} does not exist`);
  return Date.UTC(year, 0, day, hour, minute, second) / 1000;
}

function text(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const c = bytes[at + i]!;
    if (c !== 0x20 && c !== 0) s += String.fromCharCode(c);
  }
  return s;
}

/** FDSN source identifier of SEED codes (a 3-letter channel becomes band_source_subsource). */
export function toSourceId(network: string, station: string, location: string, channel: string): string {
  return `FDSN:${network}_${station}_${location}_${channel.charAt(0)}_${channel.charAt(1)}_${channel.charAt(2)}`;
}

/** What a refused record said it was, when its header was readable. */
function describe(bytes: Uint8Array, view: DataView, offset: number): { sourceId?: string; startTime?: string } {
  try {
    const record = isV3(bytes, offset) ? decodeV3Header(bytes, view, offset) : decodeV2Header(bytes, view, offset);
    return record;
  } catch {
    return {};
  }
}

function decodeV2Header(bytes: Uint8Array, view: DataView, offset: number) {
  const le = headerLittleEndian(view, offset);
  const sourceId = toSourceId(text(bytes, offset + 18, 2), text(bytes, offset + 8, 5), text(bytes, offset + 13, 2), text(bytes, offset + 15, 3));
  return { sourceId, startTime: new Date(btimeToUs(view, offset + 20, le) / 1000).toISOString() };
}

function decodeV3Header(bytes: Uint8Array, view: DataView, offset: number) {
  const sourceId = new TextDecoder().decode(bytes.subarray(offset + 40, offset + 40 + view.getUint8(offset + 33)));
  const seconds = civilToEpochSeconds(view.getUint16(offset + 8, true), view.getUint16(offset + 10, true), view.getUint8(offset + 12), view.getUint8(offset + 13), view.getUint8(offset + 14));
  return { sourceId, startTime: new Date(seconds * 1000).toISOString() };
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
