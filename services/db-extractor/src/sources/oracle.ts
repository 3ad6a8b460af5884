import oracledb from 'oracledb';
import type { ChunkRequest } from '../sql.js';
import { oracleChunk, oracleCount } from '../sql.js';
import { mapOracleColumn, sapDate, sapTime, type SourceColumn, type TargetColumn } from '../types.js';
import type { Chunk, SourceReader } from './source.js';

/**
 * SAP ERP tables on Oracle, read with node-oracledb in thin mode (no Oracle
 * client libraries). Not exercised here without an Oracle server: its SQL and
 * type mapping are unit-tested, and test/oracle.test.ts runs against a real
 * database when ORACLE_URL is set (docker compose starts Oracle Free).
 */
export class OracleReader implements SourceReader {
  readonly kind = 'oracle' as const;
  readonly format = 'NEWLINE_DELIMITED_JSON' as const;
  private connection?: oracledb.Connection;

  constructor(
    private readonly connectString: string,
    private readonly sap: { dats?: string[]; tims?: string[]; numc?: string[] } = {},
  ) {}

  /** oracle://user:password@host:port/service */
  private async connect(): Promise<oracledb.Connection> {
    if (this.connection) return this.connection;
    const url = new URL(this.connectString);
    this.connection = await oracledb.getConnection({
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      connectString: `${url.hostname}:${url.port || 1521}${url.pathname}`,
    });
    return this.connection;
  }

  async describe(table: string): Promise<SourceColumn[]> {
    const [owner, name] = table.toUpperCase().split('.');
    const connection = await this.connect();
    const result = await connection.execute<{ COLUMN_NAME: string; DATA_TYPE: string; NULLABLE: string; DATA_PRECISION: number | null; DATA_SCALE: number | null }>(
      `SELECT column_name, data_type, nullable, data_precision, data_scale FROM all_tab_columns WHERE owner = :owner AND table_name = :name ORDER BY column_id`,
      { owner, name },
      { outFormat: oracledb.OUT_FORMAT_OBJECT },
    );
    const rows = result.rows ?? [];
    if (rows.length === 0) throw new Error(`table ${table} not found`);
    return rows.map((r) => ({ name: r.COLUMN_NAME, dbType: r.DATA_TYPE, nullable: r.NULLABLE === 'Y', precision: r.DATA_PRECISION, scale: r.DATA_SCALE }));
  }

  mapColumn(column: SourceColumn): TargetColumn {
    return mapOracleColumn(column, this.sap);
  }

  async readChunk(request: ChunkRequest, extractedAt: string): Promise<Chunk> {
    const { sql, params } = oracleChunk(request);
    const connection = await this.connect();
    const result = await connection.execute<Record<string, unknown>>(sql, params as oracledb.BindParameters, {
      outFormat: oracledb.OUT_FORMAT_OBJECT,
      // LOBs as values, NUMBER as strings: no float rounding of SAP amounts.
      fetchInfo: {},
      fetchTypeHandler: (metadata) => {
        if (metadata.dbType === oracledb.DB_TYPE_NUMBER) return { type: oracledb.STRING };
        if (metadata.dbType === oracledb.DB_TYPE_CLOB || metadata.dbType === oracledb.DB_TYPE_NCLOB) return { type: oracledb.STRING };
        if (metadata.dbType === oracledb.DB_TYPE_BLOB) return { type: oracledb.BUFFER };
        return undefined;
      },
    });
    const raw = result.rows ?? [];
    const rows = raw.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) {
        if (this.sap.dats?.includes(key)) out[key] = sapDate(value as string | null);
        else if (this.sap.tims?.includes(key)) out[key] = sapTime(value as string | null);
        else out[key] = value instanceof Date ? value.toISOString() : Buffer.isBuffer(value) ? value.toString('base64') : value;
      }
      return out;
    });
    // Keys for the next chunk come from the raw values: the keyset compares what the database holds.
    const data = Buffer.from(rows.map((r) => `${JSON.stringify({ ...r, _extracted_at: extractedAt })}\n`).join(''));
    return { data, rows: rows.length, ...(raw.length ? { last: raw[raw.length - 1] } : {}) };
  }

  /** Not estimated: Oracle's optimizer figures need EXPLAIN PLAN into a plan table; progress is shown without an ETA. */
  async estimateRows(): Promise<number | undefined> {
    return undefined;
  }

  async countRows(table: string, sapClient?: string): Promise<number> {
    const { sql, params } = oracleCount(table, sapClient);
    const connection = await this.connect();
    const result = await connection.execute<{ N: number }>(sql, params as oracledb.BindParameters, { outFormat: oracledb.OUT_FORMAT_OBJECT });
    return Number(result.rows?.[0]?.N ?? 0);
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }
}
