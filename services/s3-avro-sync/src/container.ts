import avro from 'avsc';
import { AvroBoundsError, avroMinSize, checkAvroBounds } from '@mine/contracts';
import { BLOCK_DECODERS } from './codecs.js';
import { AvroFileError } from './errors.js';

/**
 * A bounded reader of Avro object container files (Avro 1.11 specification,
 * "Object Container Files"). avsc's BlockDecoder trusts the counts a file
 * claims, has no output limit on decompression, and ends quietly on a cut
 * block; this reader checks every length and count against the bytes there
 * are, decompresses within a limit, and names what is wrong with a file
 * (`corrupt`, `truncated`, `unsupported_codec`) in its own words.
 */
export interface ContainerLimits {
  /** header (magic, metadata, sync marker) */
  maxHeaderBytes: number;
  /** one block as stored (compressed) */
  maxBlockBytes: number;
  /** one block decompressed */
  maxDecompressedBlockBytes: number;
}

export const DEFAULT_CONTAINER_LIMITS: ContainerLimits = { maxHeaderBytes: 1024 * 1024, maxBlockBytes: 16 * 1024 * 1024, maxDecompressedBlockBytes: 16 * 1024 * 1024 };

export type AvroSchema = Record<string, unknown>;

export interface ContainerHeader {
  schema: unknown;
  codec: string;
  meta: Record<string, Buffer>;
  sync: Buffer;
}

export interface ContainerBlock {
  count: number;
  /** the block's records, decompressed */
  data: Buffer;
}

const MAGIC = Buffer.from('Obj\x01', 'latin1');
const META_TYPE = avro.Type.forSchema({ type: 'map', values: 'bytes' });

/** Pulls bytes from a stream only as far as asked, so memory stays one block. */
class ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Buffer>;
  /** bytes consumed so far, for messages */
  offset = 0;

  constructor(source: AsyncIterable<Buffer | string>) {
    this.iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** At least `n` bytes buffered (false: the stream ended first). */
  async ensure(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else {
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        this.chunks.push(chunk);
        this.buffered += chunk.length;
      }
    }
    return this.buffered >= n;
  }

  /** What is buffered, as one buffer (kept as one). */
  peek(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  take(n: number): Buffer {
    const all = this.peek();
    const taken = all.subarray(0, n);
    this.chunks = n < all.length ? [all.subarray(n)] : [];
    this.buffered -= n;
    this.offset += n;
    return taken;
  }

  get available(): number {
    return this.buffered;
  }

  get atEnd(): boolean {
    return this.ended && this.buffered === 0;
  }
}

/** A zig-zag varint at `pos`, or undefined when the bytes end inside it. */
function readLong(buf: Buffer, pos: number): { value: number; next: number } | undefined {
  let result = 0;
  let multiplier = 1;
  for (let i = 0; i < 10 && pos + i < buf.length; i++) {
    const byte = buf[pos + i]!;
    result += (byte & 0x7f) * multiplier;
    if (!(byte & 0x80)) {
      if (result > Number.MAX_SAFE_INTEGER) throw new AvroFileError('corrupt', 'a block header number is out of range');
      return { value: result % 2 === 0 ? result / 2 : -(result + 1) / 2, next: pos + i + 1 };
    }
    multiplier *= 128;
  }
  if (buf.length - pos >= 10) throw new AvroFileError('corrupt', 'a block header number is longer than 10 bytes');
  return undefined;
}

async function readHeader(input: ByteSource, limits: ContainerLimits): Promise<ContainerHeader> {
  if (!(await input.ensure(MAGIC.length))) throw new AvroFileError(input.available === 0 ? 'corrupt' : 'truncated', input.available === 0 ? 'the file is empty' : 'the file ends inside the Avro magic bytes');
  if (!input.peek().subarray(0, MAGIC.length).equals(MAGIC)) throw new AvroFileError('corrupt', 'not an Avro object container file (magic bytes differ)');
  // The metadata map's length is only known once it is read: read on until it is whole.
  let want = Math.min(4096, limits.maxHeaderBytes);
  for (;;) {
    const complete = await input.ensure(want);
    const buf = input.peek();
    try {
      const end = checkAvroBounds(META_TYPE, buf, MAGIC.length, Math.min(buf.length, limits.maxHeaderBytes));
      if (buf.length < end + 16) throw new AvroBoundsError('sync marker', 'truncated');
      const meta = META_TYPE.fromBuffer(buf.subarray(MAGIC.length, end)) as Record<string, Buffer>;
      input.take(end);
      const sync = Buffer.from(input.take(16));
      return parseMeta(meta, sync);
    } catch (error) {
      if (!(error instanceof AvroBoundsError)) throw error;
      if (error.kind === 'corrupt') throw new AvroFileError('corrupt', `the header is not valid Avro (${error.message})`);
      if (buf.length >= limits.maxHeaderBytes) throw new AvroFileError('corrupt', `the header is larger than ${limits.maxHeaderBytes} bytes`);
      if (!complete) throw new AvroFileError('truncated', 'the file ends inside its header');
      want = Math.min(want * 4, limits.maxHeaderBytes + 16);
    }
  }
}

