import { Writable } from 'node:stream';
import avro from 'avsc';

/**
 * The batch layer's sources as a mine has them: the production app's
 * PostgreSQL (extraction records per pit, bench and shift) and the
 * rock-quality supplier's Avro deliveries. Used by `./dev up` (sample data
 * that changes over time) and by the end-to-end tests.
 */

/** Anything that runs SQL with $n parameters (a pg Client or Pool). */
export interface SqlClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export const PRODUCTION_SCHEMA_SQL = `
  CREATE TABLE IF NOT EXISTS extraction_records (
    id bigint PRIMARY KEY, pit text NOT NULL, bench text NOT NULL, shift_date date NOT NULL,
    tonnes numeric(12,3) NOT NULL, measured_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
  CREATE INDEX IF NOT EXISTS extraction_records_updated ON extraction_records (updated_at, id);`;

const PITS = ['P1', 'P2', 'P3'];
const BENCHES = ['B1', 'B2', 'B3', 'B4'];

/**
 * Adds `count` truck loads recorded now (ids after the largest one) and
 * re-weighs `updates` earlier ones, as the production app does during a shift.
 * Returns the ids written.
 */
export async function recordLoads(db: SqlClient, { count, updates = 0, now = new Date() }: { count: number; updates?: number; now?: Date }): Promise<{ inserted: number; updated: number }> {
  await db.query(PRODUCTION_SCHEMA_SQL);
  const [{ next }] = (await db.query('SELECT COALESCE(MAX(id), 0) + 1 AS next FROM extraction_records')).rows as [{ next: string }];
  const first = Number(next);
  if (count > 0) {
    await db.query(
      `INSERT INTO extraction_records (id, pit, bench, shift_date, tonnes, measured_at, updated_at)
       SELECT i, ($2::text[])[1 + i % 3], ($3::text[])[1 + i % 4], ($4::timestamptz)::date, 180 + (i * 37) % 220, $4::timestamptz - (i % 60) * INTERVAL '1 minute', $4::timestamptz
       FROM generate_series($1::bigint, $1::bigint + $5 - 1) AS i`,
      [first, PITS, BENCHES, now.toISOString(), count],
    );
  }
  let updated = 0;
  if (updates > 0 && first > 1) {
    const result = await db.query(
      `UPDATE extraction_records SET tonnes = tonnes + 1.5, updated_at = $1 WHERE id IN (SELECT id FROM extraction_records ORDER BY id DESC OFFSET $2 LIMIT $3) RETURNING id`,
      [now.toISOString(), count, updates],
    );
    updated = result.rows.length;
  }
  return { inserted: count, updated };
}

/** The supplier's schema (theirs: s3-avro-sync checks deliveries against the one it expects). */
const SUPPLIER_SCHEMA = {
  type: 'record',
  name: 'RockQualityAnalysis',
  namespace: 'com.supplier.rockquality',
  fields: [
    { name: 'sampleId', type: 'string' },
    { name: 'siteId', type: 'string' },
    { name: 'pitId', type: 'string' },
    { name: 'bench', type: 'string' },
    { name: 'sampledAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'analysedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'lab', type: 'string' },
    { name: 'rockType', type: 'string' },
    { name: 'ucsMpa', type: 'double' },
    { name: 'rqdPercent', type: 'double' },
    { name: 'densityTPerM3', type: 'double' },
    { name: 'gradeCuPercent', type: 'double' },
    { name: 'moisturePercent', type: ['null', 'double'], default: null },
  ],
};

/** timestamp-millis kept as a logical type, so the file's schema carries the annotation as the supplier's does. */
class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(value: number) {
    return new Date(value);
  }
  override _toValue(value: Date | number) {
    return value instanceof Date ? value.getTime() : value;
  }
  override _resolve(type: avro.Type) {
    return avro.Type.isType(type, 'long', 'logical:timestamp-millis') ? this._fromValue.bind(this) : undefined;
  }
}
const analysisType = avro.Type.forSchema(SUPPLIER_SCHEMA as never, { logicalTypes: { 'timestamp-millis': TimestampMillis } as never });

export interface RockQualityDelivery {
  /** object key, e.g. deliveries/2026-11-24/analyses-1732431600000.avro */
  key: string;
  body: Buffer;
  records: number;
}

/**
 * One delivery of `samples` analyses taken before `at` (sample ids unique per
 * delivery time), as an Avro container file with the deflate codec.
 */
export async function rockQualityDelivery({ samples, at = new Date(), prefix = 'deliveries/', rqdPercent }: { samples: number; at?: Date; prefix?: string; rqdPercent?: number }): Promise<RockQualityDelivery> {
  const chunks: Buffer[] = [];
  const encoder = new avro.streams.BlockEncoder(analysisType, { codec: 'deflate' });
  const done = new Promise<void>((resolve, reject) => {
    encoder.pipe(new Writable({ write: (chunk, _e, cb) => (chunks.push(chunk), cb()) })).on('finish', resolve).on('error', reject);
  });
  const stamp = at.getTime();
  for (let i = 0; i < samples; i++) {
    encoder.write({
      sampleId: `RQ-${stamp}-${i}`,
      siteId: 'north-pit',
      pitId: PITS[i % PITS.length],
      bench: BENCHES[i % BENCHES.length],
      sampledAt: new Date(stamp - (i + 1) * 600_000),
      analysedAt: new Date(stamp - 60_000),
      lab: 'GeoLab',
      rockType: i % 2 ? 'andesite' : 'diorite',
      ucsMpa: 60 + ((i * 13) % 120),
      rqdPercent: rqdPercent ?? 40 + ((i * 7) % 55),
      densityTPerM3: 2.6 + (i % 5) / 20,
      gradeCuPercent: 0.3 + (i % 9) / 20,
      moisturePercent: i % 3 ? 2.5 : null,
    });
  }
  encoder.end();
  await done;
  return { key: `${prefix}${at.toISOString().slice(0, 10)}/analyses-${stamp}.avro`, body: Buffer.concat(chunks), records: samples };
}
