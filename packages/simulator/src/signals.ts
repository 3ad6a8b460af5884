/** A small seeded PRNG (mulberry32): the simulator's runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller. */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** A source of ground motion, in mm/s, as a function of absolute time in seconds. */
export interface Source {
  /** velocity at time t on each axis */
  at(t: number): [number, number, number];
  /** the source contributes nothing outside [start, end) */
  start: number;
  end: number;
}

/**
 * A blast as the geophone sees it: a sinusoid at the dominant frequency under
 * a smooth (Hann) envelope, peaking at `ppvMmS` on the x axis.
 */
export function blastSource(startS: number, ppvMmS: number, frequencyHz: number, durationS = 1.5): Source {
  return {
    start: startS,
    end: startS + durationS,
    at(t) {
      const u = (t - startS) / durationS;
      if (u < 0 || u >= 1) return [0, 0, 0];
      const envelope = Math.sin(Math.PI * u) ** 2;
      const v = ppvMmS * envelope * Math.sin(2 * Math.PI * frequencyHz * (t - startS));
      return [v, 0.6 * v, 0.4 * v];
    },
  };
}

/** A microseismic event: a short decaying burst at a high frequency. */
export function microseismicSource(startS: number, amplitudeMmS: number, frequencyHz = 80): Source {
  const decay = 25;
  return {
    start: startS,
    end: startS + 0.4,
    at(t) {
      const dt = t - startS;
      if (dt < 0 || dt >= 0.4) return [0, 0, 0];
      const v = amplitudeMmS * Math.exp(-decay * dt) * Math.sin(2 * Math.PI * frequencyHz * dt);
      return [0.5 * v, 0.5 * v, v];
    },
  };
}

/**
 * Event times of an accelerating episode whose rate is k/(tf − t) (the
 * inverse-rate law seen before slope failures), from `startS` until `untilS`.
 */
export function acceleratingEventTimes(startS: number, failureS: number, eventsPerLogUnit: number, untilS: number): number[] {
  const times: number[] = [];
  for (let n = 1; ; n++) {
    const t = failureS - (failureS - startS) * Math.exp(-n / eventsPerLogUnit);
    if (t >= untilS || t >= failureS) break;
    times.push(t);
  }
  return times;
}
