import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packetFeatures } from '@mine/vibration';
import { dinLimitMmS, limitMmS, tarpLevel, usbmLimitMmS, DEFAULT_TARP } from './limits.js';

test('USBM RI 8507 curve: flat 12.7 mm/s from 2.5 to 10 Hz, 0.05·f in/s above, 50.8 mm/s from 40 Hz', () => {
  assert.equal(usbmLimitMmS(2.5), 12.7);
  assert.equal(usbmLimitMmS(6), 12.7);
  assert.equal(usbmLimitMmS(10), 12.7);
  assert.ok(Math.abs(usbmLimitMmS(20) - 25.4) < 1e-9);
  assert.ok(Math.abs(usbmLimitMmS(30) - 38.1) < 1e-9);
  assert.equal(usbmLimitMmS(40), 50.8);
  assert.equal(usbmLimitMmS(120), 50.8);
  assert.ok(usbmLimitMmS(1) < 12.7, 'constant displacement below 2.5 Hz');
});

test('DIN 4150-3 guideline values per structure class', () => {
  assert.deepEqual([5, 10, 30, 50, 75, 100, 200].map((f) => dinLimitMmS(f, 1)), [20, 20, 30, 40, 45, 50, 50]);
  assert.deepEqual([5, 10, 30, 50, 75, 100, 200].map((f) => dinLimitMmS(f, 2)), [5, 5, 10, 15, 17.5, 20, 20]);
  assert.deepEqual([5, 10, 30, 50, 75, 100].map((f) => dinLimitMmS(f, 3)), [3, 3, 5.5, 8, 9, 10]);
});

function blast(amplitude: number, frequencyHz: number, sampleRateHz = 1000, seconds = 1) {
  const n = sampleRateHz * seconds;
  const x = Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz));
  return { sampleRateHz, samples: { x, y: x.map((v) => v * 0.3), z: x.map((v) => v * 0.2) } };
}

test('a blast just under and just over each curve, at several frequencies, lands on either side of red', () => {
  const standards = [{ standard: 'usbm' as const }, { standard: 'din4150' as const, structureClass: 2 as const }, { standard: 'din4150' as const, structureClass: 1 as const }];
  for (const standard of standards) {
    for (const frequencyHz of [5, 8, 15, 25, 45, 80]) {
      const limit = limitMmS(frequencyHz, standard);
      for (const [factor, expected] of [[0.97, 'orange'], [1.03, 'red']] as const) {
        const features = packetFeatures(blast(limit * factor, frequencyHz));
        const peak = Math.max(features.ppvX, features.ppvY, features.ppvZ);
        const level = tarpLevel(peak / limitMmS(features.dominantFrequencyHz, standard), DEFAULT_TARP);
        assert.equal(level, expected, `${JSON.stringify(standard)} ${frequencyHz} Hz × ${factor}: ${peak.toFixed(2)} mm/s at ${features.dominantFrequencyHz.toFixed(2)} Hz`);
      }
    }
  }
});

test('TARP levels at configurable fractions of the limit', () => {
  const thresholds = { yellow: 0.4, orange: 0.7, red: 0.9 };
  assert.deepEqual([0.1, 0.4, 0.69, 0.7, 0.9, 2].map((r) => tarpLevel(r, thresholds)), ['green', 'yellow', 'yellow', 'orange', 'red', 'red']);
});
