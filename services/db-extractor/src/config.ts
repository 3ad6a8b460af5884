import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv } from '@mine/platform';

export const DbExtractorEnv = Type.Object({
  ...PlatformEnv,
  PLAN_JSON: Type.String({ minLength: 2, description: 'the extraction plan (from a ConfigMap); connection strings are referenced by variable name' }),
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: '/metrics and /healthz while the job runs (0: off)' }),
  STAGING_BUCKET: Type.String({ default: '', description: 'default <project>-landing' }),
  RUN_COMPLETED_TOPIC: Type.String({ default: 'pipeline-runs', description: 'where each copied table is announced to the quality gate' }),
});
export type DbExtractorConfig = Static<typeof DbExtractorEnv>;
