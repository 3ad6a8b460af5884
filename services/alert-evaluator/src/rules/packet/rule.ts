import type { SensorReading } from '@mine/contracts';
import type { VibrationFeatures } from '@mine/vibration';
import type { Continuity } from '../continuity.js';
import type { Normal, Observation } from '../engine.js';
import type { Rules } from '../rules-config.js';

/** What a per-packet rule sees: the packet, its features, how it follows the stream, the zone's settings. */
export interface PacketContext {
  reading: SensorReading;
  features: VibrationFeatures;
  continuity: Continuity;
  previousSequence: number | undefined;
  settings: ReturnType<Rules['for']>;
  /** subject, site, zone and time every observation and normal of the packet carries */
  base: { subject: string; site: string; zone: string; atMs: number };
}

/** A per-packet rule: one file, registered in ./index.ts. */
export interface PacketRule {
  readonly id: string;
  evaluate(context: PacketContext): { observations?: Observation[]; normals?: Normal[] };
}
