import type { SourceColumn, TargetColumn } from '../types.js';
import type { ChunkRequest } from '../sql.js';

/** One chunk, ready for a BigQuery JSON load. */
export interface Chunk {
  /** NDJSON, one row per line, each with `_extracted_at` */
  ndjson: Buffer;
  rows: number;
  /** the last row's values as the database holds them, for the next chunk's keyset */
  last?: Record<string, unknown>;
}

/** A database the extractor reads from. */
export interface SourceReader {
  readonly kind: 'postgres' | 'oracle';
  describe(table: string): Promise<SourceColumn[]>;
  mapColumn(column: SourceColumn): TargetColumn;
  readChunk(request: ChunkRequest, extractedAt: string): Promise<Chunk>;
  /** rows the request would read without its limit, as the planner estimates them (for the ETA); undefined if unknown */
  estimateRows(request: ChunkRequest): Promise<number | undefined>;
  close(): Promise<void>;
}
