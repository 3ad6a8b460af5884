import { locate, type Location, type LocateOptions } from './locate.js';
import { distance, type Pick, type Station } from './types.js';

/** What one station's pick stage reports for one onset: P (and S when seen) with the amplitude measures sizing needs. */
export interface StationPick {
  readonly stationId: string;
  /** P arrival, ms since the epoch */
  readonly pTimeMs: number;
  readonly sTimeMs?: number;
  /** largest vector amplitude (PVS) in the window after P, mm/s */
  readonly pvsMmS: number;
  /** largest component amplitude (PPV) in the same window, mm/s */
  readonly ppvMmS: number;
  /** ∫|v|² dt over the window after P, noise removed, (mm/s)²·s */
  readonly energyFlux: number;
  readonly snr: number;
}

export interface AssociatorOptions extends LocateOptions {
  /** stations with a P pick an event needs (default 5: four unknowns and one check) */
  readonly minStations?: number;
  /** slack on top of the geometric limit when judging two picks compatible, ms (default 10) */
  readonly toleranceMs?: number;
  /** relative velocity uncertainty allowed for (default 0.05) */
  readonly velocityUncertainty?: number;
  /** an arrival whose residual exceeds this is dropped and the event relocated, ms (default 10) */
  readonly maxResidualMs?: number;
  /** an event whose residual RMS exceeds this is rejected, ms (default 6) */
  readonly maxRmsMs?: number;
  /**
   * after its S arrival a station's record rings on for about this long, s (default 0.5): a
   * trigger inside it (on the S wave itself where P was too weak to trigger, or on the coda) is
   * part of the event, not a new one
   */
  readonly codaSeconds?: number;
}

export interface AssociatedEvent {
  readonly picks: StationPick[];
  readonly location: Location;
  /** later triggers the event explains (its S waves and coda at stations): consumed, not located */
  readonly secondary: StationPick[];
}

export interface Association {
  readonly events: AssociatedEvent[];
  /** picks no other station confirms: noise */
  readonly unassociated: StationPick[];
}

function arrivalsOf(picks: readonly StationPick[]): Pick[] {
  return picks.flatMap((p) => [
    { stationId: p.stationId, phase: 'P' as const, timeMs: p.pTimeMs },
    ...(p.sTimeMs === undefined ? [] : [{ stationId: p.stationId, phase: 'S' as const, timeMs: p.sTimeMs }]),
  ]);
}

/**
 * Groups P picks of many stations into events and locates them. Two picks can belong to one
 * event only if their time difference is at most the P travel time between their stations
 * (triangle inequality: |tᵢ − tⱼ| ≤ dᵢⱼ/vp for any source), widened by the velocity uncertainty
 * and a tolerance. Starting from the earliest unused pick, a group collects every later pick
 * compatible with all members (one per station); a group with `minStations` is located, arrivals
 * whose residual exceeds `maxResidualMs` are dropped one at a time (worst first), the remaining
 * picks of the window that fit the location are absorbed, and the event is kept if it still has
 * `minStations` P picks and an RMS within `maxRmsMs`. A seed that forms no event is noise.
 */
export function associate(picks: readonly StationPick[], stations: ReadonlyMap<string, Station>, options: AssociatorOptions): Association {
  const minStations = options.minStations ?? 5;
  const sorted = [...picks].filter((p) => stations.has(p.stationId))
    // Ties are common (picks fall on sample times): the station id breaks them, so the order packets arrived in cannot matter.
    .sort((a, b) => a.pTimeMs - b.pTimeMs || (a.stationId < b.stationId ? -1 : a.stationId > b.stationId ? 1 : 0));
  const used = new Set<StationPick>();
  const events: AssociatedEvent[] = [];
  const unassociated: StationPick[] = [];
  const windowMs = maxCompatibleGapMs(stations, options);
  for (let i = 0; i < sorted.length; i++) {
    const seed = sorted[i]!;
    if (used.has(seed)) continue;
    const candidates = sorted.slice(i + 1).filter((p) => !used.has(p) && p.pTimeMs - seed.pTimeMs <= windowMs);
    const group = [seed];
    for (const p of candidates) {
      if (group.some((g) => g.stationId === p.stationId)) continue;
      if (group.every((g) => compatible(g, p, stations, options))) group.push(p);
    }
    const event = group.length >= minStations ? settle(group, candidates, stations, options, minStations) : undefined;
    if (!event) {
      unassociated.push(seed);
      used.add(seed);
      continue;
    }
    for (const p of event.picks) used.add(p);
    const secondary = sorted.slice(i + 1).filter((p) => !used.has(p) && explainedBy(p, event, stations, options));
    for (const p of secondary) used.add(p);
    events.push({ ...event, secondary });
  }
  return { events, unassociated: unassociated.filter((p) => !events.some((e) => e.picks.includes(p))) };
}

