import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { ConfigError, PlatformEnv, Secret, describeConfig, loadConfig } from './config.js';

const Schema = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  MAX_BATCH: Type.Integer({ minimum: 1 }),
  ENABLED: Type.Boolean({ default: false }),
  DB_PASSWORD: Secret(Type.String({ minLength: 8 })),
});

test('applies defaults and converts strings', () => {
  const config = loadConfig(Schema, { MAX_BATCH: '50', ENABLED: 'true', DB_PASSWORD: 'correct horse' });
  assert.equal(config.PORT, 8080);
  assert.equal(config.MAX_BATCH, 50);
  assert.equal(config.ENABLED, true);
  assert.equal(config.GCP_PROJECT_ID, 'mine-local');
  assert.equal(config.LOG_LEVEL, 'info');
});

test('one error lists every problem, and never shows a secret', () => {
  let error: unknown;
  try {
    loadConfig(Schema, { PORT: '99999', LOG_LEVEL: 'loud', DB_PASSWORD: 'short' });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError);
  const keys = error.problems.map((p) => p.split(':')[0]);
  assert.deepEqual([...new Set(keys)].sort(), ['DB_PASSWORD', 'LOG_LEVEL', 'MAX_BATCH', 'PORT']);
  assert.match(error.message, /MAX_BATCH: is required/);
  assert.match(error.message, /PORT: .*99999/);
  assert.doesNotMatch(error.message, /short/);
});

test('describeConfig redacts secrets', () => {
  const config = loadConfig(Schema, { MAX_BATCH: '1', DB_PASSWORD: 'correct horse' });
  const shown = describeConfig(Schema, config);
  assert.equal(shown.DB_PASSWORD, '[redacted]');
  assert.equal(shown.MAX_BATCH, 1);
});
