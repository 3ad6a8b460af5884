import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv, Secret } from '@mine/platform';

export const S3AvroSyncEnv = Type.Object({
  ...PlatformEnv,
  S3_BUCKET: Type.String({ minLength: 1, description: "the supplier's bucket" }),
  S3_PREFIX: Type.String({ default: '', description: 'prefix of the Avro files in it' }),
  S3_ENDPOINT: Type.Optional(Type.String({ description: 'S3-compatible endpoint (MinIO locally); unset for AWS' })),
  AWS_REGION: Type.String({ default: 'eu-west-1' }),
  AWS_ACCESS_KEY_ID: Type.Optional(Secret(Type.String())),
  AWS_SECRET_ACCESS_KEY: Type.Optional(Secret(Type.String())),
  S3_PAGE_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 }),
  LANDING_BUCKET: Type.String({ default: '', description: 'default <project>-landing' }),
  LANDING_PREFIX: Type.String({ default: 'rock-quality/' }),
  QUARANTINE_PREFIX: Type.String({ default: 'quarantine/rock-quality/' }),
  TARGET_TABLE: Type.String({ pattern: '^[A-Za-z0-9_]+\\.[A-Za-z0-9_]+$', default: 'raw_rock_quality.analyses' }),
  CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  AVRO_MAX_BLOCK_BYTES: Type.Integer({ minimum: 64 * 1024, default: 16 * 1024 * 1024, description: 'largest Avro block, stored and decompressed' }),
  SYNC_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10, default: 4, description: 'attempts per file, listing and manifest within one run' }),
  RUN_COMPLETED_TOPIC: Type.String({ default: 'pipeline-runs', description: 'where each run is announced to the quality gate' }),
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: '/metrics and /healthz while the job runs (0: off)' }),
});
export type S3AvroSyncConfig = Static<typeof S3AvroSyncEnv>;
