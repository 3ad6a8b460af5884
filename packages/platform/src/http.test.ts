import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { observability } from './http.js';
import { createMetrics } from './metrics.js';

test('health, readiness and metrics endpoints', async () => {
  const { registry } = createMetrics('unit-service');
  let dependencyUp = true;
  let draining = false;
  const app = Fastify();
  await app.register(observability, {
    registry,
    readiness: [{ name: 'database', check: async () => dependencyUp }],
    isDraining: () => draining,
  });
  assert.equal((await app.inject('/healthz')).statusCode, 200);
  assert.equal((await app.inject('/readyz')).statusCode, 200);
  dependencyUp = false;
  const notReady = await app.inject('/readyz');
  assert.equal(notReady.statusCode, 503);
  assert.equal(notReady.json().checks[0].name, 'database');
  dependencyUp = true;
  draining = true;
  assert.equal((await app.inject('/readyz')).json().status, 'draining');
  const metrics = await app.inject('/metrics');
  assert.equal(metrics.statusCode, 200);
  assert.match(metrics.body, /unit_service_process_cpu_user_seconds_total/);
  await app.close();
});
