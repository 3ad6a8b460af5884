import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noise, relativeError, sine } from '../test/signals.js';
import { packetFeatures } from './features.js';

describe('packetFeatures', () => {
  it('computes the contract features of a triaxial packet with known answers', () => {
    // Circular motion of radius 3 in x/y at 25 Hz plus 0.4 mm/s of 125 Hz on z (8 samples
    // a cycle, so samples land on every peak):
    // |v|² = 9 + z², so PVS = sqrt(9 + 0.16) = 3.0265 and RMS = sqrt(9 + 0.08) = 3.0133.
    const sampleRateHz = 1000;
    const n = 1000;
    const packet = {
      sampleRateHz,
      samples: {
        x: sine(n, 3, 25, sampleRateHz),
        y: sine(n, 3, 25, sampleRateHz, Math.PI / 2),
        z: sine(n, 0.4, 125, sampleRateHz),
      },
    };
    const f = packetFeatures(packet);
    assert.deepEqual(Object.keys(f).sort(), [
      'dominantFrequencyHz',
      'ppvX',
      'ppvY',
      'ppvZ',
      'pvs',
      'rms',
      'sampleCount',
    ]);
    assert.equal(f.sampleCount, n);
    assert.ok(Math.abs(f.ppvX - 3) < 1e-9 && Math.abs(f.ppvY - 3) < 1e-9, `${f.ppvX} ${f.ppvY}`);
    assert.ok(Math.abs(f.ppvZ - 0.4) < 1e-9, `${f.ppvZ}`);
    assert.ok(Math.abs(f.pvs - Math.sqrt(9.16)) < 1e-9, `pvs ${f.pvs}`);
    assert.ok(Math.abs(f.rms - Math.sqrt(9.08)) < 1e-9, `rms ${f.rms}`);
    assert.ok(relativeError(f.dominantFrequencyHz, 25) < 0.01, `f ${f.dominantFrequencyHz}`);
  });

  it('accepts a packet as JSON delivers it, with plain arrays', () => {
    const hiss = noise(400, 0.01, 1);
    const x = Array.from(sine(400, 1.5, 12.5, 200, 0.3), (v, i) => v + hiss[i]!);
    const zeros = new Array<number>(400).fill(0);
    const f = packetFeatures({ sampleRateHz: 200, samples: { x, y: zeros, z: zeros } });
    assert.equal(f.ppvY, 0);
    assert.equal(f.pvs, f.ppvX);
    assert.ok(relativeError(f.ppvX, 1.5) < 0.02);
    assert.ok(relativeError(f.rms, 1.5 / Math.SQRT2) < 0.02);
    assert.ok(relativeError(f.dominantFrequencyHz, 12.5) < 0.01);
  });

  it('reports 0 Hz for a silent packet', () => {
    const zeros = [0, 0, 0, 0];
    const f = packetFeatures({ sampleRateHz: 100, samples: { x: zeros, y: zeros, z: zeros } });
    assert.deepEqual(f, { sampleCount: 4, ppvX: 0, ppvY: 0, ppvZ: 0, pvs: 0, rms: 0, dominantFrequencyHz: 0 });
  });

  it('rejects mismatched axes, empty packets and bad rates', () => {
    assert.throws(() => packetFeatures({ sampleRateHz: 100, samples: { x: [1, 2], y: [1, 2], z: [1] } }), /differ in length/);
    assert.throws(() => packetFeatures({ sampleRateHz: 100, samples: { x: [], y: [], z: [] } }), RangeError);
    assert.throws(() => packetFeatures({ sampleRateHz: -1, samples: { x: [1], y: [1], z: [1] } }), RangeError);
  });
});
