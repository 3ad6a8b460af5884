import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv } from '@mine/platform';

export const QualityGateEnv = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8089 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  SUBSCRIPTION: Type.String({ default: 'quality-gate.pipeline-runs' }),
  DEAD_LETTER_TOPIC: Type.String({ default: 'pipeline-runs-dead-letter' }),
  QUARANTINE_TABLE: Type.String({ pattern: '^[A-Za-z0-9_]+\\.[A-Za-z0-9_]+$', default: 'ops.quality_quarantine', description: 'dataset.table failing rows are kept in' }),
  QUARANTINE_LIMIT: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'failing rows kept per check and run' }),
  MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'run-completed messages handled at once (one table at a time)' }),
});
export type QualityGateConfig = Static<typeof QualityGateEnv>;
