import { StaLtaDetector, type StaLtaOptions } from '@mine/vibration';
import { associate, maxCompatibleGapMs, type AssociatedEvent, type AssociatorOptions, type StationPick } from './associate.js';
import { networkEnergy, networkMagnitude, stationEnergy, stationMagnitude, DEFAULT_MAGNITUDE_COEFFICIENTS, type MagnitudeCoefficients } from './magnitude.js';
import { pickOnsets, type PickerOptions, type Triaxial } from './picker.js';
import type { Location } from './locate.js';
import { distance, type Station } from './types.js';

/** One station's contribution to a located event. */
export interface EventStation {
  readonly stationId: string;
  readonly distanceM: number;
  readonly pTimeMs: number;
  readonly sTimeMs?: number;
  readonly pResidualMs: number;
  readonly sResidualMs?: number;
  readonly ppvMmS: number;
  readonly pvsMmS: number;
  readonly magnitude: number;
  readonly energyJ: number;
}

/** A located, sized seismic event. */
export interface SeismicSolution {
  readonly location: Location;
  /** network local magnitude (median of stations) and its median absolute deviation */
  readonly magnitude: number;
  readonly magnitudeSpread: number;
  /** radiated energy, J */
  readonly energyJ: number;
  readonly stations: EventStation[];
}

export interface SizingOptions {
  readonly magnitude?: MagnitudeCoefficients;
  readonly densityKgM3?: number;
}

/** Sizes a located event from its stations' amplitudes: magnitude and energy per station, then the network's. */
export function sizeEvent(event: AssociatedEvent, stations: ReadonlyMap<string, Station>, options: AssociatorOptions & SizingOptions): SeismicSolution {
  const { location } = event;
  const residual = (stationId: string, phase: 'P' | 'S') => location.residuals.find((r) => r.stationId === stationId && r.phase === phase)?.residualMs;
  const rows = event.picks.map((pick) => {
    const distanceM = Math.max(1, distance(stations.get(pick.stationId)!.position, location.hypocentre));
    return {
      stationId: pick.stationId,
      distanceM,
      pTimeMs: pick.pTimeMs,
      ...(pick.sTimeMs === undefined || residual(pick.stationId, 'S') === undefined ? {} : { sTimeMs: pick.sTimeMs, sResidualMs: residual(pick.stationId, 'S')! }),
      pResidualMs: residual(pick.stationId, 'P') ?? 0,
      ppvMmS: pick.ppvMmS,
      pvsMmS: pick.pvsMmS,
      magnitude: stationMagnitude(Math.max(pick.pvsMmS, 1e-6), distanceM, options.magnitude ?? DEFAULT_MAGNITUDE_COEFFICIENTS),
      energyJ: stationEnergy(pick.energyFlux, distanceM, { densityKgM3: options.densityKgM3 ?? 2700, vsMps: options.model.vsMps }),
    };
  });
  const ml = networkMagnitude(rows.map((r) => r.magnitude));
  return { location, magnitude: ml.magnitude, magnitudeSpread: ml.spread, energyJ: networkEnergy(rows.map((r) => r.energyJ)), stations: rows };
}

/**
 * Trigger settings for microseismic events (tens of milliseconds long): a 30 ms STA, so a short
 * burst fills it, and a 2 s LTA, so the background recovers within seconds after a large event
 * (with 5 s, events 6 s after a magnitude-2 event were missed: the LTA still held its energy).
 */
export const NETWORK_STA_LTA: StaLtaOptions = Object.freeze({ staSeconds: 0.03, ltaSeconds: 2, triggerRatio: 4, detriggerRatio: 1.5 });

export interface NetworkOptions extends AssociatorOptions, SizingOptions {
  /** per-station trigger, default NETWORK_STA_LTA */
  readonly staLta?: StaLtaOptions;
  readonly picker?: PickerOptions;
  /** amplitude (PPV, PVS, energy flux) is measured over this long after P, s (default 0.4) */
  readonly amplitudeWindowSeconds?: number;
  /** a station silent for longer than this stops holding back decisions, s (default 5) */
  readonly maxStationLagSeconds?: number;
}

/** A few seconds of one station's samples, indexed by their position in the station's stream. */
class TraceBuffer {
  readonly x: number[] = [];
  readonly y: number[] = [];
  readonly z: number[] = [];
  /** stream index of x[0] */
  first = 0;
  startTimeMs = 0;
  rateHz = 0;

