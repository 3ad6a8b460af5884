import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readingMessage, topLevelElements } from './raw-json.js';

test('splits a JSON array into the texts of its elements, whatever they contain', () => {
  const values = [{ a: [1, 2, { b: '],}' }], s: 'quote \\" and \\\\' }, 2.5e-3, 'x,y', [[]], {}, null, true];
  const text = ` [ ${values.map((v) => JSON.stringify(v)).join(' ,\n ')} ] `;
  assert.deepEqual(topLevelElements(text).map((e) => JSON.parse(e)), values);
  assert.deepEqual(topLevelElements('[]'), []);
  assert.deepEqual(topLevelElements('  {"k": [1,2]} '), ['{"k": [1,2]}']);
});

test('a reading message is the packet with the gateway fields added', () => {
  const packet = { sensorId: 'g', sequence: 1, samples: { x: [0.1], y: [0], z: [-0.2] } };
  const message = JSON.parse(readingMessage(JSON.stringify(packet), { site: 's"1', zone: 'z', receivedAt: '2026-01-01T00:00:00Z' }).toString());
  assert.deepEqual(message, { site: 's"1', zone: 'z', receivedAt: '2026-01-01T00:00:00Z', ...packet });
});
