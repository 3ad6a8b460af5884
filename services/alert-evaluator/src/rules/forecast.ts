/**
 * Failure forecast by the inverse-rate method (Fukuzono 1985; Voight 1988):
 * before failure, the rate of events (or energy release) accelerates so that
 * 1/rate falls linearly with time, reaching zero at the time of failure. A
 * least-squares line through (t, 1/rate) crosses zero at the forecast.
 */
export interface RateSample {
  /** middle of the counting window, ms since epoch */
  timeMs: number;
  /** events (or energy) per hour in that window */
  rate: number;
}

export interface Forecast {
  /** forecast time of failure, ms since epoch */
  failureTimeMs: number;
  /** R² of the inverse-rate line: how well the acceleration fits the model */
  confidence: number;
  /** slope of 1/rate per hour; negative when accelerating */
  slopePerHour: number;
  points: number;
}

/** Returns a forecast only when the rate is accelerating (1/rate decreasing) and rates are positive. */
export function inverseRateForecast(samples: RateSample[], minPoints = 4): Forecast | undefined {
  const points = samples.filter((s) => s.rate > 0);
  if (points.length < minPoints) return undefined;
  const t0 = points[0]!.timeMs;
  const xs = points.map((p) => (p.timeMs - t0) / 3_600_000);
  const ys = points.map((p) => 1 / p.rate);
  // Counting noise makes 1/rate least certain where the rate is lowest; weighting by
  // rate² (the inverse variance of 1/rate for Poisson counts, up to a constant) keeps
  // the quiet early windows from dominating the line.
  const ws = points.map((p) => p.rate * p.rate);
  const n = points.length;
  const wSum = ws.reduce((a, b) => a + b, 0);
  const meanX = xs.reduce((a, x, i) => a + ws[i]! * x, 0) / wSum;
  const meanY = ys.reduce((a, y, i) => a + ws[i]! * y, 0) / wSum;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - meanX;
    const dy = ys[i]! - meanY;
    sxx += ws[i]! * dx * dx;
    sxy += ws[i]! * dx * dy;
    syy += ws[i]! * dy * dy;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  if (!(slope < 0)) return undefined;
  const intercept = meanY - slope * meanX;
  const rSquared = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  const failureHours = -intercept / slope;
  return { failureTimeMs: t0 + failureHours * 3_600_000, confidence: rSquared, slopePerHour: slope, points: n };
}

/** Counts event times into consecutive windows ending at `endMs`, as rates per hour. */
export function eventRates(eventTimesMs: number[], endMs: number, windowMs: number, windows: number): RateSample[] {
  const start = endMs - windowMs * windows;
  const counts = new Array<number>(windows).fill(0);
  for (const t of eventTimesMs) {
    if (t < start || t >= endMs) continue;
    counts[Math.floor((t - start) / windowMs)]! += 1;
  }
  return counts.map((count, i) => ({ timeMs: start + (i + 0.5) * windowMs, rate: (count * 3_600_000) / windowMs }));
}
