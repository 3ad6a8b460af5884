import type { SourceColumn, TargetColumn } from '../types.js';
import type { ChunkRequest } from '../sql.js';

/** A database the extractor reads from; rows come back as JSON-ready objects for a BigQuery load. */
export interface SourceReader {
  readonly kind: 'postgres' | 'oracle';
  describe(table: string): Promise<SourceColumn[]>;
  mapColumn(column: SourceColumn): TargetColumn;
  /**
   * One chunk as NDJSON lines ready for a BigQuery load (with `_extracted_at`), and the
   * last row's values as the database holds them, for the next chunk's keyset.
   */
  readChunk(request: ChunkRequest, extractedAt: string): Promise<{ lines: string[]; last?: Record<string, unknown> }>;
  close(): Promise<void>;
}
