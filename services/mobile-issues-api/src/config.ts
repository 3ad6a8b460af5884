import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv, Secret } from '@mine/platform';

export const MobileIssuesEnv = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8082 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  ISSUES_TOPIC: Type.String({ default: 'machinery-issues' }),
  DATABASE_URL: Secret(Type.String({ minLength: 1, description: 'PostgreSQL: accepted event ids and the read model' })),
  PG_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'mobile_issues' }),
  JWKS_URL: Type.Optional(Type.String({ description: "the identity provider's JWKS endpoint" })),
  JWKS_JSON: Type.Optional(Type.String({ description: 'a local JWKS (local stack and tests), used when JWKS_URL is not set' })),
  JWT_ISSUER: Type.String({ default: 'https://login.mine.example' }),
  JWT_AUDIENCE: Type.String({ default: 'mobile-issues-api' }),
  JWT_ALGORITHMS: Type.String({ pattern: '^(RS|PS|ES)(256|384|512)(,(RS|PS|ES)(256|384|512))*$', default: 'RS256,ES256', description: 'signature algorithms accepted (asymmetric only)' }),
  JWT_CLOCK_TOLERANCE_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 30, description: 'leeway for exp and nbf' }),
  PSEUDONYM_KEY: Secret(Type.String({ minLength: 16, description: 'HMAC key that pseudonymises user ids in analytics' })),
  MAX_BATCH: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
});
export type MobileIssuesConfig = Static<typeof MobileIssuesEnv>;

export const SinkEnv = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8086 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  SUBSCRIPTION: Type.String({ default: 'mobile-issues-sink.machinery-issues' }),
  DEAD_LETTER_TOPIC: Type.String({ default: 'machinery-issues-dead-letter' }),
  EVENTS_TABLE: Type.String({ default: 'raw_mobile.machinery_issue_events' }),
  BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 200 }),
  BATCH_MAX_WAIT_MS: Type.Integer({ minimum: 1, default: 500 }),
});
export type SinkConfig = Static<typeof SinkEnv>;
