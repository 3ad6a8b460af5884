import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ChunkRequest } from './sql.js';
import type { Chunk, SourceReader } from './sources/source.js';

const gzipAsync = promisify(gzip);

export interface KeyedChunk extends Chunk {
  /** the last row's values for the request's `order` columns: where the next chunk starts */
  key: unknown[];
}

/**
 * Reads a table chunk after chunk by keyset, one chunk ahead: the database
 * renders the next chunk while the caller compresses, stages and loads this one.
 * Ends after the first chunk shorter than the limit.
 */
export async function* keysetChunks(reader: SourceReader, request: ChunkRequest, extractedAt: () => string): AsyncGenerator<KeyedChunk> {
  let next = reader.readChunk(request, extractedAt());
  for (;;) {
    const chunk = await next;
    if (chunk.rows === 0 || !chunk.last) return;
    const last = chunk.last;
    const key = request.order.map((column) => last[column]);
    const more = chunk.rows >= request.limit;
    if (more) {
      next = reader.readChunk({ ...request, after: key }, extractedAt());
      // A caller that stops early leaves the read-ahead unobserved; its failure is not the caller's.
      next.catch(() => undefined);
    }
    yield { ...chunk, key };
    if (!more) return;
  }
}

/** gzip level 1 on libuv's thread pool: most of the size saving, off the event loop, beside the next read. */
export function compressChunk(data: Buffer): Promise<Buffer> {
  return gzipAsync(data, { level: 1 });
}
