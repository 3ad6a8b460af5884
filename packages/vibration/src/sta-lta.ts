import { assertSampleRate, triaxialLength } from './checks.js';
import type { Signal, TriaxialPacket } from './types.js';

/**
 * What the averages run over: `energy` is v² (x² + y² + z² for a packet), the classic choice
 * that makes the ratio a power ratio; `abs` is |v| (the vector magnitude for a packet), which
 * reacts less violently to single spikes.
 */
export type StaLtaCharacteristic = 'energy' | 'abs';

export interface StaLtaOptions {
  /** short-term average time constant, s (default 0.5) */
  readonly staSeconds?: number;
  /** long-term average time constant and warm-up length, s (default 30) */
  readonly ltaSeconds?: number;
  /** trigger on when STA/LTA ≥ this (default 4) */
  readonly triggerRatio?: number;
  /** trigger off when STA/LTA < this (default 1.5); must be below triggerRatio */
  readonly detriggerRatio?: number;
  /** default 'energy' */
  readonly characteristic?: StaLtaCharacteristic;
  /**
   * A chunk that starts more than this before or after the sample the detector expects next
   * restarts it (closing an open trigger and warming up again), because averages carried
   * over a hole in the data describe a signal that is no longer there. Default 1 s.
   */
  readonly maxGapSeconds?: number;
}

export interface StaLtaTriggerOn {
  readonly type: 'on';
  /** time of the first sample whose ratio reached triggerRatio, ms (same epoch as the chunk start) */
  readonly timeMs: number;
  /** 0-based index of that sample among all samples this detector has processed */
  readonly sampleIndex: number;
  readonly ratio: number;
}

export interface StaLtaTriggerOff {
  readonly type: 'off';
  /** 'detrigger': the ratio fell below detriggerRatio; 'discontinuity': a gap or rate change ended the stream */
  readonly reason: 'detrigger' | 'discontinuity';
  /** time of the first sample below detriggerRatio, or of the sample that was expected after a gap, ms */
  readonly timeMs: number;
  readonly sampleIndex: number;
  /** ratio at timeMs (for a discontinuity, at the last sample processed) */
  readonly ratio: number;
  readonly onTimeMs: number;
  readonly durationMs: number;
  /** largest ratio while triggered, and when it occurred */
  readonly peakRatio: number;
  readonly peakTimeMs: number;
}

export type StaLtaEvent = StaLtaTriggerOn | StaLtaTriggerOff;

/**
 * Everything a detector carries between chunks, as plain JSON-safe numbers. A detector
 * restored from it continues exactly (bit for bit) where the one that took it stopped, so a
 * stream can move between processes, or survive a restart, without re-warming.
 */
export interface StaLtaSnapshot {
  readonly version: 1;
  /** absent before the first chunk and after a restart */
  readonly run?: {
    readonly sampleRateHz: number;
    readonly nSta: number;
    readonly nLta: number;
    readonly nextTimeMs: number;
    readonly seen: number;
    readonly sta: number;
    readonly lta: number;
    readonly seenInRun: number;
    readonly lastRatio: number;
  };
  readonly processed: number;
  readonly trigger?: { readonly onTimeMs: number; readonly peakRatio: number; readonly peakTimeMs: number };
}

const DEFAULTS = {
  staSeconds: 0.5,
  ltaSeconds: 30,
  triggerRatio: 4,
  detriggerRatio: 1.5,
  characteristic: 'energy',
  maxGapSeconds: 1,
} as const satisfies Required<StaLtaOptions>;

/**
 * Recursive (exponential) STA/LTA: sta += (cf − sta)/nSta, lta += (cf − lta)/nLta. For the
 * first n < N samples the weight is 1/n instead of 1/N, so each average starts as the plain
 * mean of what it has seen rather than decaying up from zero, and the ratio is ≈1 on
 * stationary noise from the first sample after warm-up. Ratios are 0 until nLta samples
 * have been seen.
 */
class RecursiveStaLta {
  seen = 0;
  sta = 0;
  lta = 0;

  constructor(
    readonly nSta: number,
    readonly nLta: number,
  ) {}

