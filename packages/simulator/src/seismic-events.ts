import { DEFAULT_MAGNITUDE_COEFFICIENTS, distance, peakVelocityAt, type MagnitudeCoefficients, type Position, type VelocityModel } from '@mine/seismology';
import { gaussian, seededRandom, type Source } from './signals.js';

/** What really happened: the truth a test compares the catalogue with. */
export interface SimulatedSeismicEvent {
  readonly eventId: string;
  readonly kind: 'natural' | 'blast';
  /** origin time, s since the epoch */
  readonly originTimeS: number;
  readonly hypocentre: Position;
  readonly magnitude: number;
}

export interface WavePhysics {
  readonly model: VelocityModel;
  readonly magnitude?: MagnitudeCoefficients;
  /** standard deviation of a station's log10 amplitude about the attenuation law (site effects), default 0.1 */
  readonly siteScatterLog10?: number;
}

/**
 * A wavelet that starts at τ = 0 and rises within a fraction of a cycle: a sine at f under the
 * envelope (τ/τp)·e^(1 − τ/τp), τp = 0.6/f, normalised so its largest |value| is 1.
 */
function wavelet(frequencyHz: number): { at(tau: number): number; durationS: number } {
  const tp = 0.6 / frequencyHz;
  const raw = (tau: number) => (tau <= 0 ? 0 : (tau / tp) * Math.exp(1 - tau / tp) * Math.sin(2 * Math.PI * frequencyHz * tau));
  let peak = 0;
  for (let tau = 0; tau < 12 * tp; tau += tp / 200) peak = Math.max(peak, Math.abs(raw(tau)));
  return { at: (tau) => raw(tau) / peak, durationS: 12 * tp };
}

/** Dominant frequency of an event: corner frequencies fall with size (≈ 10^(−M/3) scaling), kept below the 500 Hz Nyquist. */
export function eventFrequencyHz(kind: SimulatedSeismicEvent['kind'], magnitude: number): number {
  if (kind === 'blast') return Math.min(40, Math.max(15, 30 * 10 ** (-magnitude / 3)));
  return Math.min(150, Math.max(25, 90 * 10 ** (-magnitude / 3)));
}

function unit(v: [number, number, number]): [number, number, number] {
  const n = Math.hypot(...v) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

function cross(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

/**
 * The ground motion one event causes at a station (axes x east, y north, z up): a P wavelet
 * polarised along the ray arriving at t0 + R/vp, and an S wavelet polarised across it arriving at
 * t0 + R/vs. The S peak vector amplitude is the attenuation law's amplitude for the event's
 * magnitude at R (`peakVelocityAt`, the inverse of the catalogue's magnitude formula) times a
 * log-normal site term; P is a third of it for natural events, and blasts, being explosions,
 * radiate strong P and weak S (P twice S).
 */
export function seismicEventSource(event: SimulatedSeismicEvent, station: Position, physics: WavePhysics, seed: number): Source {
  const r = Math.max(1, distance(event.hypocentre, station));
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const site = 10 ** ((physics.siteScatterLog10 ?? 0.1) * normal());
  const peak = peakVelocityAt(event.magnitude, r, physics.magnitude ?? DEFAULT_MAGNITUDE_COEFFICIENTS) * site;
  const blast = event.kind === 'blast';
  const sAmplitude = blast ? peak / 2 : peak;
  const pAmplitude = blast ? peak : peak / 3;
  const frequency = eventFrequencyHz(event.kind, event.magnitude);
  const pWave = wavelet(frequency * 1.3);
  const sWave = wavelet(frequency);
  const ray = unit([station.easting - event.hypocentre.easting, station.northing - event.hypocentre.northing, station.elevation - event.hypocentre.elevation]);
  // S moves across the ray, in a direction fixed by the (unknown) focal mechanism: random here.
  const helper = Math.abs(ray[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const a = unit(cross(ray, helper));
  const b = cross(ray, a);
  const angle = 2 * Math.PI * random();
  const sDir = [a[0] * Math.cos(angle) + b[0] * Math.sin(angle), a[1] * Math.cos(angle) + b[1] * Math.sin(angle), a[2] * Math.cos(angle) + b[2] * Math.sin(angle)];
  const tp = event.originTimeS + r / physics.model.vpMps;
  const ts = event.originTimeS + r / physics.model.vsMps;
  return {
    start: tp,
    end: ts + sWave.durationS,
    at(t) {
      const p = pAmplitude * pWave.at(t - tp);
      const s = t > ts ? sAmplitude * sWave.at(t - ts) : 0;
      return [p * ray[0] + s * sDir[0]!, p * ray[1] + s * sDir[1]!, p * ray[2] + s * sDir[2]!];
    },
  };
}

/**
 * Machinery or rock-breaking next to one geophone: a burst of broadband noise that only that
 * station sees, the kind of trigger no other station confirms.
 */
export function localNoiseBurst(startS: number, amplitudeMmS: number, durationS: number, seed: number): Source {
  const normal = gaussian(seededRandom(seed));
  return {
    start: startS,
    end: startS + durationS,
    at(t) {
      if (t < startS || t >= startS + durationS) return [0, 0, 0];
      const envelope = Math.sin((Math.PI * (t - startS)) / durationS);
      return [amplitudeMmS * envelope * normal(), amplitudeMmS * envelope * normal(), amplitudeMmS * envelope * normal()];
    },
  };
}
