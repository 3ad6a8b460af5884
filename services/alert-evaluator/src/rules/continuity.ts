import type { SensorReading } from '@mine/contracts';

/** What the evaluator remembers of a sensor's stream between packets (its row in PostgreSQL). */
export interface StreamPosition {
  bootId: string | undefined;
  lastSequence: number;
  /** start time of the newest packet of the current boot, ms */
  lastPacketAtMs: number;
}

/**
 * How a packet relates to its sensor's stream:
 * - `first`: nothing known yet;
 * - `next` / `gap`: the following sequence number, or one further on (packets were lost);
 * - `reset`: the device restarted its count, told by a new boot id, or, from a device that
 *   sends none, by a lower sequence number whose data is newer than anything seen;
 * - `late`: an older packet of the same boot arriving after newer ones (a device catching up).
 */
export type Continuity = 'first' | 'next' | 'gap' | 'reset' | 'late';

export function continuityOf(position: StreamPosition | undefined, reading: Pick<SensorReading, 'bootId' | 'sequence' | 'startTime'>): Continuity {
  if (!position) return 'first';
  if ((reading.bootId ?? undefined) !== position.bootId) return 'reset';
  if (reading.sequence === position.lastSequence + 1) return 'next';
  if (reading.sequence > position.lastSequence) return 'gap';
  return Date.parse(reading.startTime) > position.lastPacketAtMs ? 'reset' : 'late';
}

/** Where the stream stands after the packet; a late packet moves nothing. */
export function advance(position: StreamPosition | undefined, reading: Pick<SensorReading, 'bootId' | 'sequence' | 'startTime'>, continuity: Continuity): StreamPosition {
  if (continuity === 'late' && position) return position;
  return { bootId: reading.bootId ?? undefined, lastSequence: reading.sequence, lastPacketAtMs: Date.parse(reading.startTime) };
}
