import type { PlannedBlast, SeismicEvent, SensorReading } from '@mine/contracts';
import { NETWORK_STA_LTA, SeismicNetwork, distance, type MagnitudeCoefficients, type SeismicSolution, type VelocityModel } from '@mine/seismology';
import type { Logger } from '@mine/platform';
import type { NetworkLayout } from './network-layout.js';

export interface CatalogueOptions {
  models: { default: VelocityModel; [site: string]: VelocityModel };
  magnitude?: MagnitudeCoefficients;
  blastMatchRadiusM: number;
  blastWindowSlackMs: number;
  /** how long a later packet waits for a missing earlier one of its sensor before going on without it */
  reorderWaitMs?: number;
}

/** What the catalogue needs from its store. */
export interface CatalogueSink {
  blastsAround(site: string, timeMs: number, slackMs: number): Promise<PlannedBlast[]>;
  /** false when the catalogue already had the event */
  insertEvent(event: SeismicEvent): Promise<boolean>;
}

interface Hold {
  untilMs: number;
  release: () => void;
  fail: (error: Error) => void;
}

interface SensorQueue {
  next: number | undefined;
  waiting: Map<number, { reading: SensorReading; since: number; hold: Promise<void>; resolve: () => void; reject: (e: Error) => void }>;
}

/**
 * The catalogue's stage: each site's array as a `SeismicNetwork`, fed every station's packets
 * in sequence order. A packet's handler resolves (and the packet is acknowledged) only once no
 * undecided event can need it — its end is older than what the network has decided, less the
 * trigger's warm-up and the picker's reach — so a new leader that gets the unacknowledged
 * packets again rebuilds exactly the state that mattered. Decided events are labelled against
 * the blast register and stored before that.
 */
export class Catalogue {
  private readonly networks = new Map<string, SeismicNetwork>();
  private readonly holds = new Map<string, Hold[]>();
  private readonly queues = new Map<string, SensorQueue>();
  private work: Promise<unknown> = Promise.resolve();
  private readonly retainMs: number;
  private closed = false;

  constructor(
    private readonly layout: NetworkLayout,
    private readonly sink: CatalogueSink,
    private readonly options: CatalogueOptions,
    private readonly logger: Logger,
    private readonly onEvent: (event: SeismicEvent) => void = () => undefined,
  ) {
    for (const [site, stations] of layout.sites) {
      const model = options.models[site] ?? options.models.default;
      this.networks.set(site, new SeismicNetwork(stations, { model, ...(options.magnitude ? { magnitude: options.magnitude } : {}) }));
    }
    // The detector re-warms over one LTA; the picker looks 0.3 s back; a second of margin.
    this.retainMs = (NETWORK_STA_LTA.ltaSeconds ?? 2) * 1000 + 1300;
  }

  /** Resolves when the packet is no longer needed (then it may be acknowledged). */
  handle(reading: SensorReading): Promise<void> {
    if (this.closed) return Promise.reject(new Error('catalogue is closing'));
    const station = this.layout.stations.get(reading.sensorId);
    if (!station) return Promise.resolve(); // not a seismic station of the inventory: nothing to do
    let queue = this.queues.get(reading.sensorId);
    if (!queue) this.queues.set(reading.sensorId, (queue = { next: undefined, waiting: new Map() }));
    if (queue.next !== undefined && reading.sequence < queue.next) return Promise.resolve(); // a redelivery of what was processed
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const hold = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    queue.waiting.set(reading.sequence, { reading, since: Date.now(), hold, resolve, reject });
    this.serial(() => this.drain(reading.sensorId, station.site));
    return hold;
  }

  /** Periodic: lets waits for missing packets expire and silent stations stop holding decisions. */
  tick(nowMs = Date.now()): Promise<void> {
    return this.serial(async () => {
      for (const [sensorId, queue] of this.queues) if (queue.waiting.size > 0) await this.drain(sensorId, this.layout.stations.get(sensorId)!.site, nowMs);
      for (const [site, network] of this.networks) await this.decided(site, network.flush(nowMs));
    });
  }

