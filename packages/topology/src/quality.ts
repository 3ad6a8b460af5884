import type { ServiceName } from './types.js';

/**
 * One quality check of a loaded table. `block` (the default) keeps the table
 * from being published when it fails; `warn` records and alerts only.
 */
export type CheckSpec = { severity?: 'block' | 'warn' } & (
  | { kind: 'schema'; columns: Record<string, string> }
  | { kind: 'row_count' }
  | { kind: 'unique_key'; columns: string[] }
  | { kind: 'range'; column: string; min?: number; max?: number; nullable?: boolean }
  | { kind: 'freshness'; column: string; maxLagSeconds: number }
);

/**
 * Write-audit-publish for one table a batch stage loads: the loader writes
 * `table`, the quality gate audits it when the loader's run-completed message
 * arrives, and only if every blocking check passes copies it to `publishAs`,
 * the table the marts read. A failing check leaves the last good copy in place.
 */
export interface QualityGateSpec {
  /** dataset.table as the loader writes it */
  table: string;
  /** curated.table the marts read */
  publishAs: string;
  /** the stage that loads `table` */
  loader: ServiceName;
  /** how old the published copy may get before the dataset is late (the freshness objective) */
  freshnessObjectiveSeconds: number;
  checks: CheckSpec[];
}

const HOUR = 3600;

const erpKeys = { afru: ['MANDT', 'RUECK', 'RMZHL'], cobk: ['MANDT', 'KOKRS', 'BELNR'], coep: ['MANDT', 'KOKRS', 'BELNR', 'BUZEI'] } as const;

export const qualityGates: QualityGateSpec[] = [
  {
    table: 'raw_production.extraction_records',
    publishAs: 'curated.extraction_records',
    loader: 'db-extractor',
    freshnessObjectiveSeconds: 3 * HOUR,
    checks: [
      { kind: 'schema', columns: { id: 'INT64', pit: 'STRING', bench: 'STRING', shift_date: 'DATE', tonnes: 'NUMERIC', _extracted_at: 'TIMESTAMP' } },
      { kind: 'row_count' },
      { kind: 'unique_key', columns: ['id'] },
      // The largest haul truck carries about 400 t; a record is one load.
      { kind: 'range', column: 'tonnes', min: 0, max: 1000 },
      { kind: 'freshness', column: '_extracted_at', maxLagSeconds: 3 * HOUR, severity: 'warn' },
    ],
  },
  {
    table: 'raw_rock_quality.analyses',
    publishAs: 'curated.rock_quality_analyses',
    loader: 's3-avro-sync',
    freshnessObjectiveSeconds: 26 * HOUR,
    checks: [
      { kind: 'schema', columns: { sampleId: 'STRING', siteId: 'STRING', pitId: 'STRING', bench: 'STRING', sampledAt: 'TIMESTAMP', ucsMpa: 'FLOAT64', rqdPercent: 'FLOAT64', gradeCuPercent: 'FLOAT64' } },
      { kind: 'row_count' },
      { kind: 'unique_key', columns: ['sampleId'] },
      { kind: 'range', column: 'rqdPercent', min: 0, max: 100 },
      { kind: 'range', column: 'gradeCuPercent', min: 0, max: 100 },
      { kind: 'range', column: 'ucsMpa', min: 0, max: 500 },
      { kind: 'freshness', column: '_loaded_at', maxLagSeconds: 26 * HOUR, severity: 'warn' },
    ],
  },
  ...Object.entries(erpKeys).map(([table, key]) => ({
    table: `raw_erp.${table}`,
    publishAs: `curated.${table}`,
    loader: 'db-extractor' as const,
    freshnessObjectiveSeconds: 3 * HOUR,
    checks: [{ kind: 'row_count' as const }, { kind: 'unique_key' as const, columns: [...key] }, { kind: 'freshness' as const, column: '_extracted_at', maxLagSeconds: 3 * HOUR, severity: 'warn' as const }],
  })),
  {
    table: 'ops.vibration_hourly',
    publishAs: 'curated.vibration_hourly',
    loader: 'lake-compactor',
    freshnessObjectiveSeconds: 2 * HOUR,
    checks: [
      { kind: 'unique_key', columns: ['site', 'sensorId', 'hourStart'] },
      { kind: 'range', column: 'ppvMaxMmS', min: 0, max: 2000 },
      { kind: 'range', column: 'gaps', min: 0 },
      { kind: 'freshness', column: 'hourStart', maxLagSeconds: 2 * HOUR, severity: 'warn' },
    ],
  },
];

/** The gate of a loaded table, if it has one. */
export const qualityGateOf = (table: string): QualityGateSpec | undefined => qualityGates.find((g) => g.table === table);
