/** Data encodings of SEED 2.4 and miniSEED 3 that this package reads (the codes both formats share). */
export const Encoding = {
  INT16: 1,
  INT32: 3,
  FLOAT32: 4,
  FLOAT64: 5,
  STEIM1: 10,
  STEIM2: 11,
} as const;
export type EncodingCode = (typeof Encoding)[keyof typeof Encoding];

export type Samples = Int32Array | Float32Array | Float64Array;

/** One decoded data record of either format. */
export interface MseedRecord {
  /** 2 for SEED 2.4 data records, 3 for miniSEED 3 */
  format: 2 | 3;
  /** where the record starts in the decoded bytes, and its length */
  offset: number;
  length: number;
  network: string;
  station: string;
  location: string;
  channel: string;
  /** FDSN source identifier, FDSN:NET_STA_LOC_B_S_S */
  sourceId: string;
  /** time of the first sample, microseconds since 1970 (UTC, leap seconds not counted, as in libmseed) */
  startTimeUs: number;
  /** nanoseconds within the microsecond (miniSEED 3 keeps nanoseconds), 0–999 */
  startTimeNsRemainder: number;
  /** samples per second (a negative rate in miniSEED 3, a period, is converted) */
  sampleRateHz: number;
  encoding: EncodingCode;
  /** the SEED 2 sequence number (6 digits), or the miniSEED 3 publication version */
  sequence: string;
  samples: Samples;
}

/** A record that was refused, with where it was and why. */
export interface RecordError {
  /** byte offset of the refused record within the body */
  offset: number;
  /** bytes skipped (0 when nothing after this point could be read) */
  length: number;
  /** what the record said it was, when that could be read */
  sourceId?: string;
  startTime?: string;
  reason: RecordErrorReason;
  detail: string;
}

export type RecordErrorReason =
  | 'truncated'
  | 'not_a_record'
  | 'record_length'
  | 'crc'
  | 'time'
  | 'sample_rate'
  | 'encoding'
  | 'sample_count'
  | 'steim_integrity'
  | 'source_id';

export class RecordDecodeError extends Error {
  constructor(
    readonly reason: RecordErrorReason,
    message: string,
  ) {
    super(message);
  }
}
