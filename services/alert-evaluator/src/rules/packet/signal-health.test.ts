import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipping, flatLine, notSilent } from './signal-health.js';
import { packetContext, sine } from './test-context.js';

test('sensor-flatline and sensor-clipping: observed on a dead or saturated signal, normal otherwise', () => {
  assert.equal(flatLine.evaluate(packetContext(new Array(500).fill(0))).observations?.[0]?.ruleId, 'sensor-flatline');
  assert.equal(flatLine.evaluate(packetContext(sine(1, 20))).observations, undefined);
  const clipped = sine(400, 20).map((v) => Math.max(-250, Math.min(250, v)));
  assert.equal(clipping.evaluate(packetContext(clipped)).observations?.[0]?.ruleId, 'sensor-clipping');
  assert.equal(clipping.evaluate(packetContext(sine(1, 20))).normals?.[0]?.ruleId, 'sensor-clipping');
});

test('a packet is a normal of sensor-silent', () => {
  assert.deepEqual(notSilent.evaluate(packetContext(sine(1, 20))).normals?.map((n) => n.ruleId), ['sensor-silent']);
});
