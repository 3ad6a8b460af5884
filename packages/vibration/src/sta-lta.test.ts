import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noise, prng, sine } from '../test/signals.js';
import { StaLtaDetector, staLtaRatios, type StaLtaEvent, type StaLtaTriggerOff } from './sta-lta.js';

const RATE = 500; // Hz: 2 ms per sample, so timestamps are exact in floating point
const T0 = Date.UTC(2024, 4, 1, 6, 0, 0);
const N_STA = 0.5 * RATE;
const N_LTA = 30 * RATE;
const timeOf = (sample: number) => T0 + sample * 2;

/** Background noise (σ 0.05 mm/s) with a single-sample spike and a 1 s, 30 Hz, 5 mm/s burst. */
function quarry(seconds: number, events: { spikeAt?: number; burstAt?: number }, seed = 1): Float64Array {
  const signal = noise(seconds * RATE, 0.05, seed);
  if (events.spikeAt !== undefined) signal[events.spikeAt] = 20;
  if (events.burstAt !== undefined) {
    const burst = sine(RATE, 5, 30, RATE);
    for (let i = 0; i < burst.length; i++) signal[events.burstAt + i]! += burst[i]!;
  }
  return signal;
}

function runInChunks(detector: StaLtaDetector, signal: Float64Array, sizes: () => number): StaLtaEvent[] {
  const events: StaLtaEvent[] = [];
  for (let start = 0; start < signal.length; ) {
    const size = Math.min(sizes(), signal.length - start);
    events.push(...detector.process(signal.subarray(start, start + size), RATE, timeOf(start)));
    start += size;
  }
  return events;
}

function offEvent(events: StaLtaEvent[]): StaLtaTriggerOff {
  const off = events.find((e) => e.type === 'off');
  assert.ok(off?.type === 'off', 'expected an off event');
  return off;
}

describe('staLtaRatios', () => {
  it('is 0 until ltaSeconds of data have been seen', () => {
    const ratios = staLtaRatios(quarry(40, { spikeAt: 5 * RATE }), RATE, 0.5, 30);
    assert.equal(ratios.length, 40 * RATE);
    for (let i = 0; i < N_LTA - 1; i++) assert.equal(ratios[i], 0, `ratio at ${i}`);
    assert.ok(ratios[N_LTA - 1]! > 0);
  });

  it('hovers around 1 on stationary noise', () => {
    const rate = 200;
    const ratios = staLtaRatios(noise(120 * rate, 0.05, 3), rate, 0.5, 30);
    let sum = 0;
    let max = 0;
    for (let i = 30 * rate; i < ratios.length; i++) {
      sum += ratios[i]!;
      max = Math.max(max, ratios[i]!);
    }
    const mean = sum / (ratios.length - 30 * rate);
    assert.ok(Math.abs(mean - 1) < 0.1, `mean ratio ${mean}`);
    assert.ok(max < 2, `max ratio ${max}`);
  });

  it('jumps at an impulse', () => {
    const k = 40 * RATE;
    const ratios = staLtaRatios(quarry(50, { spikeAt: k }), RATE, 0.5, 30);
    assert.ok(ratios[k - 1]! < 2, `before: ${ratios[k - 1]}`);
    assert.ok(ratios[k]! > 20, `at: ${ratios[k]}`);
  });

  it('rejects inconsistent windows', () => {
    assert.throws(() => staLtaRatios([1, 2], RATE, 2, 1), RangeError);
    assert.throws(() => staLtaRatios([1, 2], RATE, 0, 1), RangeError);
  });
});

