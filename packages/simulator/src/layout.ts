import type { Position } from '@mine/seismology';

/**
 * The simulated mine's geometry, in each site's local grid (metres east, north and elevation
 * up; the collar at 0). Each site is an orebody striking east with five zones (stoping blocks)
 * 200 m apart; each zone is instrumented on four levels 60 m apart (−250 to −430 m), with a
 * geophone in the hanging-wall drive, one in the footwall drive and one in the orebody on each
 * level, a few metres off the nominal spot as installations are. The inventory can adopt these
 * coordinates as the stations' grid positions.
 */
export const LEVEL_ELEVATIONS_M = [-250, -310, -370, -430] as const;
export const ZONE_SPACING_M = 200;
export const FIRST_ZONE_EAST_M = 150;

const SLOTS: readonly { east: number; north: number }[] = [
  { east: -70, north: 100 },
  { east: 70, north: -100 },
  { east: 0, north: 30 },
];

function jitter(seed: number): number {
  // A fixed pseudo-random offset in [−8, 8) m per station: deterministic, not a grid.
  const v = Math.sin(seed * 12.9898) * 43758.5453;
  return (v - Math.floor(v)) * 16 - 8;
}

/** Centre of a zone (its stoping block) on the orebody. */
export function zoneCentre(zoneIndex: number): Position {
  return { east: FIRST_ZONE_EAST_M + ZONE_SPACING_M * zoneIndex, north: 0, elevation: (LEVEL_ELEVATIONS_M[0] + LEVEL_ELEVATIONS_M[LEVEL_ELEVATIONS_M.length - 1]!) / 2 };
}

/** Position of the `slot`-th geophone of a zone: levels fill first, then the drives' slots. */
export function stationPosition(zoneIndex: number, slot: number): Position {
  const levels = LEVEL_ELEVATIONS_M.length;
  const level = slot % levels;
  const place = SLOTS[Math.floor(slot / levels) % SLOTS.length]!;
  const ring = Math.floor(slot / (levels * SLOTS.length));
  const centre = zoneCentre(zoneIndex);
  const seed = zoneIndex * 1000 + slot + 1;
  return {
    east: centre.east + place.east + jitter(seed) + ring * 25,
    north: centre.north + place.north * (level % 2 === 0 ? 1 : -1) + jitter(seed + 0.5),
    elevation: LEVEL_ELEVATIONS_M[level]! + jitter(seed + 0.25) / 4,
  };
}

/**
 * Where a zone's production blasts are fired: the stope's drawpoint on each level, 10 m below
 * the level's floor (a blast register entry names one of these, or any other position).
 */
export function blastPositions(zoneIndex: number): Position[] {
  const centre = zoneCentre(zoneIndex);
  return LEVEL_ELEVATIONS_M.map((elevation) => ({ east: centre.east, north: 15, elevation: elevation - 10 }));
}
