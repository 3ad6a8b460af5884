/** The platform's axes: x east, y north, z up (the mine grid's axes). */
export type Axis = 'x' | 'y' | 'z';

/** A position in the mine grid: metres east, north and up from the grid's origin. */
export interface GridPosition {
  easting: number;
  northing: number;
  elevation: number;
}

/** An installation period and a position (WGS84 degrees, metres above sea level). */
export interface Epoch {
  startDate: string;
  endDate?: string;
  latitude: number;
  longitude: number;
  /** for a channel: the ground surface above the sensor */
  elevation: number;
}

export interface Channel extends Epoch {
  locationCode: string;
  code: string;
  /** metres below the ground surface (the station's elevation) */
  depth: number;
  azimuth: number;
  dip: number;
  sampleRateHz: number;
  /** overall sensitivity, counts per m/s, at `gainFrequencyHz` */
  gain: number;
  gainFrequencyHz: number;
  /** the platform axis the channel records: from the orientation code (Z, N, E; 3, 1, 2) */
  axis: Axis;
  sensorDescription?: string;
}

export interface Station extends Epoch {
  code: string;
  /** the device identity the gateway authenticates (the device registry's sensorId) */
  sensorId?: string;
  /** mine site and zone, as the device registry and the alarm rules name them */
  site: string;
  zone?: string;
  grid?: GridPosition;
  channels: Channel[];
}

export interface Network {
  code: string;
  description?: string;
  startDate?: string;
  endDate?: string;
  stations: Station[];
}

export interface InventoryDocument {
  source: string;
  sender?: string;
  created: string;
  networks: Network[];
}

/** Which platform axis an orientation code (the channel code's third letter) records. */
export function axisOfOrientation(code: string): Axis | undefined {
  switch (code) {
    case 'Z':
    case '3':
      return 'z';
    case 'N':
    case '1':
      return 'y';
    case 'E':
    case '2':
      return 'x';
    default:
      return undefined;
  }
}