describe('StaLtaDetector', () => {
  it('stays quiet on stationary noise', () => {
    const detector = new StaLtaDetector();
    const events = runInChunks(detector, noise(120 * RATE, 0.05, 11), () => RATE);
    assert.deepEqual(events, []);
    assert.ok(detector.isWarmedUp);
    assert.ok(detector.ratio > 0.5 && detector.ratio < 2, `ratio ${detector.ratio}`);
  });

  it('triggers on an impulse at its sample and detriggers after it', () => {
    const k = 40 * RATE + 123;
    const events = runInChunks(new StaLtaDetector(), quarry(60, { spikeAt: k }), () => RATE);
    assert.equal(events.length, 2, JSON.stringify(events));
    const [on, off] = events as [StaLtaEvent, StaLtaEvent];
    assert.equal(on.type, 'on');
    assert.ok(on.sampleIndex >= k && on.sampleIndex <= k + N_STA, `on at ${on.sampleIndex}, impulse at ${k}`);
    assert.equal(on.timeMs, timeOf(on.sampleIndex));
    assert.ok(on.ratio >= 4);
    assert.ok(off.type === 'off' && off.reason === 'detrigger');
    assert.ok(off.sampleIndex > on.sampleIndex && off.timeMs < timeOf(k) + 5000, `off at ${off.timeMs - T0} ms`);
    assert.equal(off.onTimeMs, on.timeMs);
    assert.equal(off.durationMs, off.timeMs - on.timeMs);
    assert.ok(off.peakRatio >= on.ratio && off.ratio < 1.5);
  });

  it('stays on through a burst and detriggers once it has died away', () => {
    const onset = 45 * RATE;
    const end = onset + RATE;
    const events = runInChunks(new StaLtaDetector(), quarry(60, { burstAt: onset }), () => 256);
    assert.equal(events.length, 2, JSON.stringify(events));
    const [on, off] = events as [StaLtaEvent, StaLtaTriggerOff];
    assert.ok(on.sampleIndex >= onset && on.sampleIndex <= onset + N_STA, `on at ${on.sampleIndex}`);
    assert.ok(off.sampleIndex > end && off.sampleIndex <= end + 5 * RATE, `off at ${off.sampleIndex}, burst ends ${end}`);
    assert.ok(off.peakTimeMs > on.timeMs && off.peakTimeMs <= timeOf(end), `peak at ${off.peakTimeMs - T0} ms`);
    assert.ok(off.peakRatio > 20, `peak ratio ${off.peakRatio}`);
  });

  it('cannot trigger before ltaSeconds of data', () => {
    const detector = new StaLtaDetector();
    const signal = quarry(40, { spikeAt: 5 * RATE });
    signal[20 * RATE] = 20;
    signal[35 * RATE] = 20;
    const early = runInChunks(detector, signal.subarray(0, 29 * RATE), () => RATE);
    assert.deepEqual(early, []);
    assert.equal(detector.isWarmedUp, false);
    const later = detector.process(signal.subarray(29 * RATE), RATE, timeOf(29 * RATE));
    assert.ok(detector.isWarmedUp);
    assert.equal(later[0]?.type, 'on');
    assert.ok(later[0].sampleIndex >= 35 * RATE && later[0].sampleIndex <= 35 * RATE + N_STA);
  });

  it('gives the same events however the stream is cut into chunks', () => {
    const signal = quarry(90, { spikeAt: 40 * RATE, burstAt: 60 * RATE }, 5);
    const whole = new StaLtaDetector().process(signal, RATE, T0);
    assert.equal(whole.length, 4, JSON.stringify(whole));
    const random = prng(99);
    for (let round = 0; round < 3; round++) {
      const chunked = runInChunks(new StaLtaDetector(), signal, () => {
        const r = random();
        return r < 0.1 ? 0 : r < 0.2 ? 1 : Math.floor(random() * 3000);
      });
      assert.deepEqual(chunked, whole);
    }
  });

  it('continues bit for bit from a JSON snapshot, whatever process holds the stream', () => {
    const signal = quarry(90, { spikeAt: 40 * RATE, burstAt: 60 * RATE }, 5);
    const whole = new StaLtaDetector().process(signal, RATE, T0);
    // Hand the stream over through JSON after every 1 s chunk: before warm-up, mid-trigger and after.
    const events: StaLtaEvent[] = [];
    let snapshot = JSON.parse(JSON.stringify(new StaLtaDetector().snapshot()));
    for (let start = 0; start < signal.length; start += RATE) {
      const detector = StaLtaDetector.restore({}, snapshot);
      events.push(...detector.process(signal.subarray(start, start + RATE), RATE, timeOf(start)));
      snapshot = JSON.parse(JSON.stringify(detector.snapshot()));
    }
    assert.equal(whole.length, 4);
    assert.deepEqual(events, whole);
  });

  it('warms up afresh from a snapshot taken with other windows', () => {
    const signal = quarry(40, {}, 8);
    const first = new StaLtaDetector({ ltaSeconds: 5 });
    first.process(signal.subarray(0, 10 * RATE), RATE, T0);
    assert.ok(first.isWarmedUp);
    const restored = StaLtaDetector.restore({ ltaSeconds: 20 }, first.snapshot());
    restored.process(signal.subarray(10 * RATE, 11 * RATE), RATE, timeOf(10 * RATE));
    assert.equal(restored.isWarmedUp, false);
    assert.equal(StaLtaDetector.restore({}, undefined).isWarmedUp, false);
  });

  it('agrees sample for sample with staLtaRatios', () => {
    const signal = quarry(90, { spikeAt: 40 * RATE, burstAt: 60 * RATE }, 6);
    const ratios = staLtaRatios(signal, RATE, 0.5, 30);
    const events = runInChunks(new StaLtaDetector(), signal, () => 1000);
    let expectedOn = ratios.findIndex((r) => r >= 4);
    for (const event of events) {
      if (event.type === 'on') {
        assert.equal(event.sampleIndex, expectedOn);
        assert.equal(event.ratio, ratios[expectedOn]);
      } else {
        const expectedOff = ratios.findIndex((r, i) => i > expectedOn && r < 1.5);
        assert.equal(event.sampleIndex, expectedOff);
        assert.equal(event.peakRatio, Math.max(...ratios.subarray(expectedOn, expectedOff)));
        expectedOn = ratios.findIndex((r, i) => i > expectedOff && r >= 4);
      }
    }
    assert.equal(events.length, 4);
  });

  it('runs on the vector energy of triaxial packets, independent of packet size', () => {
    const onset = 40 * RATE;
    const x = noise(60 * RATE, 0.05, 21);
    const y = quarry(60, { burstAt: onset }, 22);
    const z = noise(60 * RATE, 0.05, 23);
    const feed = (size: number) => {
      const detector = new StaLtaDetector();
      const events: StaLtaEvent[] = [];
      for (let s = 0; s < x.length; s += size) {
        const samples = { x: x.subarray(s, s + size), y: y.subarray(s, s + size), z: z.subarray(s, s + size) };
        events.push(...detector.processPacket({ sampleRateHz: RATE, samples }, timeOf(s)));
      }
      return events;
    };
    const events = feed(RATE);
    assert.equal(events.length, 2, JSON.stringify(events));
    assert.ok(events[0]!.sampleIndex >= onset && events[0]!.sampleIndex <= onset + N_STA);
    assert.deepEqual(feed(777), events);
    assert.throws(
      () => new StaLtaDetector().processPacket({ sampleRateHz: RATE, samples: { x: [1], y: [1, 2], z: [1] } }, T0),
      /differ in length/,
    );
  });

  it('with the abs characteristic also triggers on the burst', () => {
    const onset = 45 * RATE;
    const events = runInChunks(
      new StaLtaDetector({ characteristic: 'abs', triggerRatio: 3 }),
      quarry(60, { burstAt: onset }),
      () => RATE,
    );
    assert.equal(events[0]?.type, 'on');
    assert.ok(events[0].sampleIndex >= onset && events[0].sampleIndex <= onset + N_STA);
    assert.equal(offEvent(events).reason, 'detrigger');
  });

  it('closes an open trigger and warms up again after a gap', () => {
    const detector = new StaLtaDetector();
    const signal = quarry(45, { burstAt: 40 * RATE });
    const before = detector.process(signal.subarray(0, 40 * RATE + 100), RATE, T0);
    assert.equal(before.length, 1);
    assert.ok(detector.isTriggered);

    const resumeAt = timeOf(40 * RATE + 100) + 10_000;
    const after = noise(40 * RATE, 0.05, 8);
    after[20 * RATE] = 20; // inside the new warm-up: must not trigger
    const events = detector.process(after, RATE, resumeAt);
    assert.equal(events.length, 1, JSON.stringify(events));
    const off = offEvent(events);
    assert.equal(off.reason, 'discontinuity');
    assert.equal(off.timeMs, timeOf(40 * RATE + 100));
    assert.equal(off.sampleIndex, 40 * RATE + 100);
    assert.equal(detector.isTriggered, false);
    assert.equal(detector.isWarmedUp, true);
  });

  it('carries on across small timing jitter', () => {
    const k = 40 * RATE + 10;
    const signal = quarry(50, { spikeAt: k });
    const detector = new StaLtaDetector();
    const jitter = prng(4);
    const events: StaLtaEvent[] = [];
    const chunkStarts: number[] = [];
    for (let s = 0; s < signal.length; s += RATE) {
      chunkStarts.push(timeOf(s) + Math.round(jitter() * 40 - 20));
      events.push(...detector.process(signal.subarray(s, s + RATE), RATE, chunkStarts.at(-1)!));
    }
    assert.equal(events[0]?.type, 'on');
    assert.equal(events[0].sampleIndex, k);
    // the timestamp is the arrival chunk's start plus the sample's offset in it
    assert.equal(events[0].timeMs, chunkStarts[Math.floor(k / RATE)]! + (k % RATE) * 2);
  });

  it('restarts when the sample rate changes', () => {
    const detector = new StaLtaDetector();
    detector.process(noise(31 * RATE, 0.05, 1), RATE, T0);
    assert.ok(detector.isWarmedUp);
    detector.process(noise(1000, 0.05, 2), 1000, timeOf(31 * RATE));
    assert.equal(detector.isWarmedUp, false);
    assert.equal(detector.ratio, 0);
  });

  it('rejects bad options and input', () => {
    assert.throws(() => new StaLtaDetector({ triggerRatio: 1, detriggerRatio: 2 }), RangeError);
    assert.throws(() => new StaLtaDetector({ staSeconds: 40 }), RangeError);
    assert.throws(() => new StaLtaDetector({ maxGapSeconds: -1 }), RangeError);
    assert.throws(() => new StaLtaDetector().process([1], 0, T0), RangeError);
    assert.throws(() => new StaLtaDetector().process([1], RATE, Number.NaN), RangeError);
    assert.deepEqual(new StaLtaDetector().process([], RATE, T0), []);
  });
});
