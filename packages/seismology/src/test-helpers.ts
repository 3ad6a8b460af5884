// Shared by this package's tests: a seeded normal generator and a small cubic array.
import type { Station } from './types.js';

export function normalGenerator(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Eight stations on the corners of a 400 × 300 × 200 m box, and two inside. */
export function boxArray(): Map<string, Station> {
  const list: Station[] = [];
  let i = 0;
  for (const easting of [0, 400]) for (const northing of [0, 300]) for (const elevation of [-400, -200]) list.push({ stationId: `s${i++}`, position: { easting, northing, elevation } });
  list.push({ stationId: `s${i++}`, position: { easting: 150, northing: 100, elevation: -320 } });
  list.push({ stationId: `s${i++}`, position: { easting: 260, northing: 220, elevation: -260 } });
  return new Map(list.map((s) => [s.stationId, s]));
}
