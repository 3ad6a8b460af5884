import type { SourceColumn, TargetColumn } from '../types.js';
import type { ChunkRequest } from '../sql.js';

/** A database the extractor reads from; rows come back as JSON-ready objects for a BigQuery load. */
export interface SourceReader {
  readonly kind: 'postgres' | 'oracle';
  describe(table: string): Promise<SourceColumn[]>;
  mapColumn(column: SourceColumn): TargetColumn;
  /** `rows` ready for BigQuery; `raw` as the database returned them, for the next chunk's keyset */
  readChunk(request: ChunkRequest): Promise<{ rows: Record<string, unknown>[]; raw: Record<string, unknown>[] }>;
  close(): Promise<void>;
}
