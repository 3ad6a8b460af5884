import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packetContext, sine } from './test-context.js';
import { vibrationLimit } from './vibration-limit.js';

test('vibration-limit: normal below half the limit, orange at 80 %, red above it (USBM, 20 Hz: 25.4 mm/s)', () => {
  assert.deepEqual(vibrationLimit.evaluate(packetContext(sine(5, 20))).observations, undefined);
  assert.equal(vibrationLimit.evaluate(packetContext(sine(5, 20))).normals?.[0]?.ruleId, 'vibration-limit');
  assert.equal(vibrationLimit.evaluate(packetContext(sine(25.4 * 0.8, 20))).observations?.[0]?.level, 'orange');
  const red = vibrationLimit.evaluate(packetContext(sine(25.4 * 1.2, 20))).observations?.[0];
  assert.equal(red?.level, 'red');
  assert.match(red?.message ?? '', /% of the USBM limit \(25\.4 mm\/s\)/);
});
