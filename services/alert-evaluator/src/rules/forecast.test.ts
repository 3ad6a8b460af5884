import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventRates, inverseRateForecast } from './forecast.js';

const HOUR = 3_600_000;

/** Event times of a process whose rate is k / (tf - t): 1/rate falls linearly to zero at tf. */
function acceleratingEvents(startMs: number, failureMs: number, k: number, untilMs: number): number[] {
  // Cumulative count N(t) = k·ln(tf - t0) - k·ln(tf - t); invert for each whole event.
  const times: number[] = [];
  for (let n = 1; ; n++) {
    const t = failureMs - (failureMs - startMs) * Math.exp(-n / k);
    if (t >= untilMs) break;
    times.push(t);
  }
  return times;
}

test('forecasts the failure time of an accelerating event series within ±5 %', () => {
  const start = Date.UTC(2026, 10, 1, 0, 0, 0);
  const failure = start + 48 * HOUR;
  for (const observedHours of [30, 36, 42]) {
    const now = start + observedHours * HOUR;
    const events = acceleratingEvents(start, failure, 120, now);
    const rates = eventRates(events, now, HOUR, Math.floor(observedHours));
    const forecast = inverseRateForecast(rates);
    assert.ok(forecast, `a forecast after ${observedHours} h`);
    const errorShare = Math.abs(forecast.failureTimeMs - failure) / (failure - start);
    assert.ok(errorShare < 0.05, `after ${observedHours} h: forecast ${new Date(forecast.failureTimeMs).toISOString()} vs ${new Date(failure).toISOString()} (${(errorShare * 100).toFixed(1)} %)`);
    assert.ok(forecast.confidence > 0.8, `R² ${forecast.confidence}`);
    assert.ok(forecast.slopePerHour < 0);
  }
});

test('no forecast for a steady or decaying rate, or too few points', () => {
  const start = Date.UTC(2026, 10, 1);
  const steady = Array.from({ length: 120 }, (_, i) => start + i * 0.1 * HOUR);
  assert.equal(inverseRateForecast(eventRates(steady, start + 12 * HOUR, HOUR, 12)), undefined);
  const decaying = acceleratingEvents(start, start + 48 * HOUR, 40, start + 30 * HOUR).map((t) => 2 * start + 30 * HOUR - t);
  assert.equal(inverseRateForecast(eventRates(decaying, start + 30 * HOUR, HOUR, 30)), undefined);
  assert.equal(inverseRateForecast([{ timeMs: start, rate: 1 }, { timeMs: start + HOUR, rate: 2 }]), undefined);
});

test('event rates count events per window as events per hour', () => {
  const end = 10 * HOUR;
  const rates = eventRates([0.5 * HOUR, 9.1 * HOUR, 9.2 * HOUR, 9.9 * HOUR, 10 * HOUR], end, HOUR, 2);
  assert.deepEqual(rates.map((r) => r.rate), [0, 3]);
  assert.equal(rates[1]!.timeMs, 9.5 * HOUR);
});
