/**
 * Local magnitude from distance-corrected peak velocity, in the functional form of Hutton &
 * Boore (1987, BSSA 77:2074) that most local-magnitude scales share:
 *
 *     ML = log10(A) + a·log10(R / R0) + b·(R − R0) + c
 *
 * A is the peak ground velocity (mm/s) at hypocentral distance R (m). a is geometric spreading
 * (1 for body waves in a whole space, Richter's 1/R), b anelastic attenuation per metre
 * (b = π·f / (Q·v·ln 10): 1e-4 for f = 50 Hz, Q = 200, v = 3400 m/s), and c anchors the scale:
 * with c = 0.4, an event read as 0.4 mm/s at R0 = 100 m is ML 0 (0.002). A mine calibrates a, b and c
 * against a reference catalogue (a regional network's magnitudes of its larger events); the
 * defaults are a starting point, not a calibration.
 */
export interface MagnitudeCoefficients {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly referenceDistanceM: number;
}

export const DEFAULT_MAGNITUDE_COEFFICIENTS: MagnitudeCoefficients = Object.freeze({ a: 1, b: 1e-4, c: 0.4, referenceDistanceM: 100 });

/** Station magnitude from its peak velocity (mm/s) at hypocentral distance R (m). */
export function stationMagnitude(peakMmS: number, distanceM: number, k: MagnitudeCoefficients = DEFAULT_MAGNITUDE_COEFFICIENTS): number {
  if (!(peakMmS > 0) || !(distanceM > 0)) throw new RangeError(`need a positive amplitude and distance, got ${peakMmS} mm/s at ${distanceM} m`);
  return Math.log10(peakMmS) + distanceCorrection(distanceM, k);
}

/** The amplitude an event of magnitude `ml` has at R: the inverse of `stationMagnitude` (the simulator uses it). */
export function peakVelocityAt(ml: number, distanceM: number, k: MagnitudeCoefficients = DEFAULT_MAGNITUDE_COEFFICIENTS): number {
  return 10 ** (ml - distanceCorrection(Math.max(distanceM, 1), k));
}

function distanceCorrection(distanceM: number, k: MagnitudeCoefficients): number {
  return k.a * Math.log10(distanceM / k.referenceDistanceM) + k.b * (distanceM - k.referenceDistanceM) + k.c;
}

/**
 * Network magnitude: the median of the station magnitudes, so one station on a site effect or
 * with a clipped or noisy trace does not move it; its spread is the median absolute deviation.
 */
export function networkMagnitude(stationMagnitudes: readonly number[]): { magnitude: number; spread: number; count: number } {
  if (stationMagnitudes.length === 0) throw new RangeError('no station magnitudes');
  const magnitude = median(stationMagnitudes);
  return { magnitude, spread: median(stationMagnitudes.map((m) => Math.abs(m - magnitude))), count: stationMagnitudes.length };
}

export interface EnergyParameters {
  /** rock density, kg/m³ (default 2700) */
  readonly densityKgM3: number;
  /** S-wave velocity, m/s: the flux is attributed to S, which carries most of the energy */
  readonly vsMps: number;
}

/**
 * Radiated energy seen by one station (J), after Boatwright & Fletcher (1984, BSSA 74:361):
 *
 *     E = 4π·ρ·c·R²·J,    J = ∫ v(t)² dt  (energy flux, m²/s)
 *
 * with the radiation pattern replaced by its focal-sphere average (the focal mechanism is not
 * known) and the whole flux of the window after P attributed to the S wave (vp·J_P is typically
 * a tenth or less of vs·J_S; Boatwright & Fowler 1986). `fluxMm2S` is ∫|v|² dt in (mm/s)²·s.
 */
export function stationEnergy(fluxMm2S: number, distanceM: number, p: EnergyParameters): number {
  if (!(fluxMm2S >= 0) || !(distanceM > 0)) throw new RangeError(`need a flux ≥ 0 and a positive distance, got ${fluxMm2S} and ${distanceM}`);
  return 4 * Math.PI * p.densityKgM3 * p.vsMps * distanceM * distanceM * fluxMm2S * 1e-6;
}

/** Network energy: the geometric mean of the station energies (they scatter log-normally). */
export function networkEnergy(stationEnergies: readonly number[]): number {
  const positive = stationEnergies.filter((e) => e > 0);
  if (positive.length === 0) return 0;
  return 10 ** (positive.reduce((s, e) => s + Math.log10(e), 0) / positive.length);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Linear-interpolated quantile (q in [0, 1]). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
