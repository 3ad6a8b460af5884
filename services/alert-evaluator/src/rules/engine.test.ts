import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MachineryIssueEvent, SensorReading } from '@mine/contracts';
import { RULES, RuleEngine } from './engine.js';
import { Rules, RulesConfigError } from './rules-config.js';

const T0 = Date.UTC(2026, 10, 24, 6);

function reading(sequence: number, x: number[], rate = 500): SensorReading {
  return {
    sensorId: 'geo-1',
    sequence,
    startTime: new Date(T0 + sequence * 1000).toISOString(),
    sampleRateHz: rate,
    samples: { x, y: x.map((v) => v / 2), z: x.map((v) => v / 3) },
    site: 'north',
    zone: 'z1',
    receivedAt: new Date(T0).toISOString(),
  };
}
const sine = (amplitude: number, f: number, n = 500, rate = 500) => Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * f * i) / rate));

test('per-site and per-zone overrides resolve over the defaults, and bad rules fail with every problem', () => {
  const rules = new Rules({
    defaults: { holdSeconds: 30 },
    sites: { south: { defaults: { vibration: { standard: 'din4150', structureClass: 2 } }, zones: { village: { vibration: { structureClass: 3 } } } } },
  });
  assert.equal(rules.for('north', 'a').vibration.standard, 'usbm');
  assert.equal(rules.for('north', 'a').holdSeconds, 30);
  assert.equal(rules.for('south', 'x').vibration.structureClass, 2);
  assert.equal(rules.for('south', 'village').vibration.structureClass, 3);
  assert.equal(rules.for('south', 'village').seismic.triggerRatio, 4);
  assert.throws(
    () => new Rules({ defaults: { vibration: { tarp: { yellow: 0.9, orange: 0.5, red: 1 } }, seismic: { triggerRatio: 1.2, detriggerRatio: 2 } }, sites: { s: { zones: { z: { holdSeconds: -1 } } } } }),
    (error: unknown) => {
      assert.ok(error instanceof RulesConfigError);
      assert.ok(error.problems.some((p) => p.includes('yellow < orange < red')));
      assert.ok(error.problems.some((p) => p.includes('detriggerRatio')));
      assert.ok(error.problems.some((p) => p.includes('s/z/holdSeconds')));
      return true;
    },
  );
});

test('packets: limit levels, flat line, clipping and sequence gaps', () => {
  const engine = new RuleEngine(new Rules({}));
  const quiet = engine.evaluatePacket(reading(0, sine(0.5, 20)));
  assert.deepEqual(quiet.observations, []);
  assert.ok(quiet.normals.some((n) => n.ruleId === RULES.vibrationLimit));

  const orange = engine.evaluatePacket(reading(1, sine(25.4 * 0.8, 20)), quiet.memory);
  assert.deepEqual(orange.observations.map((o) => `${o.ruleId}:${o.level}`), ['vibration-limit:orange']);

  const flat = engine.evaluatePacket(reading(2, new Array(500).fill(0)), orange.memory);
  assert.ok(flat.observations.some((o) => o.ruleId === RULES.flatLine));

  const clipped = engine.evaluatePacket(reading(3, sine(400, 20).map((v) => Math.max(-250, Math.min(250, v)))), flat.memory);
  assert.ok(clipped.observations.some((o) => o.ruleId === RULES.clipping));

  const gap = engine.evaluatePacket(reading(9, sine(0.5, 20)), clipped.memory);
  const gapObservation = gap.observations.find((o) => o.ruleId === RULES.sequenceGap);
  assert.deepEqual(gapObservation?.details, { from: 3, to: 9 });
  assert.equal(gap.continuity, 'gap');
});

test('packets: the detector lives in the memory handed back, so a stream moved to another engine triggers the same', () => {
  // 1 s packets of quiet noise, then a burst: one engine throughout, or a fresh engine per packet fed the stored memory.
  const rules = new Rules({ defaults: { seismic: { ltaSeconds: 5 } } });
  const noise = (i: number) => 0.05 * Math.sin(i * 1.7) + 0.03 * Math.sin(i * 0.31);
  const packets = Array.from({ length: 12 }, (_, seq) => reading(seq, Array.from({ length: 500 }, (_, i) => (seq === 9 ? 5 : 1) * noise(seq * 500 + i) * (seq === 9 ? 20 : 1))));
  const run = (engineFor: () => RuleEngine) => {
    let memory = {};
    return packets.flatMap((p) => {
      const evaluation = engineFor().evaluatePacket(p, JSON.parse(JSON.stringify(memory)));
      memory = evaluation.memory;
      return evaluation.events;
    });
  };
  const one = new RuleEngine(rules);
  const events = run(() => one);
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.deepEqual(run(() => new RuleEngine(rules)), events);
});