function parseMeta(meta: Record<string, Buffer>, sync: Buffer): ContainerHeader {
  const codec = (meta['avro.codec'] ?? Buffer.from('null')).toString('utf8');
  if (!meta['avro.schema']) throw new AvroFileError('corrupt', 'the header has no avro.schema');
  let schema: unknown;
  try {
    schema = JSON.parse(meta['avro.schema'].toString('utf8'));
  } catch {
    throw new AvroFileError('corrupt', 'the header’s avro.schema is not JSON');
  }
  if (!Object.hasOwn(BLOCK_DECODERS, codec)) throw new AvroFileError('unsupported_codec', `codec ${JSON.stringify(codec.slice(0, 64))} is not one of the Avro specification's (null, deflate, snappy, bzip2, xz, zstandard)`);
  return { schema, codec, meta, sync };
}

/** The writer type of a header's schema; a schema avsc cannot read is a corrupt header. */
export function writerType(header: ContainerHeader): avro.Type {
  try {
    return avro.Type.forSchema(header.schema as avro.Schema);
  } catch (error) {
    throw new AvroFileError('corrupt', `the header’s avro.schema is not a valid Avro schema (${(error as Error).message.slice(0, 200)})`);
  }
}

export interface ContainerScan {
  header: ContainerHeader;
  records: number;
  blocks: number;
}

/**
 * Reads a whole container file: header, then every block, each decompressed
 * within the limit and its records checked against the writer schema.
 * `onHeader` may refuse the file (by throwing) before any block is read;
 * `onBlock` sees each block's decompressed records.
 */
export async function readAvroContainer(
  source: AsyncIterable<Buffer | string>,
  options: { limits?: ContainerLimits; onHeader?: (header: ContainerHeader, type: avro.Type) => void | Promise<void>; onBlock?: (block: ContainerBlock) => void | Promise<void> } = {},
): Promise<ContainerScan> {
  const limits = options.limits ?? DEFAULT_CONTAINER_LIMITS;
  const input = new ByteSource(source);
  const header = await readHeader(input, limits);
  const type = writerType(header);
  await options.onHeader?.(header, type);
  const minRecord = avroMinSize(type);
  const decode = BLOCK_DECODERS[header.codec]!;
  let records = 0;
  let blocks = 0;
  while (await input.ensure(1)) {
    const blockStart = input.offset;
    await input.ensure(20);
    const head = input.peek();
    const count = readLong(head, 0);
    const size = count && readLong(head, count.next);
    if (!count || !size) throw new AvroFileError('truncated', `the file ends inside the header of the block at byte ${blockStart}`);
    if (count.value < 0 || size.value < 0) throw new AvroFileError('corrupt', `block at byte ${blockStart} has a negative count or size`);
    if (size.value > limits.maxBlockBytes) throw new AvroFileError('corrupt', `block at byte ${blockStart} claims ${size.value} bytes, more than the ${limits.maxBlockBytes}-byte block limit`);
    if (!(await input.ensure(size.next + size.value + 16))) throw new AvroFileError('truncated', `the file ends inside the block at byte ${blockStart} (${size.value} bytes claimed)`);
    input.take(size.next);
    const stored = input.take(size.value);
    if (!input.take(16).equals(header.sync)) throw new AvroFileError('corrupt', `the sync marker after the block at byte ${blockStart} differs from the header's`);
    const data = await decode(stored, limits.maxDecompressedBlockBytes);
    checkRecords(type, data, count.value, minRecord, blockStart);
    await options.onBlock?.({ count: count.value, data });
    records += count.value;
    blocks += 1;
  }
  return { header, records, blocks };
}

function checkRecords(type: avro.Type, data: Buffer, count: number, minRecord: number, blockStart: number): void {
  if (minRecord > 0 ? count * minRecord > data.length : count > 1_000_000) throw new AvroFileError('corrupt', `block at byte ${blockStart} claims ${count} records, its ${data.length} bytes cannot hold them`);
  let pos = 0;
  try {
    for (let i = 0; i < count; i++) pos = checkAvroBounds(type, data, pos);
  } catch (error) {
    if (error instanceof AvroBoundsError) throw new AvroFileError('corrupt', `a record of the block at byte ${blockStart} does not match the writer schema (${error.message})`);
    throw error;
  }
  if (pos !== data.length) throw new AvroFileError('corrupt', `block at byte ${blockStart} has ${data.length - pos} bytes after its ${count} records`);
}
