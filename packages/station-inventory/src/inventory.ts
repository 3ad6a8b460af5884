import { readFileSync } from 'node:fs';
import type { Channel, InventoryDocument, Network, Station } from './model.js';
import { parseStationXml } from './stationxml.js';

export interface ChannelEpoch {
  network: Network;
  station: Station;
  channel: Channel;
  /** the channel's installation period, ms since 1970 (parsed once: the gateway looks epochs up per record) */
  fromMs: number;
  toMs: number;
}

/** FDSN station-service selection (the subset of parameters the platform serves). */
export interface StationSelection {
  network?: string[];
  station?: string[];
  location?: string[];
  channel?: string[];
  /** epochs ending on or after (ms since 1970) */
  startTime?: number;
  /** epochs starting on or before */
  endTime?: number;
  startBefore?: number;
  startAfter?: number;
  endBefore?: number;
  endAfter?: number;
  minLatitude?: number;
  maxLatitude?: number;
  minLongitude?: number;
  maxLongitude?: number;
}

const key = (network: string, station: string, location: string, channel: string) => `${network}.${station}.${location}.${channel}`;
const ms = (iso: string | undefined, fallback: number) => (iso ? Date.parse(iso) : fallback);

/**
 * The station inventory: networks, stations (with the device each one is),
 * channels with coordinates, depth, sample rate and sensitivity, and their
 * installation periods. A separate module from the device registry, which
 * joins it by sensor id; the gateway finds a record's channel by its SEED
 * codes and time, the alarm rules a sensor's station by its id.
 */
export class StationInventory {
  private readonly epochs = new Map<string, ChannelEpoch[]>();
  private readonly bySensor = new Map<string, { network: Network; station: Station }[]>();

  constructor(readonly document: InventoryDocument) {
    for (const network of document.networks) {
      for (const station of network.stations) {
        if (station.sensorId) this.bySensor.set(station.sensorId, [...(this.bySensor.get(station.sensorId) ?? []), { network, station }]);
        for (const channel of station.channels) {
          const k = key(network.code, station.code, channel.locationCode, channel.code);
          this.epochs.set(k, [...(this.epochs.get(k) ?? []), { network, station, channel, fromMs: ms(channel.startDate, -Infinity), toMs: ms(channel.endDate, Infinity) }]);
        }
      }
    }
  }

  static fromStationXml(xml: string): StationInventory {
    return new StationInventory(parseStationXml(xml));
  }

  static fromFile(path: string): StationInventory {
    return StationInventory.fromStationXml(readFileSync(path, 'utf8'));
  }

  /** The channel epoch that was installed at `timeMs`, or undefined (unknown stream, or not installed then). */
  channelAt(network: string, station: string, location: string, channel: string, timeMs: number): ChannelEpoch | undefined {
    return this.epochs.get(key(network, station, location, channel))?.find((e) => e.fromMs <= timeMs && timeMs < e.toMs);
  }

  /** Whether the inventory lists the stream at all (to tell "unknown" from "not installed at that time"). */
  knowsStream(network: string, station: string, location: string, channel: string): boolean {
    return this.epochs.has(key(network, station, location, channel));
  }

  /** The station a device is (its current epoch, or the one at `timeMs`). */
  stationOfSensor(sensorId: string, timeMs = Date.now()): { network: Network; station: Station } | undefined {
    const candidates = this.bySensor.get(sensorId) ?? [];
    return candidates.find(({ station }) => ms(station.startDate, -Infinity) <= timeMs && timeMs < ms(station.endDate, Infinity)) ?? candidates[candidates.length - 1];
  }

  get stationCount(): number {
    return this.document.networks.reduce((n, net) => n + net.stations.length, 0);
  }

  /** The part of the inventory an FDSN station query selects; undefined when nothing matches. */
  select(q: StationSelection): InventoryDocument | undefined {
    const channelCriteria = q.location !== undefined || q.channel !== undefined;
    const networks: Network[] = [];
    for (const network of this.document.networks) {
      if (!matchesAny(q.network, network.code)) continue;
      const stations: Station[] = [];
      for (const station of network.stations) {
        if (!matchesAny(q.station, station.code) || !inEpoch(q, station) || !inBox(q, station)) continue;
        const channels = station.channels.filter((c) => matchesAny(q.location, c.locationCode === '' ? '--' : c.locationCode, c.locationCode) && matchesAny(q.channel, c.code) && inEpoch(q, c));
        if (channelCriteria && channels.length === 0) continue;
        stations.push({ ...station, channels });
      }
      if (stations.length > 0) networks.push({ ...network, stations });
    }
    return networks.length === 0 ? undefined : { ...this.document, created: new Date().toISOString(), networks };
  }
}

function inEpoch(q: StationSelection, e: { startDate: string; endDate?: string }): boolean {
  const start = ms(e.startDate, -Infinity);
  const end = ms(e.endDate, Infinity);
  if (q.startTime !== undefined && end < q.startTime) return false;
  if (q.endTime !== undefined && start > q.endTime) return false;
  if (q.startBefore !== undefined && !(start < q.startBefore)) return false;
  if (q.startAfter !== undefined && !(start > q.startAfter)) return false;
  if (q.endBefore !== undefined && !(end < q.endBefore)) return false;
  if (q.endAfter !== undefined && !(end > q.endAfter)) return false;
  return true;
}

function inBox(q: StationSelection, s: Station): boolean {
  return (
    (q.minLatitude === undefined || s.latitude >= q.minLatitude) &&
    (q.maxLatitude === undefined || s.latitude <= q.maxLatitude) &&
    (q.minLongitude === undefined || s.longitude >= q.minLongitude) &&
    (q.maxLongitude === undefined || s.longitude <= q.maxLongitude)
  );
}

/** FDSN code patterns: comma lists of codes with `*` and `?` wildcards; no list matches everything. */
export function matchesAny(patterns: string[] | undefined, ...values: string[]): boolean {
  if (patterns === undefined) return true;
  return patterns.some((p) => {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return values.some((v) => re.test(v));
  });
}
