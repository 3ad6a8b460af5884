import { Matrix, inverse, solve, EigenvalueDecomposition } from 'ml-matrix';
import { assertVelocityModel, distance, velocityOf, type Phase, type Pick, type Position, type Station, type VelocityModel } from './types.js';

export interface LocateOptions {
  readonly model: VelocityModel;
  /** a-priori pick standard error, ms (default 2: one sample at 500 Hz) */
  readonly pickSigmaMs?: number;
  /** how far outside the stations' bounding box the grid search looks, m (default 150) */
  readonly searchMarginM?: number;
  /** grid nodes per axis of the starting search (default 14) */
  readonly gridNodes?: number;
  readonly maxIterations?: number;
  /** confidence level of the error ellipse (default 0.95) */
  readonly confidence?: 0.683 | 0.9 | 0.95 | 0.99;
}

export interface ArrivalResidual {
  readonly stationId: string;
  readonly phase: Phase;
  /** hypocentral distance, m */
  readonly distanceM: number;
  /** observed − computed arrival time, ms */
  readonly residualMs: number;
}

/** Horizontal error ellipse (QuakeML's OriginUncertainty): semi-axes in m, azimuth of the major axis clockwise from grid north. */
export interface ErrorEllipse {
  readonly semiMajorM: number;
  readonly semiMinorM: number;
  readonly azimuthDeg: number;
  readonly confidence: number;
}

export interface Location {
  readonly hypocentre: Position;
  readonly originTimeMs: number;
  readonly residuals: ArrivalResidual[];
  /** RMS of the residuals, ms */
  readonly rmsMs: number;
  readonly ellipse: ErrorEllipse;
  /** standard errors, m and ms */
  readonly elevationErrorM: number;
  readonly originTimeErrorMs: number;
  /** covariance of (east, north, elevation, origin time) in m² / m·ms / ms² */
  readonly covariance: number[][];
  /** largest azimuthal gap between stations seen from the epicentre, degrees */
  readonly azimuthalGapDeg: number;
  readonly iterations: number;
}

// √χ²(2 dof) at each confidence: the factor from 1σ principal axes to the ellipse's semi-axes.
const ELLIPSE_SCALE: Record<number, number> = { 0.683: Math.sqrt(2.2957), 0.9: Math.sqrt(4.6052), 0.95: Math.sqrt(5.9915), 0.99: Math.sqrt(9.2103) };

interface Arrival {
  stationId: string;
  phase: Phase;
  at: Position;
  /** s after the reference time */
  t: number;
  weight: number;
  v: number;
}

/**
 * Hypocentre and origin time from arrival times, by Geiger's method: Gauss–Newton least squares
 * on (east, north, elevation, origin time) with Levenberg–Marquardt damping, started from the best
 * node of a coarse grid search (Geiger's linearisation converges only from nearby, and a mine's
 * arrays are small enough that a 14³ grid costs microseconds per pick). The covariance is the
 * inverse of the weighted normal matrix scaled by the reduced χ² when that exceeds 1 (an
 * a-posteriori error larger than the picks' a-priori error widens the ellipse; a small one does
 * not shrink it below what the picks justify). Needs ≥ 4 arrivals at ≥ 3 stations.
 */
