import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packetFeatures } from '@mine/vibration';
import { SensorStream, acceleratingEventTimes, blastSource, mineLayout } from './index.js';

test('a simulated blast has the PPV and dominant frequency it was given', () => {
  const [sensor] = mineLayout(1);
  const stream = new SensorStream(sensor!, { sampleRateHz: 1000, packetSeconds: 2, noiseMmS: 0.02, seed: 7 });
  stream.add(blastSource(100.2, 18, 12));
  const packet = stream.packet(100);
  const features = packetFeatures(packet);
  assert.ok(Math.abs(features.ppvX - 18) < 0.5, `PPV ${features.ppvX}`);
  assert.ok(Math.abs(features.dominantFrequencyHz - 12) < 0.6, `f ${features.dominantFrequencyHz}`);
  const quiet = packetFeatures(stream.packet(102));
  assert.ok(quiet.ppvX < 0.2, 'the blast is over');
  assert.equal(stream.packet(104).sequence, 2);
});

test('layouts spread sensors over sites and zones; episodes accelerate', () => {
  const layout = mineLayout(120);
  assert.equal(new Set(layout.map((s) => s.sensorId)).size, 120);
  assert.equal(new Set(layout.map((s) => `${s.site}/${s.zone}`)).size, 10);
  const times = acceleratingEventTimes(0, 100, 20, 90);
  const firstHalf = times.filter((t) => t < 45).length;
  const secondHalf = times.filter((t) => t >= 45).length;
  assert.ok(secondHalf > firstHalf, `${firstHalf} then ${secondHalf}`);
});
