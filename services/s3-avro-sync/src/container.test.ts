import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import avro from 'avsc';
import { fc, fuzzSurface } from '@mine/testkit';
import { AVRO_CODECS, fastavroFile } from '../test/fastavro.js';
import { ENCODE_CODECS } from './avro.js';
import { readAvroContainer, type ContainerLimits } from './container.js';
import { AvroFileError } from './errors.js';
import { ROCK_QUALITY_SCHEMA } from './expected-schema.js';

const analysis = (i: number) => ({
  sampleId: `S-${i}`, siteId: 'north-pit', pitId: 'P2', bench: `B${i % 4}`, sampledAt: 1_780_000_000_000 + i, analysedAt: 1_780_000_100_000 + i,
  lab: 'GeoLab', rockType: 'andesite', ucsMpa: 80 + i, rqdPercent: 60, densityTPerM3: 2.7, gradeCuPercent: 0.45, moisturePercent: i % 3 ? null : 2.5,
});
const records = Array.from({ length: 300 }, (_, i) => analysis(i));
const type = avro.Type.forSchema(ROCK_QUALITY_SCHEMA as never);
/** Split into chunks the way a network stream arrives. */
const stream = (file: Buffer, chunk = 977) => Readable.from(Array.from({ length: Math.ceil(file.length / chunk) }, (_, i) => file.subarray(i * chunk, (i + 1) * chunk)));

async function readAll(file: Buffer, limits?: ContainerLimits) {
  const decoded: unknown[] = [];
  const scan = await readAvroContainer(stream(file), {
    limits,
    onBlock: ({ count, data }) => {
      let pos = 0;
      for (let i = 0; i < count; i++) {
        const { value, offset } = type.decode(data, pos);
        decoded.push({ ...(value as object) });
        pos = offset;
      }
    },
  });
  return { scan, decoded };
}

async function refusal(file: Buffer, limits?: ContainerLimits): Promise<AvroFileError> {
  try {
    await readAll(file, limits);
  } catch (error) {
    assert.ok(error instanceof AvroFileError, `an AvroFileError, not ${String(error)}`);
    return error;
  }
  assert.fail('the file was accepted');
}

const files = Object.fromEntries(AVRO_CODECS.map((codec) => [codec, fastavroFile(ROCK_QUALITY_SCHEMA, records, codec, 2000)]));

test('files fastavro writes in every codec of the Avro specification read back record for record', async () => {
  for (const codec of AVRO_CODECS) {
    const { scan, decoded } = await readAll(files[codec]!);
    assert.equal(scan.header.codec, codec);
    assert.equal(scan.records, 300, codec);
    assert.ok(scan.blocks > 1, `${codec}: several blocks`);
    assert.deepEqual(decoded, records, codec);
  }
});

test('a file cut anywhere is truncated, a flipped sync marker or block is corrupt, an unknown codec is unsupported_codec', async () => {
  for (const codec of AVRO_CODECS) {
    const file = files[codec]!;
    for (const at of [3, 40, Math.floor(file.length / 2), file.length - 1]) {
      const error = await refusal(file.subarray(0, at));
      assert.equal(error.reason, 'truncated', `${codec} cut at ${at}: ${error.detail}`);
    }
    const flipped = Buffer.from(file);
    flipped[file.length - 3] = flipped[file.length - 3]! ^ 0xff; // inside the last sync marker
    assert.equal((await refusal(flipped)).reason, 'corrupt', codec);
  }
  const lz4 = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    const encoder = new avro.streams.BlockEncoder(type, { codec: 'lz4', codecs: { ...ENCODE_CODECS, lz4: ENCODE_CODECS.null } as never });
    encoder.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
    encoder.end(records[0]);
  });
  const error = await refusal(lz4);
  assert.equal(error.reason, 'unsupported_codec');
  assert.match(error.detail, /"lz4" is not one of/);
  assert.equal((await refusal(Buffer.from('PAR1 not avro at all'))).reason, 'corrupt');
  assert.equal((await refusal(Buffer.alloc(0))).reason, 'corrupt');
});

test('a block that expands past the limit is refused while it decompresses, in every codec', async () => {
  const schema = { type: 'record', name: 'Blob', fields: [{ name: 'b', type: 'string' }] };
  const limits = { maxHeaderBytes: 65536, maxBlockBytes: 1024 * 1024, maxDecompressedBlockBytes: 1024 * 1024 };
  for (const codec of AVRO_CODECS.filter((c) => c !== 'null')) {
    // 8 MiB of one character compresses to a few kilobytes (under the 1 MiB stored-block limit).
    const bomb = fastavroFile(schema, [{ b: 'a'.repeat(8 * 1024 * 1024) }], codec);
    assert.ok(bomb.length < 1024 * 1024, `${codec}: ${bomb.length} bytes stored`);
    const error = await refusal(bomb, limits);
    assert.equal(error.reason, 'corrupt', codec);
    assert.match(error.detail, /expands past the 1048576-byte block limit/, codec);
  }
  const stored = await refusal(files.null!, { ...limits, maxBlockBytes: 100 });
  assert.match(stored.detail, /more than the 100-byte block limit/);
});

test('a block claiming more records than its bytes hold is corrupt, not an allocation', async () => {
  const file = Buffer.from(files.null!);
  // The first block follows the header: find its count by re-reading the header's length.
  const syncAt = file.indexOf(file.subarray(file.length - 16), 4);
  const blockAt = syncAt + 16;
  const huge = avro.Type.forSchema('long').toBuffer(2 ** 40);
  const rest = file.subarray(blockAt);
  const countLength = avro.Type.forSchema('long').decode(rest, 0).offset;
  const error = await refusal(Buffer.concat([file.subarray(0, blockAt), huge, rest.subarray(countLength)]));
  assert.equal(error.reason, 'corrupt');
  assert.match(error.detail, /claims 1099511627776 records/);
});

test('Avro files: any mutation of a valid file is read or refused with a stable reason, never another exception', async () => {
  const seeds = AVRO_CODECS.map((codec) => fastavroFile(ROCK_QUALITY_SCHEMA, records.slice(0, 20), codec, 500));
  const mutated = fc.tuple(fc.nat(seeds.length - 1), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom('flip', 'insert', 'cut', 'overwrite')).map(([which, where, bytes, how]) => {
    const file = seeds[which]!;
    const at = where % file.length;
    if (how === 'cut') return file.subarray(0, at);
    if (how === 'insert') return Buffer.concat([file.subarray(0, at), bytes, file.subarray(at)]);
    const copy = Buffer.from(file);
    if (how === 'flip') copy[at] = copy[at]! ^ (bytes[0]! || 1);
    else copy.set(bytes.subarray(0, file.length - at), at);
    return copy;
  });
  await fuzzSurface('Avro file', fc.oneof(mutated, fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.concat([Buffer.from('Obj\x01', 'latin1'), b]))), async (file) => {
    try {
      await readAvroContainer(stream(file, 311), { limits: { maxHeaderBytes: 65536, maxBlockBytes: 1024 * 1024, maxDecompressedBlockBytes: 4 * 1024 * 1024 } });
    } catch (error) {
      assert.ok(error instanceof AvroFileError, `refused with a reason, not ${(error as Error)?.stack}`);
      assert.ok(['corrupt', 'truncated', 'unsupported_codec'].includes(error.reason));
    }
  }, 1500);
});