/** The longest time two picks of one event can be apart on this array, ms. */
export function maxCompatibleGapMs(stations: ReadonlyMap<string, Station>, options: AssociatorOptions): number {
  let aperture = 0;
  const list = [...stations.values()];
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) aperture = Math.max(aperture, distance(list[i]!.position, list[j]!.position));
  return (aperture / options.model.vpMps) * 1000 * (1 + (options.velocityUncertainty ?? 0.05)) + (options.toleranceMs ?? 10);
}

function compatible(a: StationPick, b: StationPick, stations: ReadonlyMap<string, Station>, options: AssociatorOptions): boolean {
  const d = distance(stations.get(a.stationId)!.position, stations.get(b.stationId)!.position);
  const limitMs = (d / options.model.vpMps) * 1000 * (1 + (options.velocityUncertainty ?? 0.05)) + (options.toleranceMs ?? 10);
  return Math.abs(a.pTimeMs - b.pTimeMs) <= limitMs;
}

function settle(group: StationPick[], candidates: StationPick[], stations: ReadonlyMap<string, Station>, options: AssociatorOptions, minStations: number): AssociatedEvent | undefined {
  const maxResidualMs = options.maxResidualMs ?? 10;
  let members = [...group];
  let arrivals = arrivalsOf(members);
  let location: Location;
  try {
    location = locate(arrivals, stations, options);
    // Drop the worst arrival while any exceeds the limit (a noise pick caught in the window, a bad S).
    for (;;) {
      const worst = location.residuals.reduce((w, r) => (Math.abs(r.residualMs) > Math.abs(w.residualMs) ? r : w));
      if (Math.abs(worst.residualMs) <= maxResidualMs) break;
      arrivals = arrivals.filter((a) => !(a.stationId === worst.stationId && a.phase === worst.phase));
      if (worst.phase === 'P') {
        arrivals = arrivals.filter((a) => a.stationId !== worst.stationId);
        members = members.filter((m) => m.stationId !== worst.stationId);
      } else members = members.map((m) => (m.stationId === worst.stationId ? withoutS(m) : m));
      if (members.length < minStations) return undefined;
      location = locate(arrivals, stations, options);
    }
    // Picks of stations the compatibility test left out (it compared them with a noise seed) join if they fit.
    const absorbed = candidates.filter((p) => !members.includes(p) && !members.some((m) => m.stationId === p.stationId) && fits(p, location, stations, options, maxResidualMs));
    if (absorbed.length > 0) {
      members = [...members, ...absorbed];
      arrivals = arrivalsOf(members);
      location = locate(arrivals, stations, options);
    }
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (members.length < minStations || location.rmsMs > (options.maxRmsMs ?? 6)) return undefined;
  return { picks: members.sort((a, b) => a.pTimeMs - b.pTimeMs), location, secondary: [] };
}

/**
 * A later trigger the event explains: at one of its stations, any trigger until the end of the
 * coda there (a station that is still ringing re-triggers); at another station, a trigger at
 * the predicted S arrival (S triggered where P was too weak). A trigger elsewhere in time at a
 * station the event did not reach is left to form its own event.
 */
function explainedBy(pick: StationPick, event: Omit<AssociatedEvent, 'secondary'>, stations: ReadonlyMap<string, Station>, options: AssociatorOptions): boolean {
  const { location } = event;
  const d = distance(stations.get(pick.stationId)!.position, location.hypocentre);
  const slack = 1 + (options.velocityUncertainty ?? 0.05);
  const toleranceMs = options.maxResidualMs ?? 10;
  const sMs = location.originTimeMs + (d / options.model.vsMps) * 1000;
  const member = event.picks.find((p) => p.stationId === pick.stationId);
  if (member) return pick.pTimeMs > member.pTimeMs && pick.pTimeMs <= sMs + (sMs - location.originTimeMs) * (slack - 1) + (options.codaSeconds ?? 0.5) * 1000;
  return Math.abs(pick.pTimeMs - sMs) <= toleranceMs + (sMs - location.originTimeMs) * (slack - 1);
}

function withoutS(pick: StationPick): StationPick {
  const { sTimeMs: _dropped, ...rest } = pick;
  return rest;
}

function fits(pick: StationPick, location: Location, stations: ReadonlyMap<string, Station>, options: AssociatorOptions, maxResidualMs: number): boolean {
  const d = distance(stations.get(pick.stationId)!.position, location.hypocentre);
  return Math.abs(pick.pTimeMs - location.originTimeMs - (d / options.model.vpMps) * 1000) <= maxResidualMs;
}
