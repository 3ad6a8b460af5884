import type { SensorReading } from '@mine/contracts';

export interface SequenceGuardOptions {
  /** sequence numbers a packet may run ahead of the last accepted one beyond what the elapsed time explains */
  slack: number;
}

/**
 * Refuses sequence numbers implausibly far ahead of the last packet this gateway accepted from
 * the same device boot: a device counts one per packet, so between two packets it can only
 * have advanced by about the number of packets that fit in the time between them. One absurd
 * number (a corrupt counter, 2^52) would otherwise become the sensor's "last sequence" and make
 * every later packet look old. Each replica remembers only what it accepted itself; the
 * evaluator still copes with a number that slips through (it detects the restart that follows).
 */
export class SequenceGuard {
  private readonly last = new Map<string, { bootId: string | undefined; sequence: number; startMs: number }>();

  constructor(private readonly options: SequenceGuardOptions) {}

  /** The reason to refuse the packet, or undefined when it is plausible. */
  check(reading: SensorReading): string | undefined {
    const last = this.last.get(reading.sensorId);
    if (!last || last.bootId !== reading.bootId || reading.sequence <= last.sequence) return undefined;
    const packetMs = (reading.samples.x.length * 1000) / reading.sampleRateHz;
    const elapsedMs = Math.max(0, Date.parse(reading.startTime) - last.startMs);
    const allowed = this.options.slack + Math.ceil((2 * elapsedMs) / packetMs);
    const jump = reading.sequence - last.sequence;
    if (jump <= allowed) return undefined;
    return `sequence ${reading.sequence} is ${jump} ahead of the last accepted (${last.sequence}); at most ${allowed} fit in the ${(elapsedMs / 1000).toFixed(1)} s between them`;
  }

  /** Remembers an accepted (published) packet. */
  accepted(reading: SensorReading): void {
    const last = this.last.get(reading.sensorId);
    if (last && last.bootId === reading.bootId && last.sequence >= reading.sequence) return;
    this.last.set(reading.sensorId, { bootId: reading.bootId, sequence: reading.sequence, startMs: Date.parse(reading.startTime) });
  }
}
