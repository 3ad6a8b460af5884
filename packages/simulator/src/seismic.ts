import type { SensorPacket } from '@mine/contracts';
import { Encoding, encodeRecords, type EncodingCode } from '@mine/miniseed';
import { gridToWgs84, toStationXml, type InventoryDocument, type MineGrid, type Station } from '@mine/station-inventory';
import { postBody, type PostResult, type SimulatedSensor } from './simulator.js';

/** The simulated mine's grid: origin on a goldfield in Western Australia, grid north 12° east of true north. */
export const SIMULATED_MINE_GRID: MineGrid = { originLatitude: -30.749, originLongitude: 121.466, originEasting: 10_000, originNorthing: 50_000, datumElevation: -1000, rotationDeg: 12 };

export const SIMULATED_NETWORK = 'MN';
/** 1e7 counts per m/s = 1e4 counts per mm/s: one count is the platform's resolution, 0.1 µm/s. */
export const SIMULATED_GAIN_COUNTS_PER_M_S = 1e7;
/** When the simulated network was installed. */
const INSTALLED = '2026-01-01T00:00:00Z';

/** SEED band code for a short-period sensor at this rate (FDSN source identifier conventions). */
export function bandCode(sampleRateHz: number): string {
  if (sampleRateHz >= 5000) return 'J';
  if (sampleRateHz >= 1000) return 'G';
  if (sampleRateHz >= 250) return 'D';
  if (sampleRateHz >= 80) return 'E';
  return 'S';
}

/** Channel codes of a triaxial geophone (instrument code P) at this rate, by axis. */
export function geophoneChannels(sampleRateHz: number): { x: string; y: string; z: string } {
  const band = bandCode(sampleRateHz);
  return { x: `${band}PE`, y: `${band}PN`, z: `${band}PZ` };
}

/** The station inventory of a simulated mine: one station per sensor, three geophone channels each. */
export function mineInventory(sensors: SimulatedSensor[], { sampleRateHz = 500, network = SIMULATED_NETWORK } = {}): InventoryDocument {
  const codes = geophoneChannels(sampleRateHz);
  const stations: Station[] = sensors.map((sensor) => {
    const sensorAt = gridToWgs84(SIMULATED_MINE_GRID, sensor.grid);
    const surface = gridToWgs84(SIMULATED_MINE_GRID, { ...sensor.grid, elevation: sensor.grid.elevation + sensor.depthM });
    const channel = (code: string, axis: 'x' | 'y' | 'z') => ({
      locationCode: '00',
      code,
      startDate: INSTALLED,
      latitude: round6(sensorAt.latitude),
      longitude: round6(sensorAt.longitude),
      elevation: surface.elevation,
      depth: sensor.depthM,
      // Geophones are installed aligned with grid north; the azimuth is that of grid north.
      azimuth: axis === 'z' ? 0 : (SIMULATED_MINE_GRID.rotationDeg + (axis === 'x' ? 90 : 0)) % 360,
      dip: axis === 'z' ? -90 : 0,
      sampleRateHz,
      gain: SIMULATED_GAIN_COUNTS_PER_M_S,
      gainFrequencyHz: 15,
      axis,
      sensorDescription: '4.5 Hz triaxial geophone',
    });
    return {
      code: sensor.stationCode,
      startDate: INSTALLED,
      latitude: round6(surface.latitude),
      longitude: round6(surface.longitude),
      elevation: surface.elevation,
      sensorId: sensor.sensorId,
      site: sensor.site,
      zone: sensor.zone,
      grid: sensor.grid,
      channels: [channel(codes.z, 'z'), channel(codes.y, 'y'), channel(codes.x, 'x')],
    };
  });
  return { source: 'mine-platform simulator', created: INSTALLED, networks: [{ code: network, description: 'Simulated mine geophone network', startDate: INSTALLED, stations }] };
}

/** The inventory as StationXML, what `./dev up` gives the services. */
export function mineStationXml(sensors: SimulatedSensor[], options: { sampleRateHz?: number } = {}): string {
  return toStationXml(mineInventory(sensors, options));
}

export interface MiniseedOptions {
  format?: 2 | 3;
  encoding?: EncodingCode;
  recordLength?: number;
}

/**
 * A packet as a digitizer writes it: each axis's counts (mm/s × the inventory's gain) as
 * miniSEED records of its channel, the three channels one after another.
 */
export function packetToMiniseed(packet: SensorPacket, sensor: SimulatedSensor, { format = 2, encoding = Encoding.STEIM2, recordLength = 512 }: MiniseedOptions = {}): Buffer {
  const codes = geophoneChannels(packet.sampleRateHz);
  const countsPerMmS = SIMULATED_GAIN_COUNTS_PER_M_S / 1000;
  const startTimeUs = Date.parse(packet.startTime) * 1000;
  const records = (['z', 'y', 'x'] as const).flatMap((axis) =>
    encodeRecords(
      {
        network: SIMULATED_NETWORK,
        station: sensor.stationCode,
        location: '00',
        channel: codes[axis],
        startTimeUs,
        sampleRateHz: packet.sampleRateHz,
        samples: Int32Array.from(packet.samples[axis], (v) => Math.round(v * countsPerMmS)),
      },
      { format, encoding, recordLength },
    ),
  );
  return Buffer.concat(records);
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** POSTs a device's packets as miniSEED (`application/vnd.fdsn.mseed`), retrying on 503 as a device would. */
export function postMiniseed(gatewayUrl: string, sensor: SimulatedSensor, packets: SensorPacket[], options: MiniseedOptions = {}): Promise<PostResult> {
  return postBody(gatewayUrl, sensor, 'application/vnd.fdsn.mseed', Buffer.concat(packets.map((p) => packetToMiniseed(p, sensor, options))));
}
