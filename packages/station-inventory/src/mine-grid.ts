import type { GridPosition } from './model.js';

/**
 * A mine grid: a local plane with its origin at a surveyed point, easting and
 * northing in metres, optionally rotated from true north. Converted to WGS84
 * on the local tangent plane, which over a mine's few kilometres is within
 * centimetres of a full projection; the grid's own definition lives in the
 * survey department, this is what the platform needs to place sensors.
 */
export interface MineGrid {
  originLatitude: number;
  originLongitude: number;
  /** grid coordinates of the origin (mine grids use offsets so no coordinate is negative) */
  originEasting: number;
  originNorthing: number;
  /** metres above sea level of grid elevation 0 */
  datumElevation: number;
  /** grid north's bearing east of true north, degrees */
  rotationDeg: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

export function gridToWgs84(grid: MineGrid, p: GridPosition): { latitude: number; longitude: number; elevation: number } {
  const de = p.easting - grid.originEasting;
  const dn = p.northing - grid.originNorthing;
  const r = rad(grid.rotationDeg);
  const east = de * Math.cos(r) + dn * Math.sin(r);
  const north = -de * Math.sin(r) + dn * Math.cos(r);
  return {
    latitude: grid.originLatitude + deg(north / EARTH_RADIUS_M),
    longitude: grid.originLongitude + deg(east / (EARTH_RADIUS_M * Math.cos(rad(grid.originLatitude)))),
    elevation: grid.datumElevation + p.elevation,
  };
}

export function wgs84ToGrid(grid: MineGrid, latitude: number, longitude: number, elevation: number): GridPosition {
  const north = rad(latitude - grid.originLatitude) * EARTH_RADIUS_M;
  const east = rad(longitude - grid.originLongitude) * EARTH_RADIUS_M * Math.cos(rad(grid.originLatitude));
  const r = rad(grid.rotationDeg);
  return {
    easting: grid.originEasting + east * Math.cos(r) - north * Math.sin(r),
    northing: grid.originNorthing + east * Math.sin(r) + north * Math.cos(r),
    elevation: elevation - grid.datumElevation,
  };
}
