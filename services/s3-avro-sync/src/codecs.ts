import { promisify } from 'node:util';
import zlib from 'node:zlib';
import crc32 from 'crc-32';
import snappy from 'snappyjs';
import { Decompress as ZstdDecompress } from 'fzstd';
import unbzip2Stream from 'unbzip2-stream';
import * as xzModule from 'xz-decompress';
import { AvroFileError } from './errors.js';

/**
 * Decoders for every codec of the Avro specification, each with an output
 * limit: a block that would expand past it is refused as corrupt while it is
 * being decompressed, before the memory is spent (a few kilobytes of deflate
 * or snappy can claim hundreds of megabytes).
 */
export type BlockDecoder = (data: Buffer, maxOutputBytes: number) => Promise<Buffer>;

// A webpack bundle: Node's ESM loader sees no named exports in it, only the CommonJS default.
const { XzReadableStream } = (xzModule as unknown as { default?: typeof xzModule }).default ?? xzModule;

const tooLarge = (codec: string, limit: number) => new AvroFileError('corrupt', `a ${codec} block expands past the ${limit}-byte block limit`);
const broken = (codec: string, error: unknown) => new AvroFileError('corrupt', `${codec} block does not decompress (${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'})`);

const inflateRaw = promisify(zlib.inflateRaw);

/** Collects chunks, refusing the block as soon as they pass the limit. */
class LimitedOutput {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;
  constructor(
    private readonly codec: string,
    private readonly limit: number,
  ) {}
  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) throw tooLarge(this.codec, this.limit);
    this.chunks.push(chunk);
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks, this.bytes);
  }
}

async function deflateDecode(data: Buffer, limit: number): Promise<Buffer> {
  try {
    return await inflateRaw(data, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('deflate', limit);
    throw broken('deflate', error);
  }
}

/** Snappy states its uncompressed length up front (a varint): checked before anything is allocated. */
async function snappyDecode(data: Buffer, limit: number): Promise<Buffer> {
  if (data.length < 5) throw new AvroFileError('corrupt', 'snappy block shorter than its checksum');
  const body = data.subarray(0, data.length - 4);
  let claimed = 0;
  for (let i = 0, shift = 1; i < Math.min(5, body.length); i++, shift *= 128) {
    claimed += (body[i]! & 0x7f) * shift;
    if (!(body[i]! & 0x80)) break;
  }
  if (claimed > limit) throw tooLarge('snappy', limit);
  let out: Buffer;
  try {
    out = Buffer.from(snappy.uncompress(body));
  } catch (error) {
    throw broken('snappy', error);
  }
  if ((crc32.buf(out) >>> 0) !== data.readUInt32BE(data.length - 4)) throw new AvroFileError('corrupt', 'snappy block checksum mismatch');
  return out;
}

async function bzip2Decode(data: Buffer, limit: number): Promise<Buffer> {
  const output = new LimitedOutput('bzip2', limit);
  return new Promise((resolve, reject) => {
    const stream = unbzip2Stream();
    stream.on('data', (chunk: Buffer) => {
      try {
        output.push(chunk);
      } catch (error) {
        stream.destroy();
        reject(error);
      }
    });
    stream.on('error', (error: unknown) => reject(broken('bzip2', error)));
    stream.on('end', () => resolve(output.buffer()));
    stream.end(data);
  });
}

async function xzDecode(data: Buffer, limit: number): Promise<Buffer> {
  const output = new LimitedOutput('xz', limit);
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.length));
      controller.close();
    },
  });
  const reader = new XzReadableStream(source).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return output.buffer();
      output.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error instanceof AvroFileError ? error : broken('xz', error);
  }
}

/**
 * fzstd allocates each frame's declared window before decoding it, so every
 * frame header is read first and a window or content size past the limit is
 * refused (frames are walked by their block headers, RFC 8878 §3.1).
 */
function checkZstdFrames(data: Buffer, limit: number): void {
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 8) throw new AvroFileError('corrupt', 'zstandard block ends inside a frame header');
    const magic = data.readUInt32LE(pos);
    if (magic >>> 4 === 0x184d2a5) {
      pos += 8 + data.readUInt32LE(pos + 4); // skippable frame
      continue;
    }
    if (magic !== 0xfd2fb528) throw new AvroFileError('corrupt', 'zstandard block without a frame magic number');
    const descriptor = data[pos + 4]!;
    const singleSegment = (descriptor >> 5) & 1;
    const contentSizeFlag = descriptor >> 6;
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
    const hasChecksum = (descriptor >> 2) & 1;
    let at = pos + 5;
    let window = 0;
    if (!singleSegment) {
      const wd = data[at++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    at += dictionaryBytes;
    const sizeBytes = contentSizeFlag ? 1 << contentSizeFlag : singleSegment;
    if (at + sizeBytes > data.length) throw new AvroFileError('corrupt', 'zstandard block ends inside a frame header');
    let contentSize = 0;
    for (let i = sizeBytes - 1; i >= 0; i--) contentSize = contentSize * 256 + data[at + i]!;
    if (sizeBytes === 2) contentSize += 256;
    at += sizeBytes;
    if (Math.max(window, contentSize) > limit) throw tooLarge('zstandard', limit);
    for (;;) {
      if (at + 3 > data.length) throw new AvroFileError('corrupt', 'zstandard block ends inside a frame');
      const header = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
      const last = header & 1;
      const type = (header >> 1) & 3;
      at += 3 + (type === 1 ? 1 : header >>> 3);
      if (last) break;
    }
    pos = at + hasChecksum * 4;
  }
}

async function zstdDecode(data: Buffer, limit: number): Promise<Buffer> {
  checkZstdFrames(data, limit);
  const output = new LimitedOutput('zstandard', limit);
  const stream = new ZstdDecompress((chunk) => output.push(chunk));
  try {
    stream.push(new Uint8Array(data.buffer, data.byteOffset, data.length), true);
  } catch (error) {
    throw error instanceof AvroFileError ? error : broken('zstandard', error);
  }
  return output.buffer();
}

/** The Avro specification's codecs, by the name a file's `avro.codec` gives. */
export const BLOCK_DECODERS: Record<string, BlockDecoder> = {
  null: async (data, limit) => {
    if (data.length > limit) throw tooLarge('null', limit);
    return data;
  },
  deflate: deflateDecode,
  snappy: snappyDecode,
  bzip2: bzip2Decode,
  xz: xzDecode,
  zstandard: zstdDecode,
};

/** Avro's snappy codec for writing: each block snappy-compressed, then the CRC32 of the uncompressed bytes. */
export function snappyEncode(buffer: Buffer, callback: (error: Error | null, data?: Buffer) => void): void {
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32.buf(buffer) >>> 0);
  callback(null, Buffer.concat([Buffer.from(snappy.compress(buffer)), checksum]));
}
