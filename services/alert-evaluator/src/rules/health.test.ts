import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEALTH, signalHealth } from './health.js';

test('flat-lined, clipped and healthy signals', () => {
  const flat = { x: new Array(500).fill(0.002), y: new Array(500).fill(0), z: new Array(500).fill(-0.001) };
  assert.deepEqual(signalHealth(flat, DEFAULT_HEALTH).flatLined, true);
  const noise = Array.from({ length: 500 }, (_, i) => Math.sin(i) * 0.05);
  assert.equal(signalHealth({ x: noise, y: noise, z: noise }, DEFAULT_HEALTH).flatLined, false);
  const clipped = noise.map((v, i) => (i % 20 === 0 ? 250 : v));
  const result = signalHealth({ x: clipped, y: noise, z: noise }, DEFAULT_HEALTH);
  assert.equal(result.clipped, true);
  assert.ok(Math.abs(result.clippedShare - 25 / 1500) < 1e-9);
  assert.equal(signalHealth({ x: noise.map((v, i) => (i === 3 ? 250 : v)), y: noise, z: noise }, DEFAULT_HEALTH).clipped, false, 'one sample at range is a spike, not clipping');
});
