import type { SensorPacket } from '@mine/contracts';
import type { GridPosition } from '@mine/station-inventory';
import { gaussian, seededRandom, type Source } from './signals.js';

export interface SimulatedSensor {
  sensorId: string;
  site: string;
  zone: string;
  token: string;
  /** SEED station code of the device in the station inventory */
  stationCode: string;
  /** where the sensor is, in the mine grid (metres; elevation is the grid's reduced level) */
  grid: GridPosition;
  /** metres below the ground surface (0 on a pit bench, hundreds underground) */
  depthM: number;
}

/**
 * A mine of `count` sensors spread over sites and zones, with deterministic local tokens and
 * positions in a realistic layout (see `sensorPosition`).
 */
export function mineLayout(count: number, sites = ['north-pit', 'south-decline'], zonesPerSite = 5): SimulatedSensor[] {
  return Array.from({ length: count }, (_, i) => {
    const site = sites[i % sites.length]!;
    const zoneIndex = Math.floor(i / sites.length) % zonesPerSite;
    const zone = `zone-${zoneIndex}`;
    const sensorId = `geo-${String(i + 1).padStart(3, '0')}`;
    const placement = Math.floor(i / (sites.length * zonesPerSite));
    return { sensorId, site, zone, token: `local-token-${sensorId}`, stationCode: `G${String(i + 1).padStart(3, '0')}`, ...sensorPosition(sites.indexOf(site), zoneIndex, zonesPerSite, placement) };
  });
}

/** Ground surface of the mine, grid reduced level (RL 1000 is sea level). */
export const SURFACE_RL = 1380;

/**
 * Where a sensor sits. Even sites are open pits: sensors on the pit wall's benches, a zone per
 * sector of the wall, 10 m benches down to 300 m, in holes 2 m deep. Odd sites are underground
 * declines: a zone per level, 60 m apart from 300 m below the surface, sensors along the level's
 * drives. Sites are 1.5 km apart.
 */
export function sensorPosition(siteIndex: number, zoneIndex: number, zones: number, placement: number): { grid: GridPosition; depthM: number } {
  const centreE = 10_500 + 1_500 * siteIndex;
  const centreN = 51_200 - 1_900 * siteIndex;
  if (siteIndex % 2 === 0) {
    const angle = ((zoneIndex + (placement % 4) / 4) / zones) * 2 * Math.PI;
    const bench = (placement * 7 + zoneIndex * 3) % 30;
    const radius = 450 - bench * 8;
    const depthM = 2;
    return { grid: { easting: round(centreE + radius * Math.sin(angle)), northing: round(centreN + radius * Math.cos(angle)), elevation: SURFACE_RL - bench * 10 - depthM }, depthM };
  }
  const depthM = 300 + zoneIndex * 60;
  const along = ((placement * 37) % 400) - 200;
  return { grid: { easting: round(centreE + along), northing: round(centreN + (placement % 2 === 0 ? 40 : -40) + zoneIndex * 15), elevation: SURFACE_RL - depthM }, depthM };
}

const round = (v: number) => Math.round(v * 10) / 10;

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
export function postPackets(gatewayUrl: string, sensor: SimulatedSensor, packets: SensorPacket[], options: { maxRetries?: number } = {}): Promise<PostResult> {
  return postBody(gatewayUrl, sensor, 'application/json', JSON.stringify(packets.length === 1 ? packets[0] : packets), options);
}

/** One device request, retried on 503 after the gateway's Retry-After. */
export async function postBody(gatewayUrl: string, sensor: SimulatedSensor, contentType: string, body: string | Buffer, { maxRetries = 5 } = {}): Promise<PostResult> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(new URL('/v1/packets', gatewayUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${sensor.token}`, 'content-type': contentType },
      body,
    });
    const responseBody = await response.json().catch(() => undefined);
    if (response.status !== 503 || attempt >= maxRetries) return { status: response.status, body: responseBody };
    const retryAfter = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
  }
}
