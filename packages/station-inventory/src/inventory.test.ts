import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StationInventory, gridToWgs84, parseStationXml, toStationXml, wgs84ToGrid, type InventoryDocument } from './index.js';

const channel = (code: string, startDate: string, endDate?: string) => ({
  locationCode: '00', code, startDate, ...(endDate ? { endDate } : {}), latitude: -30.7, longitude: 121.4, elevation: 380, depth: 0,
  azimuth: 0, dip: 0, sampleRateHz: 500, gain: 1e7, gainFrequencyHz: 15, axis: 'z' as const,
});
const doc: InventoryDocument = {
  source: 'test',
  created: '2026-01-01T00:00:00Z',
  networks: [
    {
      code: 'MN',
      stations: [
        { code: 'G001', startDate: '2026-01-01T00:00:00Z', latitude: -30.7, longitude: 121.4, elevation: 380, sensorId: 'geo-001', site: 'north-pit', channels: [channel('DPZ', '2026-01-01T00:00:00Z')] },
        { code: 'G002', startDate: '2026-01-01T00:00:00Z', endDate: '2026-06-01T00:00:00Z', latitude: -30.8, longitude: 121.5, elevation: 380, sensorId: 'geo-002', site: 'south-decline', channels: [channel('DPZ', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z'), channel('HHZ', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z')] },
      ],
    },
    { code: 'XM', stations: [{ code: 'B1', startDate: '2020-01-01T00:00:00Z', latitude: 0, longitude: 0, elevation: 0, site: 'elsewhere', channels: [channel('HHZ', '2020-01-01T00:00:00Z')] }] },
  ],
};
const inventory = new StationInventory(doc);
const codes = (d: InventoryDocument | undefined) => d?.networks.flatMap((n) => n.stations.map((s) => `${n.code}.${s.code}:${s.channels.map((c) => c.code).join('+')}`));

describe('StationInventory', () => {
  it('selects like an FDSN station service: wildcards, lists, "--" for an empty location, epochs, boxes', () => {
    assert.deepEqual(codes(inventory.select({ network: ['M?'], station: ['G*'] })), ['MN.G001:DPZ', 'MN.G002:DPZ+HHZ']);
    assert.deepEqual(codes(inventory.select({ channel: ['HH?'] })), ['MN.G002:HHZ', 'XM.B1:HHZ']);
    assert.deepEqual(codes(inventory.select({ station: ['G002', 'B1'], startTime: Date.parse('2026-07-01T00:00:00Z') })), ['XM.B1:HHZ']);
    assert.deepEqual(codes(inventory.select({ minLatitude: -30.75, maxLatitude: -30.6 })), ['MN.G001:DPZ']);
    assert.deepEqual(codes(inventory.select({ location: ['--'] })), undefined);
    assert.equal(inventory.select({ network: ['ZZ'] }), undefined);
  });

  it('finds a device’s station and a stream’s channel epoch', () => {
    assert.equal(inventory.stationOfSensor('geo-002')?.station.code, 'G002');
    assert.equal(inventory.channelAt('MN', 'G002', '00', 'DPZ', Date.parse('2026-07-01T00:00:00Z')), undefined);
    assert.ok(inventory.knowsStream('MN', 'G002', '00', 'DPZ'));
    assert.equal(inventory.channelAt('MN', 'G001', '00', 'DPZ', Date.parse('2026-07-01T00:00:00Z'))?.station.sensorId, 'geo-001');
  });

  it('lists every problem of a bad StationXML document at once', () => {
    const xml = toStationXml(doc).replace('<Latitude>-30.8</Latitude>', '').replace('code="HHZ"', 'code="HHX"').replace('<Value>10000000</Value>', '<Value>0</Value>');
    assert.throws(() => parseStationXml(xml), (error: Error) => {
      assert.match(error.message, /station G002: no Latitude/);
      assert.match(error.message, /orientation code "X" maps to no axis/);
      assert.match(error.message, /no positive Response\/InstrumentSensitivity\/Value/);
      return true;
    });
    assert.throws(() => parseStationXml('<html/>'), /no FDSNStationXML root element/);
  });

  it('converts mine grid coordinates to WGS84 and back', () => {
    const grid = { originLatitude: -30.749, originLongitude: 121.466, originEasting: 10_000, originNorthing: 50_000, datumElevation: -1000, rotationDeg: 12 };
    const p = { easting: 11_234.5, northing: 48_765.4, elevation: 1080 };
    const wgs = gridToWgs84(grid, p);
    assert.equal(wgs.elevation, 80);
    const back = wgs84ToGrid(grid, wgs.latitude, wgs.longitude, wgs.elevation);
    assert.ok(Math.abs(back.easting - p.easting) < 1e-6 && Math.abs(back.northing - p.northing) < 1e-6);
    // 1 km grid-north is 1 km on the ground, 12° east of true north.
    const north = gridToWgs84(grid, { easting: 10_000, northing: 51_000, elevation: 0 });
    assert.ok(north.latitude > grid.originLatitude && north.longitude > grid.originLongitude);
  });
});
