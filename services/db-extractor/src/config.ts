import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv } from '@mine/platform';

export const DbExtractorEnv = Type.Object({
  ...PlatformEnv,
  PLAN_JSON: Type.String({ minLength: 2, description: 'the extraction plan (from a ConfigMap); connection strings are referenced by variable name' }),
  STAGING_BUCKET: Type.String({ default: '', description: 'default <project>-landing' }),
});
export type DbExtractorConfig = Static<typeof DbExtractorEnv>;