export function locate(picks: readonly Pick[], stations: ReadonlyMap<string, Station>, options: LocateOptions): Location {
  assertVelocityModel(options.model);
  const sigmaS = (options.pickSigmaMs ?? 2) / 1000;
  const referenceMs = Math.min(...picks.map((p) => p.timeMs));
  const arrivals: Arrival[] = picks.map((p) => {
    const station = stations.get(p.stationId);
    if (!station) throw new RangeError(`unknown station ${p.stationId}`);
    const s = (p.sigmaMs ?? sigmaS * 1000) / 1000;
    return { stationId: p.stationId, phase: p.phase, at: station.position, t: (p.timeMs - referenceMs) / 1000, weight: 1 / (s * s), v: velocityOf(options.model, p.phase) };
  });
  const distinctStations = new Set(arrivals.map((a) => a.stationId)).size;
  if (arrivals.length < 4 || distinctStations < 3) throw new RangeError(`need ≥ 4 arrivals at ≥ 3 stations, got ${arrivals.length} at ${distinctStations}`);

  let hypo = gridSearch(arrivals, options.searchMarginM ?? 150, options.gridNodes ?? 14);
  let t0 = bestOriginTime(arrivals, hypo);
  let misfit = weightedMisfit(arrivals, hypo, t0);
  let lambda = 1e-3;
  let iterations = 0;
  const maxIterations = options.maxIterations ?? 50;
  for (; iterations < maxIterations; iterations++) {
    const { normal, gradient } = normalEquations(arrivals, hypo, t0);
    let improved = false;
    for (let tries = 0; tries < 12 && !improved; tries++) {
      const damped = normal.clone();
      for (let i = 0; i < 4; i++) damped.set(i, i, normal.get(i, i) * (1 + lambda));
      const step = solve(damped, gradient).getColumn(0);
      const candidate = { easting: hypo.easting + step[0]!, northing: hypo.northing + step[1]!, elevation: hypo.elevation + step[2]! };
      const candidateT0 = t0 + step[3]!;
      const candidateMisfit = weightedMisfit(arrivals, candidate, candidateT0);
      if (candidateMisfit <= misfit) {
        const converged = Math.hypot(step[0]!, step[1]!, step[2]!) < 1e-3 && misfit - candidateMisfit < 1e-9 * (1 + misfit);
        hypo = candidate;
        t0 = candidateT0;
        misfit = candidateMisfit;
        lambda = Math.max(1e-9, lambda / 10);
        improved = true;
        if (converged) iterations = maxIterations;
      } else lambda *= 10;
    }
    if (!improved) break;
  }

  const { normal } = normalEquations(arrivals, hypo, t0);
  const dof = arrivals.length - 4;
  const reducedChi2 = dof > 0 ? misfit / dof : 1;
  // Position rows in m, origin time in s; reported in ms below.
  const cov = inverse(normal, true).mul(Math.max(1, reducedChi2));
  const residuals = arrivals.map((a) => {
    const d = distance(a.at, hypo);
    return { stationId: a.stationId, phase: a.phase, distanceM: d, residualMs: (a.t - t0 - d / a.v) * 1000 };
  });
  const rmsMs = Math.sqrt(residuals.reduce((s, r) => s + r.residualMs ** 2, 0) / residuals.length);
  const covariance = cov.to2DArray().map((row, i) => row.map((v, j) => v * (i === 3 ? 1000 : 1) * (j === 3 ? 1000 : 1)));
  const confidence = options.confidence ?? 0.95;
  return {
    hypocentre: hypo,
    originTimeMs: referenceMs + t0 * 1000,
    residuals,
    rmsMs,
    ellipse: horizontalEllipse(covariance, confidence),
    elevationErrorM: Math.sqrt(covariance[2]![2]!),
    originTimeErrorMs: Math.sqrt(covariance[3]![3]!),
    covariance,
    azimuthalGapDeg: azimuthalGap(hypo, arrivals.map((a) => a.at)),
    iterations,
  };
}

/** Weighted least-squares origin time for a trial hypocentre (the misfit's minimum in t0 is closed-form). */
function bestOriginTime(arrivals: Arrival[], hypo: Position): number {
  let num = 0;
  let den = 0;
  for (const a of arrivals) {
    num += a.weight * (a.t - distance(a.at, hypo) / a.v);
    den += a.weight;
  }
  return num / den;
}

function weightedMisfit(arrivals: Arrival[], hypo: Position, t0: number): number {
  let sum = 0;
  for (const a of arrivals) {
    const r = a.t - t0 - distance(a.at, hypo) / a.v;
    sum += a.weight * r * r;
  }
  return sum;
}