  run(cf: Float64Array, length: number, ratios: Float64Array): void {
    const { nSta, nLta } = this;
    const cSta = 1 / nSta;
    const cLta = 1 / nLta;
    let { seen, sta, lta } = this;
    for (let i = 0; i < length; i++) {
      const v = cf[i]!;
      seen++;
      sta += (seen < nSta ? 1 / seen : cSta) * (v - sta);
      lta += (seen < nLta ? 1 / seen : cLta) * (v - lta);
      ratios[i] = seen >= nLta && lta > 0 ? sta / lta : 0;
    }
    this.seen = seen;
    this.sta = sta;
    this.lta = lta;
  }
}

function resolve(options: StaLtaOptions): Required<StaLtaOptions> {
  const r: Required<StaLtaOptions> = {
    staSeconds: options.staSeconds ?? DEFAULTS.staSeconds,
    ltaSeconds: options.ltaSeconds ?? DEFAULTS.ltaSeconds,
    triggerRatio: options.triggerRatio ?? DEFAULTS.triggerRatio,
    detriggerRatio: options.detriggerRatio ?? DEFAULTS.detriggerRatio,
    characteristic: options.characteristic ?? DEFAULTS.characteristic,
    maxGapSeconds: options.maxGapSeconds ?? DEFAULTS.maxGapSeconds,
  };
  checkWindows(r.staSeconds, r.ltaSeconds);
  if (!(r.detriggerRatio > 0 && r.triggerRatio > r.detriggerRatio && Number.isFinite(r.triggerRatio))) {
    throw new RangeError(
      `need 0 < detriggerRatio < triggerRatio, got ${r.detriggerRatio} and ${r.triggerRatio}`,
    );
  }
  if (!(r.maxGapSeconds >= 0)) throw new RangeError(`maxGapSeconds must be ≥ 0, got ${r.maxGapSeconds}`);
  if (r.characteristic !== 'energy' && r.characteristic !== 'abs') {
    throw new RangeError(`unknown characteristic ${String(r.characteristic)}`);
  }
  return r;
}

function checkWindows(staSeconds: number, ltaSeconds: number): void {
  if (!(staSeconds > 0 && ltaSeconds > staSeconds && Number.isFinite(ltaSeconds))) {
    throw new RangeError(`need 0 < staSeconds < ltaSeconds, got ${staSeconds} and ${ltaSeconds}`);
  }
}

function windowLengths(staSeconds: number, ltaSeconds: number, sampleRateHz: number) {
  const nSta = Math.max(1, Math.round(staSeconds * sampleRateHz));
  const nLta = Math.max(nSta + 1, Math.round(ltaSeconds * sampleRateHz));
  return { nSta, nLta };
}

function characteristicOf(signal: Signal, kind: StaLtaCharacteristic, out: Float64Array): void {
  if (kind === 'energy') {
    for (let i = 0; i < signal.length; i++) {
      const v = signal[i]!;
      out[i] = v * v;
    }
  } else {
    for (let i = 0; i < signal.length; i++) out[i] = Math.abs(signal[i]!);
  }
}

/**
 * STA/LTA ratio at every sample of a whole record (the same recursion the detector runs);
 * 0 for the first ltaSeconds of samples, while the LTA warms up.
 */
export function staLtaRatios(
  signal: Signal,
  sampleRateHz: number,
  staSeconds: number = DEFAULTS.staSeconds,
  ltaSeconds: number = DEFAULTS.ltaSeconds,
  characteristic: StaLtaCharacteristic = DEFAULTS.characteristic,
): Float64Array {
  assertSampleRate(sampleRateHz);
  checkWindows(staSeconds, ltaSeconds);
  const { nSta, nLta } = windowLengths(staSeconds, ltaSeconds, sampleRateHz);
  const cf = new Float64Array(signal.length);
  characteristicOf(signal, characteristic, cf);
  const ratios = new Float64Array(signal.length);
  new RecursiveStaLta(nSta, nLta).run(cf, signal.length, ratios);
  return ratios;
}

/**
 * Stateful STA/LTA trigger for one sensor's stream. Feed it consecutive chunks in time order;
 * averages, warm-up and an open trigger carry across chunk boundaries, so the events do not
 * depend on how the stream was cut into packets.
 */
