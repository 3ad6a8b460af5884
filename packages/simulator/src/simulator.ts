import type { SensorPacket } from '@mine/contracts';
import type { Position } from '@mine/seismology';
import { stationPosition } from './layout.js';
import { gaussian, seededRandom, type Source } from './signals.js';

export interface SimulatedSensor {
  sensorId: string;
  site: string;
  zone: string;
  token: string;
  /** where the geophone is, in its site's mine grid (see layout.ts) */
  position: Position;
}

/** A mine of `count` sensors spread over sites and zones, at their positions, with deterministic local tokens. */
export function mineLayout(count: number, sites = ['north-pit', 'south-decline'], zonesPerSite = 5): SimulatedSensor[] {
  return Array.from({ length: count }, (_, i) => {
    const site = sites[i % sites.length]!;
    const zoneIndex = Math.floor(i / sites.length) % zonesPerSite;
    const slot = Math.floor(i / (sites.length * zonesPerSite));
    const sensorId = `geo-${String(i + 1).padStart(3, '0')}`;
    return { sensorId, site, zone: `zone-${zoneIndex}`, token: `local-token-${sensorId}`, position: stationPosition(zoneIndex, slot) };
  });
}

export interface SensorStreamOptions {
  sampleRateHz: number;
  packetSeconds: number;
  /** RMS of the background noise, mm/s */
  noiseMmS: number;
  seed: number;
}

/** Produces consecutive packets for one sensor: noise plus whatever sources are active. */
export class SensorStream {
  private sequence = 0;
  private readonly noise: () => number;
  private readonly sources: Source[] = [];

  constructor(
    readonly sensor: SimulatedSensor,
    private readonly options: SensorStreamOptions,
  ) {
    this.noise = gaussian(seededRandom(options.seed));
  }

  add(source: Source): void {
    this.sources.push(source);
  }

  /** The packet starting at `startS` (seconds since epoch); sequences increase by one per packet. */
  packet(startS: number): SensorPacket {
    const { sampleRateHz, packetSeconds, noiseMmS } = this.options;
    const n = Math.round(sampleRateHz * packetSeconds);
    const x = new Array<number>(n);
    const y = new Array<number>(n);
    const z = new Array<number>(n);
    const active = this.sources.filter((s) => s.end > startS && s.start < startS + packetSeconds);
    for (let i = 0; i < n; i++) {
      const t = startS + i / sampleRateHz;
      let vx = noiseMmS * this.noise();
      let vy = noiseMmS * this.noise();
      let vz = noiseMmS * this.noise();
      for (const source of active) {
        const [sx, sy, sz] = source.at(t);
        vx += sx;
        vy += sy;
        vz += sz;
      }
      // Round to the instrument's resolution; it also keeps JSON bodies realistic in size.
      x[i] = Math.round(vx * 1e4) / 1e4;
      y[i] = Math.round(vy * 1e4) / 1e4;
      z[i] = Math.round(vz * 1e4) / 1e4;
    }
    this.sources.splice(0, this.sources.length, ...this.sources.filter((s) => s.end > startS));
    return { sensorId: this.sensor.sensorId, sequence: this.sequence++, startTime: new Date(startS * 1000).toISOString(), sampleRateHz, samples: { x, y, z } };
  }
}

/** The gateway's DEVICES_JSON for a simulated layout. */
export async function devicesJson(sensors: SimulatedSensor[]): Promise<string> {
  const { createHash } = await import('node:crypto');
  return JSON.stringify(
    sensors.map((s) => ({ sensorId: s.sensorId, site: s.site, zone: s.zone, tokenSha256: createHash('sha256').update(s.token).digest('hex') })),
  );
}

export interface PostResult {
  status: number;
  body: unknown;
}

/** POSTs packets of one sensor to the gateway, retrying on 503 as a device would. */
export async function postPackets(gatewayUrl: string, sensor: SimulatedSensor, packets: SensorPacket[], { maxRetries = 5 } = {}): Promise<PostResult> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(new URL('/v1/packets', gatewayUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${sensor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(packets.length === 1 ? packets[0] : packets),
    });
    const body = await response.json().catch(() => undefined);
    if (response.status !== 503 || attempt >= maxRetries) return { status: response.status, body };
    const retryAfter = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
  }
}
