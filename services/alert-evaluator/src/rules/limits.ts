import type { AlarmLevel } from '@mine/contracts';

const MM_PER_INCH = 25.4;

/**
 * USBM RI 8507 (Siskind et al., 1980) safe-level curve for blast vibration, as
 * the platform applies it: 12.7 mm/s (0.5 in/s) from 2.5 to 10 Hz, rising as
 * 0.05·f in/s above 10 Hz, capped at 50.8 mm/s (2.0 in/s) from 40 Hz. Below
 * 2.5 Hz the curve follows constant displacement (v = 2πf·d), continuous at 2.5 Hz.
 */
export function usbmLimitMmS(frequencyHz: number): number {
  if (!(frequencyHz > 0)) return (12.7 * 0.1) / 2.5; // no frequency: treat as the lowest band, most conservative
  if (frequencyHz < 2.5) return (12.7 * frequencyHz) / 2.5;
  if (frequencyHz <= 10) return 12.7;
  if (frequencyHz < 40) return 0.05 * frequencyHz * MM_PER_INCH;
  return 50.8;
}

/** DIN 4150-3 table 1 lines: 1 commercial/industrial, 2 dwellings, 3 sensitive structures. */
export type DinStructureClass = 1 | 2 | 3;

const DIN_TABLE: Record<DinStructureClass, [number, number, number, number]> = {
  // values at: <10 Hz, 10 Hz → 50 Hz rising, 50 Hz → 100 Hz rising, top above 100 Hz
  1: [20, 40, 50, 50],
  2: [5, 15, 20, 20],
  3: [3, 8, 10, 10],
};

/**
 * DIN 4150-3 guideline values for short-term vibration at the foundation,
 * linearly interpolated between the table's frequency bands.
 */
export function dinLimitMmS(frequencyHz: number, structureClass: DinStructureClass): number {
  const [low, at50, at100] = DIN_TABLE[structureClass];
  if (!(frequencyHz > 10)) return low;
  if (frequencyHz <= 50) return low + ((at50 - low) * (frequencyHz - 10)) / 40;
  if (frequencyHz <= 100) return at50 + ((at100 - at50) * (frequencyHz - 50)) / 50;
  return at100;
}

export type LimitStandard = { standard: 'usbm' } | { standard: 'din4150'; structureClass: DinStructureClass };

export function limitMmS(frequencyHz: number, standard: LimitStandard): number {
  return standard.standard === 'usbm' ? usbmLimitMmS(frequencyHz) : dinLimitMmS(frequencyHz, standard.structureClass);
}

/** Fractions of the limit at which each trigger-action-response-plan level starts. */
export interface TarpThresholds {
  yellow: number;
  orange: number;
  red: number;
}

export const DEFAULT_TARP: TarpThresholds = { yellow: 0.5, orange: 0.75, red: 1 };

export function tarpLevel(ratioToLimit: number, thresholds: TarpThresholds): AlarmLevel {
  if (ratioToLimit >= thresholds.red) return 'red';
  if (ratioToLimit >= thresholds.orange) return 'orange';
  if (ratioToLimit >= thresholds.yellow) return 'yellow';
  return 'green';
}

export const LEVEL_RANK: Record<AlarmLevel, number> = { green: 0, yellow: 1, orange: 2, red: 3 };
