/**
 * Gutenberg–Richter and Omori statistics of a catalogue. Magnitudes are binned to `binWidth`
 * (0.1 by default) as catalogues report them.
 */

export interface GutenbergRichter {
  /** b-value by maximum likelihood (Aki 1965, with Utsu's 1966 correction for binning) */
  readonly b: number;
  /** its standard error after Shi & Bolt (1982) */
  readonly bError: number;
  /** a-value: log10 of the number of events ≥ magnitude 0 the fit implies */
  readonly a: number;
  /** magnitude of completeness used */
  readonly mc: number;
  /** events at or above mc */
  readonly count: number;
}

function bin(m: number, width: number): number {
  return Math.round(m / width) * width;
}

/**
 * Magnitude of completeness by maximum curvature (Wiemer & Wyss 2000): the most frequent
 * magnitude bin, plus a correction (0.2 is their usual one, since maximum curvature
 * underestimates Mc on gradually curved distributions).
 */
export function completenessMagnitude(magnitudes: readonly number[], binWidth = 0.1, correction = 0.2): number {
  if (magnitudes.length === 0) throw new RangeError('no magnitudes');
  const counts = new Map<number, number>();
  for (const m of magnitudes) {
    const key = Math.round(m / binWidth);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let bestKey = 0;
  let bestCount = -1;
  for (const [key, count] of counts) if (count > bestCount || (count === bestCount && key < bestKey)) [bestKey, bestCount] = [key, count];
  return bestKey * binWidth + correction;
}

/**
 * Aki–Utsu maximum-likelihood b-value above `mc`:
 *
 *     b = log10(e) / (mean(M) − (mc − ΔM/2)),   σ_b = 2.3·b²·√(Σ(Mᵢ − mean)² / (n(n − 1)))
 *
 * (the second is Shi & Bolt's 1982 standard error). Needs at least `minEvents` (default 25)
 * events at or above mc: fewer make the estimate meaningless.
 */
export function gutenbergRichter(magnitudes: readonly number[], mc?: number, binWidth = 0.1, minEvents = 25): GutenbergRichter | undefined {
  if (magnitudes.length === 0) return undefined;
  const completeness = mc ?? completenessMagnitude(magnitudes, binWidth);
  const above = magnitudes.map((m) => bin(m, binWidth)).filter((m) => m >= completeness - binWidth / 2 + 1e-9);
  const n = above.length;
  if (n < minEvents) return undefined;
  const mean = above.reduce((s, m) => s + m, 0) / n;
  const b = Math.LOG10E / (mean - (completeness - binWidth / 2));
  const variance = above.reduce((s, m) => s + (m - mean) ** 2, 0) / (n * (n - 1));
  return { b, bError: 2.3 * b * b * Math.sqrt(variance), a: Math.log10(n) + b * completeness, mc: completeness, count: n };
}

/** Modified Omori law n(t) = K / (t + c)^p (Utsu 1961), t in hours since the blast or mainshock. */
export interface OmoriFit {
  readonly k: number;
  readonly c: number;
  readonly p: number;
  readonly count: number;
  readonly logLikelihood: number;
}

function omoriIntegral(p: number, c: number, from: number, to: number): number {
  if (Math.abs(p - 1) < 1e-9) return Math.log((to + c) / (from + c));
  return ((to + c) ** (1 - p) - (from + c) ** (1 - p)) / (1 - p);
}

/**
 * Maximum-likelihood fit of the modified Omori law to event times (hours after the blast) in
 * [from, to] (Ogata 1983): for given p and c the likelihood's K is n / ∫(t + c)^−p dt in closed
 * form, so the fit searches p ∈ [0.2, 3] and log c ∈ [1e-4, 10] h on a grid and refines around
 * the best node. Needs `minEvents` (default 10) events.
 */
export function fitOmori(hoursAfter: readonly number[], from: number, to: number, minEvents = 10): OmoriFit | undefined {
  const times = hoursAfter.filter((t) => t >= from && t <= to);
  const n = times.length;
  if (n < minEvents || !(to > from) || from < 0) return undefined;
  const logLikelihood = (p: number, c: number) => {
    const integral = omoriIntegral(p, c, from, to);
    const k = n / integral;
    let sumLog = 0;
    for (const t of times) sumLog += Math.log(t + c);
    return { ll: n * Math.log(k) - p * sumLog - n, k };
  };
  let best = { p: 1, logC: -2, ll: -Infinity, k: 0 };
  const search = (pFrom: number, pTo: number, cFrom: number, cTo: number, steps: number) => {
    for (let i = 0; i <= steps; i++)
      for (let j = 0; j <= steps; j++) {
        const p = pFrom + ((pTo - pFrom) * i) / steps;
        const logC = cFrom + ((cTo - cFrom) * j) / steps;
        const { ll, k } = logLikelihood(p, 10 ** logC);
        if (ll > best.ll) best = { p, logC, ll, k };
      }
  };
  search(0.2, 3, -4, 1, 40);
  for (let round = 0, dp = 0.07, dc = 0.125; round < 4; round++, dp /= 4, dc /= 4) search(best.p - dp, best.p + dp, best.logC - dc, best.logC + dc, 16);
  return { k: best.k, c: 10 ** best.logC, p: best.p, count: n, logLikelihood: best.ll };
}

/** Expected rate (events per hour) t hours after the blast. */
export function omoriRate(fit: OmoriFit, hoursAfter: number): number {
  return fit.k / (hoursAfter + fit.c) ** fit.p;
}

/**
 * The post-blast decay indicator for re-entry: hours after the blast until the fitted rate falls
 * to `backgroundPerHour` (the zone's normal rate), i.e. t = (K / r)^(1/p) − c.
 */
export function hoursUntilRate(fit: OmoriFit, backgroundPerHour: number): number {
  if (!(backgroundPerHour > 0)) throw new RangeError(`background rate must be positive, got ${backgroundPerHour}`);
  return Math.max(0, (fit.k / backgroundPerHour) ** (1 / fit.p) - fit.c);
}