export class StaLtaDetector {
  /** The options in effect, defaults filled in. */
  readonly options: Required<StaLtaOptions>;

  private core: RecursiveStaLta | undefined;
  private sampleRateHz = Number.NaN;
  private nextTimeMs = Number.NaN;
  /** samples since construction or reset(), for event sampleIndex */
  private processed = 0;
  /** samples since the last (re)start, for warm-up */
  private seenInRun = 0;
  private lastRatio = 0;
  private triggered = false;
  private onTimeMs = 0;
  private peakRatio = 0;
  private peakTimeMs = 0;
  // Reused across chunks so steady-state processing allocates only the returned event list.
  private cf = new Float64Array(0);
  private ratios = new Float64Array(0);

  constructor(options: StaLtaOptions = {}) {
    this.options = Object.freeze(resolve(options));
  }

  /** True while a trigger is open. */
  get isTriggered(): boolean {
    return this.triggered;
  }

  /** True once ltaSeconds of contiguous data have been seen, i.e. the detector can trigger. */
  get isWarmedUp(): boolean {
    return this.core !== undefined && this.seenInRun >= this.core.nLta;
  }

  /** The ratio at the last processed sample (0 during warm-up). */
  get ratio(): number {
    return this.lastRatio;
  }

  /** The detector's state, to persist and later hand to `StaLtaDetector.restore`. */
  snapshot(): StaLtaSnapshot {
    const core = this.core;
    return {
      version: 1,
      ...(core
        ? {
            run: {
              sampleRateHz: this.sampleRateHz,
              nSta: core.nSta,
              nLta: core.nLta,
              nextTimeMs: this.nextTimeMs,
              seen: core.seen,
              sta: core.sta,
              lta: core.lta,
              seenInRun: this.seenInRun,
              lastRatio: this.lastRatio,
            },
          }
        : {}),
      processed: this.processed,
      ...(this.triggered ? { trigger: { onTimeMs: this.onTimeMs, peakRatio: this.peakRatio, peakTimeMs: this.peakTimeMs } } : {}),
    };
  }

  /**
   * A detector with `options` that continues from `snapshot`. A snapshot taken with other
   * window lengths cannot be continued (its averages mean something else): the detector
   * then starts warm-up afresh, as after a gap.
   */
  static restore(options: StaLtaOptions, snapshot: StaLtaSnapshot | undefined): StaLtaDetector {
    const detector = new StaLtaDetector(options);
    if (!snapshot || snapshot.version !== 1) return detector;
    detector.processed = snapshot.processed;
    const run = snapshot.run;
    if (!run) return detector;
    const { nSta, nLta } = windowLengths(detector.options.staSeconds, detector.options.ltaSeconds, run.sampleRateHz);
    if (nSta !== run.nSta || nLta !== run.nLta) return detector;
    const core = new RecursiveStaLta(nSta, nLta);
    core.seen = run.seen;
    core.sta = run.sta;
    core.lta = run.lta;
    detector.core = core;
    detector.sampleRateHz = run.sampleRateHz;
    detector.nextTimeMs = run.nextTimeMs;
    detector.seenInRun = run.seenInRun;
    detector.lastRatio = run.lastRatio;
    if (snapshot.trigger) {
      detector.triggered = true;
      detector.onTimeMs = snapshot.trigger.onTimeMs;
      detector.peakRatio = snapshot.trigger.peakRatio;
      detector.peakTimeMs = snapshot.trigger.peakTimeMs;
    }
    return detector;
  }

  /** Forgets everything, as if newly constructed. */
  reset(): void {
    this.restart();
    this.processed = 0;
  }

  /** Processes one chunk of a single channel, starting at `startTimeMs`. */
  process(samples: Signal, sampleRateHz: number, startTimeMs: number): StaLtaEvent[] {
    const events: StaLtaEvent[] = [];
    const length = samples.length;
    if (!this.begin(length, sampleRateHz, startTimeMs, events)) return events;
    characteristicOf(samples, this.options.characteristic, this.cf);
    this.detect(length, sampleRateHz, startTimeMs, events);
    return events;
  }

