import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario } from '../src/runner.js';
import { k1 } from '../src/scenarios/k1-gateway-killed.js';

test('K1 (fast): gateway replicas SIGKILLed under load lose no acknowledged packet', async () => {
  const result = await runScenario(k1, { fast: true });
  assert.equal(result.verdict, 'pass', result.cause);
  assert.ok(result.acknowledged > 0);
});
