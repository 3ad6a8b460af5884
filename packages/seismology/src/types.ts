/**
 * A point in the mine grid, metres: easting, northing and elevation (up), the station
 * inventory's `GridPosition` (a mine grid's reduced level is the elevation). Keeping "up"
 * positive makes the grid right-handed.
 */
export interface Position {
  readonly easting: number;
  readonly northing: number;
  readonly elevation: number;
}

/** A seismic station (a triaxial geophone) at a known position in its site's grid. */
export interface Station {
  readonly stationId: string;
  readonly position: Position;
}

/**
 * Homogeneous velocity model of a site (m/s). Hard-rock mines are close to homogeneous at the
 * scale of an array (a few hundred metres); a layered model would slot in behind `travelTime`.
 */
export interface VelocityModel {
  readonly vpMps: number;
  readonly vsMps: number;
}

export type Phase = 'P' | 'S';

/** An arrival time read from one station's waveform. */
export interface Pick {
  readonly stationId: string;
  readonly phase: Phase;
  /** arrival time, ms since the epoch (fractional ms keep sample accuracy) */
  readonly timeMs: number;
  /** a-priori standard error of the time, ms; defaults to the locator's pick sigma */
  readonly sigmaMs?: number;
}

export function distance(a: Position, b: Position): number {
  return Math.hypot(a.easting - b.easting, a.northing - b.northing, a.elevation - b.elevation);
}

export function velocityOf(model: VelocityModel, phase: Phase): number {
  return phase === 'P' ? model.vpMps : model.vsMps;
}

/** Straight-ray travel time through the homogeneous model, s. */
export function travelTimeS(model: VelocityModel, phase: Phase, from: Position, to: Position): number {
  return distance(from, to) / velocityOf(model, phase);
}

export function assertVelocityModel(model: VelocityModel): void {
  if (!(model.vpMps > 0 && model.vsMps > 0 && model.vsMps < model.vpMps && Number.isFinite(model.vpMps))) {
    throw new RangeError(`need 0 < vs < vp, got vp ${model.vpMps} and vs ${model.vsMps} m/s`);
  }
}