  /** Processes one triaxial packet, running on the vector's energy or magnitude. */
  processPacket(packet: TriaxialPacket, startTimeMs: number): StaLtaEvent[] {
    const { sampleRateHz, samples } = packet;
    const length = triaxialLength(samples);
    const events: StaLtaEvent[] = [];
    if (!this.begin(length, sampleRateHz, startTimeMs, events)) return events;
    const { x, y, z } = samples;
    const cf = this.cf;
    const energy = this.options.characteristic === 'energy';
    for (let i = 0; i < length; i++) {
      const a = x[i]!;
      const b = y[i]!;
      const c = z[i]!;
      const e = a * a + b * b + c * c;
      cf[i] = energy ? e : Math.sqrt(e);
    }
    this.detect(length, sampleRateHz, startTimeMs, events);
    return events;
  }

  /** Validates, handles discontinuities and sizes the buffers; false if there is nothing to do. */
  private begin(length: number, sampleRateHz: number, startTimeMs: number, events: StaLtaEvent[]): boolean {
    assertSampleRate(sampleRateHz);
    if (!Number.isFinite(startTimeMs)) throw new RangeError(`start time must be finite, got ${startTimeMs}`);
    if (length === 0) return false;
    if (this.core !== undefined) {
      const gapMs = Math.abs(startTimeMs - this.nextTimeMs);
      if (sampleRateHz !== this.sampleRateHz || gapMs > this.options.maxGapSeconds * 1000) {
        if (this.triggered) events.push(this.offEvent('discontinuity', this.nextTimeMs, this.processed, this.lastRatio));
        this.restart();
      }
    }
    if (this.core === undefined) {
      const { nSta, nLta } = windowLengths(this.options.staSeconds, this.options.ltaSeconds, sampleRateHz);
      this.core = new RecursiveStaLta(nSta, nLta);
      this.sampleRateHz = sampleRateHz;
    }
    if (this.cf.length < length) {
      this.cf = new Float64Array(length);
      this.ratios = new Float64Array(length);
    }
    return true;
  }

  private detect(length: number, sampleRateHz: number, startTimeMs: number, events: StaLtaEvent[]): void {
    const core = this.core!;
    const ratios = this.ratios;
    core.run(this.cf, length, ratios);
    const { triggerRatio, detriggerRatio } = this.options;
    for (let i = 0; i < length; i++) {
      const ratio = ratios[i]!;
      if (!this.triggered) {
        if (ratio >= triggerRatio) {
          const timeMs = startTimeMs + (i * 1000) / sampleRateHz;
          this.triggered = true;
          this.onTimeMs = timeMs;
          this.peakRatio = ratio;
          this.peakTimeMs = timeMs;
          events.push({ type: 'on', timeMs, sampleIndex: this.processed + i, ratio });
        }
      } else if (ratio < detriggerRatio) {
        events.push(this.offEvent('detrigger', startTimeMs + (i * 1000) / sampleRateHz, this.processed + i, ratio));
        this.triggered = false;
      } else if (ratio > this.peakRatio) {
        this.peakRatio = ratio;
        this.peakTimeMs = startTimeMs + (i * 1000) / sampleRateHz;
      }
    }
    this.lastRatio = ratios[length - 1]!;
    this.processed += length;
    this.seenInRun += length;
    this.nextTimeMs = startTimeMs + (length * 1000) / sampleRateHz;
  }

  private offEvent(
    reason: StaLtaTriggerOff['reason'],
    timeMs: number,
    sampleIndex: number,
    ratio: number,
  ): StaLtaTriggerOff {
    return {
      type: 'off',
      reason,
      timeMs,
      sampleIndex,
      ratio,
      onTimeMs: this.onTimeMs,
      durationMs: timeMs - this.onTimeMs,
      peakRatio: this.peakRatio,
      peakTimeMs: this.peakTimeMs,
    };
  }

  private restart(): void {
    this.core = undefined;
    this.sampleRateHz = Number.NaN;
    this.nextTimeMs = Number.NaN;
    this.seenInRun = 0;
    this.lastRatio = 0;
    this.triggered = false;
  }
}