  /** Fails every held packet (they are nacked and redelivered to the next leader). */
  close(): void {
    this.closed = true;
    const error = new Error('catalogue closed before the packet was released');
    for (const holds of this.holds.values()) for (const h of holds.splice(0)) h.fail(error);
    for (const queue of this.queues.values()) for (const w of queue.waiting.values()) w.reject(error);
    this.queues.clear();
  }

  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(task);
    this.work = run.catch((error) => this.logger.error({ err: error }, 'catalogue step failed'));
    return run;
  }

  private async drain(sensorId: string, site: string, nowMs = Date.now()): Promise<void> {
    const queue = this.queues.get(sensorId)!;
    const wait = this.options.reorderWaitMs ?? 3000;
    for (;;) {
      let entry = queue.next === undefined ? undefined : queue.waiting.get(queue.next);
      if (!entry && queue.waiting.size > 0) {
        // The first packet seen, or a gap that waited long enough: go on from the lowest sequence.
        const lowest = Math.min(...queue.waiting.keys());
        const candidate = queue.waiting.get(lowest)!;
        if (queue.next === undefined || nowMs - candidate.since >= wait) entry = candidate;
      }
      if (!entry) return;
      queue.waiting.delete(entry.reading.sequence);
      queue.next = entry.reading.sequence + 1;
      await this.process(entry.reading, site, nowMs, entry.resolve, entry.reject);
    }
  }

  private async process(reading: SensorReading, site: string, nowMs: number, release: () => void, fail: (e: Error) => void): Promise<void> {
    const network = this.networks.get(site)!;
    const startMs = Date.parse(reading.startTime);
    const endMs = startMs + (reading.samples.x.length * 1000) / reading.sampleRateHz;
    let holds = this.holds.get(site);
    if (!holds) this.holds.set(site, (holds = []));
    holds.push({ untilMs: endMs + this.retainMs, release, fail });
    await this.decided(site, network.addPacket(reading.sensorId, reading, startMs, nowMs));
  }

  /** Stores decided events, then releases the packets nothing undecided needs any more. */
  private async decided(site: string, solutions: SeismicSolution[]): Promise<void> {
    for (const solution of solutions) {
      const event = await this.toEvent(site, solution);
      if (await this.sink.insertEvent(event)) this.onEvent(event);
    }
    const through = this.networks.get(site)!.decidedThroughMs;
    const holds = this.holds.get(site) ?? [];
    const keep: Hold[] = [];
    for (const h of holds) (h.untilMs <= through ? h.release() : keep.push(h));
    this.holds.set(site, keep);
  }

  private async toEvent(site: string, solution: SeismicSolution): Promise<SeismicEvent> {
    const { location } = solution;
    const h = location.hypocentre;
    const geo = this.layout.geography.toWgs84(h);
    const first = solution.stations.reduce((a, b) => (b.pTimeMs < a.pTimeMs ? b : a));
    const blast = await this.matchBlast(site, location.originTimeMs, h);
    const arrivals = solution.stations.flatMap((s) => [
      { sensorId: s.stationId, phase: 'P' as const, time: isoMicro(s.pTimeMs), residualMs: s.pResidualMs, distanceM: s.distanceM },
      ...(s.sTimeMs !== undefined ? [{ sensorId: s.stationId, phase: 'S' as const, time: isoMicro(s.sTimeMs), residualMs: s.sResidualMs ?? 0, distanceM: s.distanceM }] : []),
    ]);
    return {
      eventId: `${site}.${first.stationId}.${Math.round(first.pTimeMs)}`,
      site,
      zone: this.layout.nearestZone(site, h),
      kind: blast ? 'blast' : 'natural',
      originTime: isoMicro(location.originTimeMs),
      easting: h.easting,
      northing: h.northing,
      elevation: h.elevation,
      latitude: geo.latitude,
      longitude: geo.longitude,
      depthM: geo.depthM,
      originTimeErrorMs: location.originTimeErrorMs,
      horizontalErrorMaxM: location.ellipse.semiMajorM,
      horizontalErrorMinM: location.ellipse.semiMinorM,
      horizontalErrorAzimuthDeg: location.ellipse.azimuthDeg,
      errorConfidence: location.ellipse.confidence,
      depthErrorM: location.elevationErrorM,
      rmsResidualMs: location.rmsMs,
      azimuthalGapDeg: location.azimuthalGapDeg,
      stationCount: solution.stations.length,
      magnitude: solution.magnitude,
      magnitudeSpread: solution.magnitudeSpread,
      energyJ: solution.energyJ,
      ...(blast ? { blastId: blast.blast.blastId, blastOffsetM: blast.offsetM } : {}),
      arrivals,
      stations: solution.stations.map((s) => ({
        sensorId: s.stationId,
        zone: this.layout.stations.get(s.stationId)?.zone ?? site,
        distanceM: s.distanceM,
        ppvMmS: s.ppvMmS,
        pvsMmS: s.pvsMmS,
        magnitude: s.magnitude,
        energyJ: s.energyJ,
      })),
      decidedAt: new Date().toISOString(),
    };
  }

  private async matchBlast(site: string, originMs: number, h: { easting: number; northing: number; elevation: number }) {
    const candidates = await this.sink.blastsAround(site, originMs, this.options.blastWindowSlackMs);
    return matchBlast(candidates, h, this.options.blastMatchRadiusM);
  }
}

/** The nearest planned blast within the radius, with the offset between planned and located positions. */
export function matchBlast(candidates: PlannedBlast[], h: { easting: number; northing: number; elevation: number }, radiusM: number): { blast: PlannedBlast; offsetM: number } | undefined {
  let best: { blast: PlannedBlast; offsetM: number } | undefined;
  for (const blast of candidates) {
    const offsetM = distance(blast, h);
    if (offsetM <= radiusM && (!best || offsetM < best.offsetM)) best = { blast, offsetM };
  }
  return best;
}

/** ISO time keeping microseconds (arrival times need better than a millisecond at 500 Hz and up). */
export function isoMicro(ms: number): string {
  const whole = Math.floor(ms);
  const micro = Math.min(999, Math.round((ms - whole) * 1000));
  const base = new Date(whole).toISOString();
  return micro === 0 ? base : `${base.slice(0, -1)}${String(micro).padStart(3, '0')}Z`;
}
