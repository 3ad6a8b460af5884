import { setTimeout as sleep } from 'node:timers/promises';
import type { SensorPacket } from '@mine/contracts';
import { SensorStream, type SimulatedSensor } from '@mine/simulator';
import type { Ledger } from './ledger.js';

export const DEVICES = 'devices';
export const packetKey = (sensorId: string, sequence: number) => `${sensorId}#${sequence}`;

export interface DeviceOptions {
  /** the live replicas' URLs, asked before every request (what a load balancer would do) */
  targets: () => string[];
  ledger: Ledger;
  sampleRateHz?: number;
  noiseMmS?: number;
  /** a request without an answer after this is abandoned and retried */
  requestTimeoutMs?: number;
  /** how long a device keeps retrying a packet before it gives up on it */
  retryForMs?: number;
}

/**
 * A fleet of geophones posting to the gateway as the firmware does: each keeps a
 * packet until it gets a 202, retrying on 503 (after Retry-After), on a lost
 * connection and on a timeout, with the same sequence number; every packet's
 * fate goes to the ledger.
 */
export class Devices {
  readonly streams: SensorStream[];
  private readonly requestTimeoutMs: number;
  private readonly retryForMs: number;
  private next = 0;
  answers: Record<string, number> = {};
  /** hours (2026-11-25T01) the packets sent start in: the hours the compaction has to run for */
  readonly hours = new Set<string>();

  constructor(
    readonly sensors: SimulatedSensor[],
    private readonly options: DeviceOptions,
  ) {
    this.streams = sensors.map(
      (sensor, i) => new SensorStream(sensor, { sampleRateHz: options.sampleRateHz ?? 100, packetSeconds: 1, noiseMmS: options.noiseMmS ?? 0.05, seed: 1000 + i }),
    );
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.retryForMs = options.retryForMs ?? 60_000;
  }

  private target(): string | undefined {
    const urls = this.options.targets();
    if (urls.length === 0) return undefined;
    return urls[this.next++ % urls.length];
  }

  /** Posts packets of one sensor in one request until acknowledged or given up; returns whether they were acknowledged. */
  async deliver(sensor: SimulatedSensor, packets: SensorPacket[]): Promise<boolean> {
    const { ledger } = this.options;
    const keys = packets.map((p) => packetKey(p.sensorId, p.sequence));
    for (const p of packets) this.hours.add(p.startTime.slice(0, 13));
    const deadline = Date.now() + this.retryForMs;
    let last: { outcome: 'refused' | 'indeterminate'; reason: string } = { outcome: 'indeterminate', reason: 'never sent' };
    while (Date.now() < deadline) {
      const url = this.target();
      if (!url) {
        await sleep(200);
        continue;
      }
      for (const key of keys) ledger.attempt(DEVICES, key);
      let response: Response;
      try {
        response = await fetch(new URL('/v1/packets', url), {
          method: 'POST',
          headers: { authorization: `Bearer ${sensor.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(packets),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
      } catch (error) {
        const reason = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection';
        this.count(reason);
        last = { outcome: 'indeterminate', reason };
        await sleep(250);
        continue;
      }
      const body = (await response.json().catch(() => ({}))) as { rejected?: { index: number; reason: string }[]; reason?: string; error?: string };
      this.count(String(response.status));
      if (response.status === 202 || response.status === 400) {
        const rejected = new Map((body.rejected ?? []).map((r) => [r.index, r.reason]));
        keys.forEach((key, index) => {
          const reason = rejected.get(index);
          ledger.settle(DEVICES, key, reason === undefined && response.status === 202 ? 'acknowledged' : 'refused', reason ?? `http ${response.status}`);
        });
        return response.status === 202;
      }
      if (response.status >= 500 || response.status === 429) {
        last = { outcome: 'refused', reason: `http ${response.status} ${body.error ?? ''}`.trim() };
        const retryAfter = Number(response.headers.get('retry-after') ?? '1');
        await sleep(Math.min(retryAfter, 2) * 1000);
        continue;
      }
      for (const key of keys) ledger.settle(DEVICES, key, 'refused', `http ${response.status} ${body.error ?? ''}`.trim());
      return false;
    }
    for (const key of keys) ledger.settle(DEVICES, key, last.outcome, last.reason);
    return false;
  }

  private count(answer: string) {
    this.answers[answer] = (this.answers[answer] ?? 0) + 1;
  }

  /**
   * Every sensor sends one packet per second of `startS…startS+seconds` (packet
   * time), paced to wall-clock seconds unless `paced` is false; sensors run concurrently.
   */
  async run({ seconds, startS = Math.floor(Date.now() / 1000), paced = true, perRequest = 1, stop }: { seconds: number; startS?: number; paced?: boolean; perRequest?: number; stop?: () => boolean }): Promise<void> {
    const began = Date.now();
    // A device that cannot get rid of its packets stops producing new ones to send after a while: the run stays bounded.
    const giveUpAt = began + seconds * 1000 + 2 * this.retryForMs;
    await Promise.all(
      this.streams.map(async (stream) => {
        for (let s = 0; s < seconds && !stop?.() && Date.now() < giveUpAt; s += perRequest) {
          const packets = Array.from({ length: Math.min(perRequest, seconds - s) }, (_, k) => stream.packet(startS + s + k));
          await this.deliver(stream.sensor, packets);
          if (paced) {
            const due = began + (s + perRequest) * 1000;
            if (due > Date.now()) await sleep(due - Date.now());
          }
        }
      }),
    );
  }
}