  append(samples: Triaxial, startTimeMs: number, rateHz: number, keep: number): void {
    const end = this.first + this.x.length;
    if (this.rateHz !== rateHz || Math.abs(this.timeOf(end) - startTimeMs) > 1000 / rateHz) {
      // A gap or a new rate: start over, as the detector does.
      this.x.length = this.y.length = this.z.length = 0;
      this.first = 0;
      this.startTimeMs = startTimeMs;
      this.rateHz = rateHz;
    }
    for (let i = 0; i < samples.x.length; i++) {
      this.x.push(samples.x[i]!);
      this.y.push(samples.y[i]!);
      this.z.push(samples.z[i]!);
    }
    const excess = this.x.length - keep;
    if (excess > 0) {
      this.x.splice(0, excess);
      this.y.splice(0, excess);
      this.z.splice(0, excess);
      this.startTimeMs += (excess * 1000) / rateHz;
      this.first += excess;
    }
  }

  /** stream index of the sample at `timeMs` */
  indexAt(timeMs: number): number {
    return this.first + Math.round(((timeMs - this.startTimeMs) * this.rateHz) / 1000);
  }

  timeOf(streamIndex: number): number {
    return this.startTimeMs + ((streamIndex - this.first) * 1000) / this.rateHz;
  }

  get endIndex(): number {
    return this.first + this.x.length;
  }
}

interface StationState {
  detector: StaLtaDetector;
  buffer: TraceBuffer;
  /** stream indices of triggers waiting for enough samples after them */
  pendingTriggers: number[];
  lastSampleTimeMs: number;
  lastSeenAtMs: number;
}

/**
 * The event-detection pipeline of one site's array, streaming: per-station STA/LTA triggers are
 * refined into P/S picks with amplitudes, picks are associated across stations, events located
 * and sized. Packets of one station must arrive in time order (stations may interleave freely).
 * An event is decided once every live station has reported past the last moment a pick of it
 * could arrive, so the answer does not depend on packet interleaving.
 */
export class SeismicNetwork {
  private readonly states = new Map<string, StationState>();
  private pending: StationPick[] = [];
  private readonly windowMs: number;
  private decidedThrough = -Infinity;

  constructor(
    private readonly stations: ReadonlyMap<string, Station>,
    private readonly options: NetworkOptions,
  ) {
    this.windowMs = maxCompatibleGapMs(stations, options);
  }

  /** Feeds one packet of one station; returns the events this packet lets the network decide. `nowMs` is the wall clock, for station liveness. */
  addPacket(stationId: string, packet: { sampleRateHz: number; samples: Triaxial }, startTimeMs: number, nowMs = startTimeMs): SeismicSolution[] {
    if (!this.stations.has(stationId)) return [];
    const state = this.state(stationId);
    const rate = packet.sampleRateHz;
    const keepSamples = Math.ceil((this.pickerReachSeconds() + 1) * rate);
    state.buffer.append(packet.samples, startTimeMs, rate, keepSamples);
    for (const event of state.detector.processPacket(packet, startTimeMs)) {
      if (event.type === 'on') state.pendingTriggers.push(state.buffer.indexAt(event.timeMs));
    }
    state.lastSampleTimeMs = startTimeMs + (packet.samples.x.length * 1000) / rate;
    state.lastSeenAtMs = nowMs;
    this.pickReady(stationId, state);
    return this.decide(nowMs);
  }

  /**
   * Every event whose first pick is before this time (ms) has been decided: samples older than
   * it, less the trigger's warm-up and the picker's reach, are no longer needed.
   */
  get decidedThroughMs(): number {
    return this.decidedThrough;
  }

  /** Decides what it can without a new packet (stations that fell silent stop holding decisions back). */
  flush(nowMs: number): SeismicSolution[] {
    return this.decide(nowMs);
  }

  /** Picks not yet decided (for tests and metrics). */
  get pendingPicks(): readonly StationPick[] {
    return this.pending;
  }

  private pickerReachSeconds(): number {
    return (this.options.picker?.preTriggerSeconds ?? 0.3) + (this.options.amplitudeWindowSeconds ?? 0.4) + 0.5;
  }

