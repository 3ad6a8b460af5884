import type { SourceColumn, TargetColumn } from '../types.js';
import type { ChunkRequest } from '../sql.js';

/** The file formats a chunk is staged in, as BigQuery load jobs name them. */
export type StagingFormat = 'CSV' | 'NEWLINE_DELIMITED_JSON';

/** One chunk, ready for a BigQuery load. */
export interface Chunk {
  /** the rows in the reader's staging format, each with `_extracted_at` (arrays as JSON text, bytes as base64) */
  data: Buffer;
  rows: number;
  /** the last row's values as the database holds them, for the next chunk's keyset */
  last?: Record<string, unknown>;
}

/** A database the extractor reads from. */
export interface SourceReader {
  readonly kind: 'postgres' | 'oracle';
  readonly format: StagingFormat;
  describe(table: string): Promise<SourceColumn[]>;
  mapColumn(column: SourceColumn): TargetColumn;
  readChunk(request: ChunkRequest, extractedAt: string): Promise<Chunk>;
  /** rows the request would read without its limit, as the planner estimates them (for the ETA); undefined if unknown */
  estimateRows(request: ChunkRequest): Promise<number | undefined>;
  /** rows in the table (the SAP client's only), counted exactly */
  countRows(table: string, sapClient?: string): Promise<number>;
  close(): Promise<void>;
}