test('packets: a late packet is judged on amplitude only; a restarted count starts a fresh stream without a gap alarm', () => {
  const engine = new RuleEngine(new Rules({}));
  const first = engine.evaluatePacket(reading(10, sine(0.5, 20)));
  const late = engine.evaluatePacket(reading(4, sine(25.4 * 1.2, 20)), first.memory);
  assert.equal(late.continuity, 'late');
  assert.deepEqual(late.memory, first.memory);
  assert.ok(late.observations.some((o) => o.ruleId === RULES.vibrationLimit && o.level === 'red'));
  const rebooted = engine.evaluatePacket({ ...reading(0, sine(0.5, 20)), bootId: 'b2' }, first.memory);
  assert.equal(rebooted.continuity, 'reset');
  assert.ok(!rebooted.observations.some((o) => o.ruleId === RULES.sequenceGap));
  assert.equal(rebooted.memory.position.lastSequence, 0);
});

test('zones: event rate escalates orange then red, and an accelerating series forecasts a collapse', () => {
  const engine = new RuleEngine(new Rules({ defaults: { seismic: { rateWindowSeconds: 600, rateOrange: 3, rateRed: 6 }, forecast: { windowSeconds: 3600, windows: 12 } } }));
  const now = T0 + 24 * 3_600_000;
  const events = (n: number) => Array.from({ length: n }, (_, i) => now - 60_000 * (i + 1));
  assert.equal(engine.evaluateZone('north', 'z1', events(2), now).observations.length, 0);
  assert.deepEqual(engine.evaluateZone('north', 'z1', events(4), now).observations.map((o) => o.level), ['orange']);
  assert.deepEqual(engine.evaluateZone('north', 'z1', events(7), now).observations.map((o) => o.level), ['red']);

  // rate = k/(tf - t): failure 6 h after `now`
  const failure = now + 6 * 3_600_000;
  const start = now - 12 * 3_600_000;
  const accelerating: number[] = [];
  for (let n = 1; ; n++) {
    const t = failure - (failure - start) * Math.exp(-n / 150);
    if (t >= now) break;
    accelerating.push(t);
  }
  const forecast = engine.evaluateZone('north', 'z1', accelerating, now).observations.find((o) => o.ruleId === RULES.collapseForecast);
  assert.ok(forecast, 'collapse forecast raised');
  const forecastMs = Date.parse(String(forecast.details.forecastFailureTime));
  assert.ok(Math.abs(forecastMs - failure) / (failure - start) < 0.05, `${new Date(forecastMs).toISOString()} vs ${new Date(failure).toISOString()}`);
});

test('machinery: critical raises red, resolved clears at once, other severities do not raise', () => {
  const engine = new RuleEngine(new Rules({}));
  const base: MachineryIssueEvent = {
    eventId: randomUUID(),
    issueId: 'I-1',
    type: 'created',
    occurredAt: new Date(T0).toISOString(),
    receivedAt: new Date(T0).toISOString(),
    machineId: 'M-1',
    siteId: 'north',
    severity: 'critical',
    status: 'open',
    reporter: 'u',
  };
  assert.deepEqual(engine.evaluateIssue(base).observations.map((o) => `${o.ruleId}:${o.level}`), ['machinery-critical:red']);
  assert.equal(engine.evaluateIssue({ ...base, severity: 'medium' }).observations.length, 0);
  assert.ok(engine.evaluateIssue({ ...base, type: 'resolved', status: 'resolved' }).normals.every((n) => n.immediate));
  const overdue = engine.evaluateOverdueIssue({ issueId: 'I-2', siteId: 'north', machineId: 'M-2', openedAtMs: T0 }, T0 + 5 * 3_600_000);
  assert.equal(overdue?.level, 'orange');
  assert.equal(engine.evaluateOverdueIssue({ issueId: 'I-2', siteId: 'north', machineId: 'M-2', openedAtMs: T0 }, T0 + 3_600_000), undefined);
  assert.ok(engine.silentSensorObservation({ sensorId: 's', site: 'north', zone: 'z', lastPacketAtMs: T0 }, T0 + 121_000));
  assert.equal(engine.silentSensorObservation({ sensorId: 's', site: 'north', zone: 'z', lastPacketAtMs: T0 }, T0 + 60_000), undefined);
});
