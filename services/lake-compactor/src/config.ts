import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv } from '@mine/platform';

export const LakeCompactorEnv = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8084 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  SUBSCRIPTION: Type.String({ default: 'lake-compactor.sensor-readings' }),
  DEAD_LETTER_TOPIC: Type.String({ default: 'sensor-readings-dead-letter' }),
  LAKE_BUCKET: Type.String({ default: '', description: 'lake bucket; default <project>-lake' }),
  SPOOL_MAX_PACKETS: Type.Integer({ minimum: 1, default: 2000, description: 'packets per spool file at most' }),
  SPOOL_MAX_AGE_MS: Type.Integer({ minimum: 10, default: 10_000, description: 'how long a packet may wait for its spool file' }),
  MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 5000 }),
  WORK_DIR: Type.String({ default: '/tmp', description: 'scratch space for Parquet files (an emptyDir in Kubernetes)' }),
  STA_SECONDS: Type.Number({ exclusiveMinimum: 0, default: 0.5, description: 'STA/LTA short window for the hourly seismic event counts' }),
  LTA_SECONDS: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'STA/LTA long window (and warm-up) for the event counts' }),
  TRIGGER_RATIO: Type.Number({ exclusiveMinimum: 1, default: 4, description: 'STA/LTA ratio that counts as an event' }),
  DETRIGGER_RATIO: Type.Number({ exclusiveMinimum: 0, default: 1.5, description: 'STA/LTA ratio that ends an event' }),
  SETTLE_SECONDS: Type.Integer({ minimum: 0, default: 300, description: 'an hour is compacted once it ended this long ago; later packets are folded in by the next run' }),
  LEASE_SECONDS: Type.Integer({ minimum: 60, default: 1800, description: 'how long a run may hold an hour before another run may take it over (longer than one hour’s compaction)' }),
  DUCKDB_MEMORY_LIMIT: Type.String({ default: '1GB', description: 'DuckDB memory_limit; beyond it DuckDB spills to WORK_DIR' }),
  FRESHNESS_INTERVAL_SECONDS: Type.Integer({ minimum: 0, default: 60, description: 'how often the spool service measures how far the lake is behind (0: never)' }),
  RUN_COMPLETED_TOPIC: Type.String({ default: 'pipeline-runs', description: 'where the hourly job announces the features table to the quality gate' }),
  FEATURES_TABLE: Type.String({ default: 'ops.vibration_hourly', description: 'dataset.table the hourly features are loaded into; empty to skip' }),
});
export type LakeCompactorConfig = Static<typeof LakeCompactorEnv>;
