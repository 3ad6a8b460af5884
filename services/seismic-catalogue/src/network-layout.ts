import { Matrix, solve } from 'ml-matrix';
import type { Position, Station as SeismicStation } from '@mine/seismology';
import type { StationInventory } from '@mine/station-inventory';

/** What the catalogue knows of one geophone: where it is and what FDSN calls it. */
export interface CatalogueStation {
  readonly sensorId: string;
  readonly site: string;
  readonly zone: string;
  readonly network: string;
  readonly station: string;
  readonly location: string;
  readonly channel: string;
  readonly grid: Position;
}

/** Grid → WGS84 as the inventory itself places its stations. */
export interface GridGeography {
  toWgs84(p: Position): { latitude: number; longitude: number; depthM: number };
}

/** The stations of each site, from the inventory (stations with a grid position and a sensor id). */
export class NetworkLayout {
  readonly sites = new Map<string, Map<string, SeismicStation>>();
  readonly stations = new Map<string, CatalogueStation>();
  readonly geography: GridGeography;

  constructor(inventory: StationInventory) {
    const pairs: { grid: Position; latitude: number; longitude: number; elevation: number }[] = [];
    for (const network of inventory.document.networks)
      for (const station of network.stations) {
        if (!station.grid || !station.sensorId) continue;
        const z = station.channels.find((c) => c.axis === 'z') ?? station.channels[0];
        const entry: CatalogueStation = {
          sensorId: station.sensorId,
          site: station.site,
          zone: station.zone ?? station.site,
          network: network.code,
          station: station.code,
          location: z?.locationCode ?? '',
          channel: z?.code ?? '',
          grid: station.grid,
        };
        this.stations.set(entry.sensorId, entry);
        let site = this.sites.get(entry.site);
        if (!site) this.sites.set(entry.site, (site = new Map()));
        site.set(entry.sensorId, { stationId: entry.sensorId, position: entry.grid });
        // The sensor's own coordinates: the channel's position, `depth` below its surface elevation.
        if (z) pairs.push({ grid: station.grid, latitude: z.latitude, longitude: z.longitude, elevation: z.elevation - z.depth });
      }
    if (this.stations.size === 0) throw new Error('the station inventory has no station with a mine-grid position and a sensor id');
    this.geography = fitGeography(pairs);
  }

  /** The zone of the station nearest a point of a site. */
  nearestZone(site: string, p: Position): string {
    let best: CatalogueStation | undefined;
    let bestDistance = Infinity;
    for (const s of this.stations.values()) {
      if (s.site !== site) continue;
      const d = Math.hypot(s.grid.easting - p.easting, s.grid.northing - p.northing, s.grid.elevation - p.elevation);
      if (d < bestDistance) [best, bestDistance] = [s, d];
    }
    return best?.zone ?? site;
  }
}

/**
 * Latitude and longitude as affine functions of easting and northing, fitted by least squares
 * to the stations' grid and WGS84 positions (over a mine's few kilometres the tangent plane is
 * exact to centimetres), and the grid's datum as the mean elevation offset. The inventory is
 * the one source of both coordinates, so the catalogue needs no grid definition of its own.
 */
function fitGeography(pairs: { grid: Position; latitude: number; longitude: number; elevation: number }[]): GridGeography {
  const e0 = pairs.reduce((s, p) => s + p.grid.easting, 0) / pairs.length;
  const n0 = pairs.reduce((s, p) => s + p.grid.northing, 0) / pairs.length;
  const design = new Matrix(pairs.map((p) => [1, p.grid.easting - e0, p.grid.northing - n0]));
  const distinct = new Set(pairs.map((p) => `${p.grid.easting},${p.grid.northing}`)).size;
  if (distinct < 3) throw new Error('the inventory needs three stations at distinct grid positions to relate the grid to WGS84');
  const lat = solve(design, Matrix.columnVector(pairs.map((p) => p.latitude)), true).getColumn(0);
  const lon = solve(design, Matrix.columnVector(pairs.map((p) => p.longitude)), true).getColumn(0);
  const datum = pairs.reduce((s, p) => s + (p.elevation - p.grid.elevation), 0) / pairs.length;
  return {
    toWgs84(p) {
      const de = p.easting - e0;
      const dn = p.northing - n0;
      return { latitude: lat[0]! + lat[1]! * de + lat[2]! * dn, longitude: lon[0]! + lon[1]! * de + lon[2]! * dn, depthM: -(p.elevation + datum) };
    },
  };
}
