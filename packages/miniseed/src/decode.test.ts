import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Encoding, crc32c, decodeRecords, encodeRecords, type EncodingCode } from './index.js';

const START_US = Date.parse('2026-11-24T05:00:00Z') * 1000;
const samples = Int32Array.from({ length: 400 }, (_, i) => Math.round(1000 * Math.sin(i / 9)));
const records = (format: 2 | 3, encoding: EncodingCode = Encoding.STEIM2, recordLength = 512) =>
  encodeRecords({ network: 'MN', station: 'G001', location: '00', channel: 'HHZ', startTimeUs: START_US, sampleRateHz: 500, samples }, { format, encoding, recordLength });
const copy = (r: Uint8Array) => Uint8Array.from(r);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

describe('decodeRecords refuses bad records one by one', () => {
  it('CRC-32C matches the standard check value', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  });

  it('a miniSEED 3 record with a flipped byte fails its CRC; the records around it decode', () => {
    const [a, b, c] = records(3, Encoding.STEIM2, 256);
    const bad = copy(b!);
    bad[bad.length - 3]! ^= 0x10;
    const { records: good, errors } = decodeRecords(concat(a!, bad, c!));
    assert.equal(good.length, 2);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.reason, 'crc');
    assert.equal(errors[0]!.offset, a!.length);
    assert.equal(errors[0]!.sourceId, 'FDSN:MN_G001_00_H_H_Z');
  });

  it('impossible start times (day 400, hour 25, fraction over 9999) are refused with the reason', () => {
    const [r] = records(2);
    const day = copy(r!);
    new DataView(day.buffer).setUint16(22, 400);
    const hour = copy(r!);
    hour[24] = 25;
    const fraction = copy(r!);
    new DataView(fraction.buffer).setUint16(28, 12000);
    const { records: good, errors } = decodeRecords(concat(day, hour, fraction, r!));
    assert.equal(good.length, 1);
    assert.deepEqual(errors.map((e) => e.reason), ['time', 'time', 'time']);
    assert.match(errors[1]!.detail, /25:0:0 does not exist/);
  });

  it('a record length outside 256–4096 is refused (and, being unknowable, ends decoding)', () => {
    const [r] = records(2);
    const long = copy(r!);
    long[54] = 13; // 8192 bytes
    const { errors } = decodeRecords(concat(r!, long));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.reason, 'record_length');
    assert.match(errors[0]!.detail, /8192/);
    assert.deepEqual(decodeRecords(r!, { minRecordBytes: 1024 }).errors.map((e) => e.reason), ['record_length']);
  });

  it('a sample count larger than the record can hold is refused before anything is allocated for it', () => {
    for (const encoding of [Encoding.INT32, Encoding.STEIM1, Encoding.STEIM2]) {
      const [r] = records(2, encoding);
      const lying = copy(r!);
      new DataView(lying.buffer).setUint16(30, 65535);
      const { errors } = decodeRecords(lying);
      assert.deepEqual(errors.map((e) => e.reason), ['sample_count'], `encoding ${encoding}`);
    }
    const [v3] = records(3, Encoding.INT32);
    const lying = copy(v3!);
    new DataView(lying.buffer).setUint32(24, 0xffffffff, true);
    new DataView(lying.buffer).setUint32(28, 0, true);
    new DataView(lying.buffer).setUint32(28, crc32c(lying), true);
    assert.deepEqual(decodeRecords(lying).errors.map((e) => e.reason), ['sample_count']);
  });

  it('corrupt Steim frames fail the reverse integration check', () => {
    const [r] = records(2, Encoding.STEIM1);
    const bad = copy(r!);
    bad[64 + 12 + 1]! ^= 0x01; // a difference in the first frame
    assert.deepEqual(decodeRecords(bad).errors.map((e) => e.reason), ['steim_integrity']);
  });

  it('unknown encodings, truncated records and bytes that are not miniSEED are refused with reasons', () => {
    const [r] = records(2);
    const text = copy(r!);
    text[52] = 0; // ASCII text
    assert.deepEqual(decodeRecords(text).errors.map((e) => e.reason), ['encoding']);
    const truncated = decodeRecords(r!.subarray(0, 300));
    assert.deepEqual(truncated.errors.map((e) => e.reason), ['truncated']);
    const garbage = decodeRecords(concat(r!, new TextEncoder().encode('{"sensorId": "geo-001"}')));
    assert.equal(garbage.records.length, 1);
    assert.deepEqual(garbage.errors.map((e) => e.reason), ['not_a_record']);
    assert.equal(garbage.errors[0]!.offset, 512);
    const [v3] = records(3, Encoding.STEIM2, 4096);
    assert.deepEqual(decodeRecords(v3!.subarray(0, v3!.length - 10)).errors.map((e) => e.reason), ['truncated']);
  });

  it('round-trips every encoding through both formats', () => {
    for (const encoding of [Encoding.INT16, Encoding.INT32, Encoding.FLOAT32, Encoding.FLOAT64, Encoding.STEIM1, Encoding.STEIM2] as const) {
      for (const format of [2, 3] as const) {
        const decoded = decodeRecords(concat(...records(format, encoding, 256)));
        assert.deepEqual(decoded.errors, []);
        assert.deepEqual(decoded.records.flatMap((r) => Array.from(r.samples)), Array.from(samples), `format ${format} encoding ${encoding}`);
        assert.equal(decoded.records[0]!.startTimeUs, START_US);
      }
    }
  });
});