function gridSearch(arrivals: Arrival[], margin: number, nodes: number): Position {
  const lo = { easting: Infinity, northing: Infinity, elevation: Infinity };
  const hi = { easting: -Infinity, northing: -Infinity, elevation: -Infinity };
  for (const { at } of arrivals)
    for (const k of ['easting', 'northing', 'elevation'] as const) {
      lo[k] = Math.min(lo[k], at[k] - margin);
      hi[k] = Math.max(hi[k], at[k] + margin);
    }
  let best: Position = { easting: (lo.easting + hi.easting) / 2, northing: (lo.northing + hi.northing) / 2, elevation: (lo.elevation + hi.elevation) / 2 };
  let bestMisfit = Infinity;
  for (let i = 0; i < nodes; i++)
    for (let j = 0; j < nodes; j++)
      for (let k = 0; k < nodes; k++) {
        const p = {
          easting: lo.easting + ((i + 0.5) / nodes) * (hi.easting - lo.easting),
          northing: lo.northing + ((j + 0.5) / nodes) * (hi.northing - lo.northing),
          elevation: lo.elevation + ((k + 0.5) / nodes) * (hi.elevation - lo.elevation),
        };
        const m = weightedMisfit(arrivals, p, bestOriginTime(arrivals, p));
        if (m < bestMisfit) {
          bestMisfit = m;
          best = p;
        }
      }
  return best;
}

/** JᵀWJ and JᵀWr for residuals r = t − t0 − d/v, unknowns (east, north, elevation, t0). */
function normalEquations(arrivals: Arrival[], hypo: Position, t0: number): { normal: Matrix; gradient: Matrix } {
  const normal = Matrix.zeros(4, 4);
  const gradient = Matrix.zeros(4, 1);
  for (const a of arrivals) {
    // Keep the derivative finite when the trial point sits on a station.
    const d = Math.max(1e-3, distance(a.at, hypo));
    const row = [(hypo.easting - a.at.easting) / (a.v * d), (hypo.northing - a.at.northing) / (a.v * d), (hypo.elevation - a.at.elevation) / (a.v * d), 1];
    const r = a.t - t0 - d / a.v;
    for (let i = 0; i < 4; i++) {
      gradient.set(i, 0, gradient.get(i, 0) + a.weight * row[i]! * r);
      for (let j = 0; j < 4; j++) normal.set(i, j, normal.get(i, j) + a.weight * row[i]! * row[j]!);
    }
  }
  return { normal, gradient };
}

function horizontalEllipse(covariance: number[][], confidence: number): ErrorEllipse {
  const block = new Matrix([
    [covariance[0]![0]!, covariance[0]![1]!],
    [covariance[1]![0]!, covariance[1]![1]!],
  ]);
  const evd = new EigenvalueDecomposition(block, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const major = values[0]! >= values[1]! ? 0 : 1;
  const vector = evd.eigenvectorMatrix.getColumn(major);
  const scale = ELLIPSE_SCALE[confidence]!;
  const azimuth = ((Math.atan2(vector[0]!, vector[1]!) * 180) / Math.PI + 360) % 180;
  return {
    semiMajorM: scale * Math.sqrt(Math.max(0, values[major]!)),
    semiMinorM: scale * Math.sqrt(Math.max(0, values[1 - major]!)),
    azimuthDeg: azimuth,
    confidence,
  };
}

function azimuthalGap(epicentre: Position, positions: Position[]): number {
  const azimuths = [...new Set(positions.map((p) => ((Math.atan2(p.easting - epicentre.easting, p.northing - epicentre.northing) * 180) / Math.PI + 360) % 360))].sort((a, b) => a - b);
  if (azimuths.length < 2) return 360;
  let gap = 360 - azimuths[azimuths.length - 1]! + azimuths[0]!;
  for (let i = 1; i < azimuths.length; i++) gap = Math.max(gap, azimuths[i]! - azimuths[i - 1]!);
  return gap;
}
