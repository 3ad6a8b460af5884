import type { Position } from '@mine/seismology';
import type { SimulatedSensor } from './simulator.js';

/** A sensor's grid position as the seismology package takes it (the inventory's `grid`). */
export function positionOf(sensor: Pick<SimulatedSensor, 'grid'>): Position {
  return sensor.grid;
}

/**
 * Where a zone's production blasts are fired in the simulation: around the middle of the zone's
 * sensors, 15 m below their mean elevation (the stope or bench they watch), on a 40 m square.
 * A blast register entry names one of these (or any other position).
 */
export function blastPositions(sensors: readonly SimulatedSensor[], site: string, zone: string): Position[] {
  const members = sensors.filter((s) => s.site === site && s.zone === zone);
  if (members.length === 0) throw new RangeError(`no sensors in ${site}/${zone}`);
  const mean = (k: keyof Position) => members.reduce((sum, s) => sum + s.grid[k], 0) / members.length;
  const centre = { easting: mean('easting'), northing: mean('northing'), elevation: mean('elevation') - 15 };
  return [
    [-20, -20],
    [20, -20],
    [-20, 20],
    [20, 20],
  ].map(([de, dn]) => ({ easting: centre.easting + de!, northing: centre.northing + dn!, elevation: centre.elevation }));
}