  private state(stationId: string): StationState {
    let state = this.states.get(stationId);
    if (!state) {
      state = { detector: new StaLtaDetector({ ...NETWORK_STA_LTA, ...this.options.staLta }), buffer: new TraceBuffer(), pendingTriggers: [], lastSampleTimeMs: -Infinity, lastSeenAtMs: -Infinity };
      this.states.set(stationId, state);
    }
    return state;
  }

  private pickReady(stationId: string, state: StationState): void {
    const buffer = state.buffer;
    const rate = buffer.rateHz;
    const windowSamples = Math.round((this.options.amplitudeWindowSeconds ?? 0.4) * rate);
    const postTrigger = Math.round((this.options.picker?.postTriggerSeconds ?? 0.05) * rate);
    const preSamples = Math.round((this.options.picker?.preTriggerSeconds ?? 0.3) * rate);
    while (state.pendingTriggers.length > 0) {
      const trigger = state.pendingTriggers[0]!;
      // The P pick can be up to `postTrigger` after the trigger; the amplitude window follows it.
      if (buffer.endIndex < trigger + postTrigger + windowSamples) return;
      state.pendingTriggers.shift();
      if (trigger - preSamples < buffer.first) continue;
      const local = trigger - buffer.first;
      const onset = pickOnsets(buffer, rate, local, this.options.picker);
      if (!onset) continue;
      const measured = measureAmplitude(buffer, onset.pIndex, windowSamples, preSamples, rate);
      this.pending.push({
        stationId,
        pTimeMs: buffer.timeOf(buffer.first + onset.pIndex),
        ...(onset.sIndex === undefined ? {} : { sTimeMs: buffer.timeOf(buffer.first + onset.sIndex) }),
        ...measured,
        snr: onset.pSnr,
      });
    }
  }

  /** Associates what every live station has reported far enough past. */
  private decide(nowMs: number): SeismicSolution[] {
    const lagMs = (this.options.maxStationLagSeconds ?? 5) * 1000;
    const amplitudeMs = ((this.options.amplitudeWindowSeconds ?? 0.4) + (this.options.picker?.postTriggerSeconds ?? 0.05)) * 1000;
    let watermark = Infinity;
    for (const state of this.states.values()) if (nowMs - state.lastSeenAtMs <= lagMs) watermark = Math.min(watermark, state.lastSampleTimeMs - amplitudeMs);
    if (!Number.isFinite(watermark)) return [];
    const decidedBefore = watermark - this.windowMs;
    this.decidedThrough = Math.max(this.decidedThrough, decidedBefore);
    if (this.pending.length === 0) return [];
    const ready = this.pending.filter((p) => p.pTimeMs <= watermark);
    const { events, unassociated } = associate(ready, this.stations, this.options);
    const decided = events.filter((e) => e.picks[0]!.pTimeMs <= decidedBefore);
    const done = new Set<StationPick>([...decided.flatMap((e) => [...e.picks, ...e.secondary]), ...unassociated.filter((p) => p.pTimeMs <= decidedBefore)]);
    this.pending = this.pending.filter((p) => !done.has(p));
    return decided.map((e) => sizeEvent(e, this.stations, this.options));
  }
}

function measureAmplitude(buffer: Triaxial, pIndex: number, windowSamples: number, preSamples: number, rateHz: number): Pick<StationPick, 'ppvMmS' | 'pvsMmS' | 'energyFlux'> {
  const { x, y, z } = buffer;
  let ppv = 0;
  let pvs = 0;
  let energy = 0;
  for (let i = pIndex; i < pIndex + windowSamples; i++) {
    const a = x[i]!;
    const b = y[i]!;
    const c = z[i]!;
    ppv = Math.max(ppv, Math.abs(a), Math.abs(b), Math.abs(c));
    const e = a * a + b * b + c * c;
    pvs = Math.max(pvs, e);
    energy += e;
  }
  let noise = 0;
  const from = Math.max(0, pIndex - preSamples);
  for (let i = from; i < pIndex; i++) noise += x[i]! ** 2 + y[i]! ** 2 + z[i]! ** 2;
  const noisePerSample = pIndex > from ? noise / (pIndex - from) : 0;
  return { ppvMmS: ppv, pvsMmS: Math.sqrt(pvs), energyFlux: Math.max(0, energy - noisePerSample * windowSamples) / rateHz };
}
