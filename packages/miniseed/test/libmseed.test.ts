// The decoder and encoder against implementations the platform did not write: records written by
// libmseed 3 (pymseed) and ObsPy are decoded here sample for sample, and records written here are
// read back by libmseed 3, which also checks miniSEED 3 CRCs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seismoPython } from '@mine/testkit';
import { Encoding, decodeRecords, encodeRecords, type EncodingCode } from '../src/index.js';

const here = new URL('.', import.meta.url).pathname;

interface Case {
  file: string;
  writer: string;
  format: 2 | 3;
  encoding: keyof typeof ENCODINGS;
  recordLength: number;
  byteOrder: string;
  samples: number[];
}
const ENCODINGS = { int16: Encoding.INT16, int32: Encoding.INT32, float32: Encoding.FLOAT32, float64: Encoding.FLOAT64, steim1: Encoding.STEIM1, steim2: Encoding.STEIM2 } as const;

describe('miniSEED against libmseed and ObsPy', () => {
  let dir: string;
  let manifest: { start: string; cases: Case[] };
  let python: string;

  before(() => {
    python = seismoPython();
    dir = mkdtempSync(join(tmpdir(), 'mseed-'));
    execFileSync(python, [join(here, 'write-fixtures.py'), dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes every encoding, record length, format and byte order the independent writers produce, every sample equal', () => {
    const startUs = Date.parse(manifest.start) * 1000 + 456;
    const seen = new Set<string>();
    assert.ok(manifest.cases.length >= 60, `only ${manifest.cases.length} fixture cases`);
    for (const c of manifest.cases) {
      const bytes = readFileSync(join(dir, c.file));
      const { records, errors } = decodeRecords(bytes);
      assert.deepEqual(errors, [], c.file);
      assert.ok(records.length >= 1, c.file);
      const samples = records.flatMap((r) => Array.from(r.samples));
      assert.equal(samples.length, c.samples.length, `${c.file}: sample count`);
      for (let i = 0; i < samples.length; i++) if (samples[i] !== c.samples[i]) assert.fail(`${c.file}: sample ${i} is ${samples[i]}, the writer wrote ${c.samples[i]}`);
      const first = records[0]!;
      assert.equal(first.format, c.format, c.file);
      assert.equal(first.encoding, ENCODINGS[c.encoding], c.file);
      assert.equal(first.startTimeUs, startUs, `${c.file}: start time`);
      assert.equal(first.sampleRateHz, 500, c.file);
      assert.equal(first.network, 'MN');
      assert.equal(first.station, 'G001');
      assert.equal(first.location, '00');
      // Records follow on without gaps: each starts where the samples before it end.
      let expected = startUs;
      for (const r of records) {
        assert.ok(Math.abs(r.startTimeUs - expected) <= 1, `${c.file}: record at ${r.offset} starts at ${r.startTimeUs}, expected ${expected}`);
        expected = r.startTimeUs + (r.samples.length * 1e6) / r.sampleRateHz;
      }
      if (c.format === 2) for (const r of records) assert.equal(r.length, c.recordLength, c.file);
      seen.add(`${c.format}-${c.byteOrder}-${c.encoding}`);
    }
    for (const encoding of Object.keys(ENCODINGS)) for (const variant of ['2-big', '3-little', '2-little']) assert.ok(seen.has(`${variant}-${encoding}`), `no ${variant} ${encoding} case`);
  });

  it('writes records libmseed 3 reads back with every sample equal (and CRCs it accepts)', () => {
    const base = Date.parse('2026-11-24T05:06:07Z') * 1000 + 123_456;
    const signal = Int32Array.from({ length: 2500 }, (_, i) => Math.round(80_000 * Math.exp(-i / 300) * Math.sin(i / 5) + ((i * 7919) % 41) - 20));
    const cases: [EncodingCode, (typeof signal) | Float64Array][] = [
      [Encoding.STEIM1, signal],
      [Encoding.STEIM2, signal],
      [Encoding.INT32, signal],
      [Encoding.INT16, signal.map((v) => v >> 3)],
      [Encoding.FLOAT64, Float64Array.from(signal, (v) => v / 7)],
    ];
    for (const [encoding, samples] of cases) {
      for (const format of [2, 3] as const) {
        for (const recordLength of [256, 512, 4096]) {
          const records = encodeRecords({ network: 'MN', station: 'G002', location: '', channel: 'HHE', startTimeUs: base, sampleRateHz: 500, samples }, { format, encoding, recordLength });
          const file = join(dir, `ours-${format}-${encoding}-${recordLength}.mseed`);
          writeFileSync(file, Buffer.concat(records));
          const read = JSON.parse(execFileSync(python, [join(here, 'read-records.py'), file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as { sourceid: string; starttime: number; samprate: number; encoding: number; formatversion: number; samples: number[] }[];
          const what = `format ${format}, encoding ${encoding}, ${recordLength} bytes`;
          assert.equal(read.length, records.length, what);
          assert.deepEqual(read.flatMap((r) => r.samples), Array.from(samples), what);
          assert.equal(read[0]!.sourceid, 'FDSN:MN_G002__H_H_E', what);
          assert.equal(read[0]!.starttime, base * 1000, what);
          assert.equal(read[0]!.samprate, 500, what);
          assert.equal(read[0]!.encoding, encoding, what);
          assert.equal(read[0]!.formatversion, format, what);
          // And our own decoder agrees with libmseed.
          assert.deepEqual(Array.from(decodeRecords(Buffer.concat(records)).records.flatMap((r) => Array.from(r.samples))), Array.from(samples), what);
        }
      }
    }
  });
});
