import type { SensorReading } from '@mine/contracts';
import { packetFeatures } from '@mine/vibration';
import { Rules } from '../rules-config.js';
import type { PacketContext } from './rule.js';

/** A packet rule's context for its unit test: a 1 s, 500 Hz packet with x given, y = x/2, z = x/3. */
export function packetContext(x: number[], overrides: Partial<Pick<PacketContext, 'continuity' | 'previousSequence'>> & { sequence?: number } = {}): PacketContext {
  const reading: SensorReading = {
    sensorId: 'geo-1',
    sequence: overrides.sequence ?? 10,
    startTime: '2026-11-25T02:00:00.000Z',
    sampleRateHz: 500,
    samples: { x, y: x.map((v) => v / 2), z: x.map((v) => v / 3) },
    site: 'north',
    zone: 'z1',
    receivedAt: '2026-11-25T02:00:01.000Z',
  };
  return {
    reading,
    features: packetFeatures(reading),
    continuity: overrides.continuity ?? 'next',
    previousSequence: overrides.previousSequence ?? 9,
    settings: new Rules({}).for('north', 'z1'),
    base: { subject: 'geo-1', site: 'north', zone: 'z1', atMs: Date.parse(reading.startTime) },
  };
}

export const sine = (amplitude: number, hz: number) => Array.from({ length: 500 }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / 500));
