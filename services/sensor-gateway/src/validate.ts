import { SensorPacket, canonicalTimestamp, compileValidator, describeIssues, type SensorReading } from '@mine/contracts';
import type { Device } from './devices.js';

const packetValidator = compileValidator(SensorPacket);

export type RejectionReason = 'schema' | 'axis_length_mismatch' | 'clock_skew' | 'too_old' | 'sensor_mismatch' | 'too_many_packets' | 'sequence_implausible';

export interface Rejection {
  index: number;
  sensorId?: string;
  sequence?: number;
  reason: RejectionReason;
  detail: string;
}

export interface ValidationLimits {
  clockSkewMs: number;
  maxAgeMs: number;
  maxPackets: number;
}

/**
 * Checks every packet of a request on its own, so one bad packet is reported
 * (with its reason) without costing the good ones beside it.
 */
export function validatePackets(
  body: unknown,
  device: Device,
  nowMs: number,
  limits: ValidationLimits,
  /** a last check on a valid reading: the reason it is implausible, or undefined */
  plausibleSequence: (reading: SensorReading) => string | undefined = () => undefined,
): { readings: SensorReading[]; rejected: Rejection[] } {
  const packets = Array.isArray(body) ? body : [body];
  const readings: SensorReading[] = [];
  const rejected: Rejection[] = [];
  const receivedAt = new Date(nowMs).toISOString();
  // The packets past the limit get one rejection between them, not one each: a 4 MB body of `[0,0,…]`
  // would otherwise answer two million rejections (a 177 MB response).
  if (packets.length > limits.maxPackets) {
    rejected.push({ index: limits.maxPackets, reason: 'too_many_packets', detail: `${packets.length} packets in the request, at most ${limits.maxPackets}; packets from index ${limits.maxPackets} on were not read, send them again in another request` });
  }
  packets.slice(0, limits.maxPackets).forEach((packet: unknown, index) => {
    const identity = identify(packet);
    const reject = (reason: RejectionReason, detail: string) => rejected.push({ index, ...identity, reason, detail });
    const result = packetValidator.validate(packet);
    if (!result.ok) return reject('schema', describeIssues(result.issues));
    const p = result.value;
    if (p.sensorId !== device.sensorId) return reject('sensor_mismatch', `token belongs to ${device.sensorId}, packet names ${p.sensorId}`);
    const { x, y, z } = p.samples;
    if (x.length !== y.length || y.length !== z.length) return reject('axis_length_mismatch', `axes have ${x.length}, ${y.length} and ${z.length} samples`);
    // The contract refused impossible dates; what passed is published in one canonical form (UTC, T, Z).
    const startTime = canonicalTimestamp(p.startTime);
    const startMs = Date.parse(startTime);
    if (startMs > nowMs + limits.clockSkewMs) return reject('clock_skew', `starts ${Math.round((startMs - nowMs) / 1000)} s in the future (allowed ${limits.clockSkewMs / 1000} s)`);
    if (startMs < nowMs - limits.maxAgeMs) return reject('too_old', `started ${Math.round((nowMs - startMs) / 1000)} s ago (allowed ${limits.maxAgeMs / 1000} s)`);
    const reading = { ...p, startTime, site: device.site, zone: device.zone, receivedAt };
    const implausible = plausibleSequence(reading);
    if (implausible) return reject('sequence_implausible', implausible);
    readings.push(reading);
  });
  rejected.sort((a, b) => a.index - b.index);
  return { readings, rejected };
}

function identify(packet: unknown): { sensorId?: string; sequence?: number } {
  if (typeof packet !== 'object' || packet === null) return {};
  const { sensorId, sequence } = packet as { sensorId?: unknown; sequence?: unknown };
  return {
    ...(typeof sensorId === 'string' ? { sensorId: sensorId.slice(0, 64) } : {}),
    // Only an integer: the answer's schema says so, and a fraction there made the answer a 500 (found by fuzzing).
    ...(typeof sequence === 'number' && Number.isSafeInteger(sequence) ? { sequence } : {}),
  };
}
