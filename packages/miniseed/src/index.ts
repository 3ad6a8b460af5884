export * from './types.js';
export { decodeRecords, maxSamples, toSourceId, MIN_RECORD_BYTES, MAX_RECORD_BYTES, type DecodeOptions, type DecodeResult } from './decode.js';
export { encodeRecords, type EncodeOptions, type StreamSegment } from './encode.js';
export { crc32c } from './crc32c.js';
