// StationXML in both directions against ObsPy, a reader and writer the platform did not write.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seismoPython } from '@mine/testkit';
import { StationInventory, parseStationXml, toStationXml, type InventoryDocument } from '../src/index.js';

const script = new URL('./obspy-inventory.py', import.meta.url).pathname;

export const sampleInventory: InventoryDocument = {
  source: 'test',
  created: '2026-11-24T00:00:00Z',
  networks: [
    {
      code: 'MN',
      description: 'mine network',
      startDate: '2026-01-01T00:00:00Z',
      stations: [
        {
          code: 'G001',
          startDate: '2026-01-01T00:00:00Z',
          latitude: -30.745,
          longitude: 121.46,
          elevation: 380,
          sensorId: 'geo-001',
          site: 'north-pit',
          zone: 'zone-0',
          grid: { easting: 10_420.5, northing: 51_630.2, elevation: 1308 },
          channels: ['DPZ', 'DPN', 'DPE'].map((code) => ({
            locationCode: '00',
            code,
            startDate: '2026-01-01T00:00:00Z',
            latitude: -30.7451,
            longitude: 121.4601,
            elevation: 380,
            depth: 72,
            azimuth: code === 'DPE' ? 102 : 12,
            dip: code === 'DPZ' ? -90 : 0,
            sampleRateHz: 500,
            gain: 1e7,
            gainFrequencyHz: 15,
            axis: code === 'DPZ' ? ('z' as const) : code === 'DPN' ? ('y' as const) : ('x' as const),
          })),
        },
      ],
    },
  ],
};

describe('StationXML against ObsPy', () => {
  let dir: string;
  let python: string;
  before(() => {
    python = seismoPython();
    dir = mkdtempSync(join(tmpdir(), 'stationxml-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ObsPy reads what the platform writes: codes, coordinates, depth, orientation, rate, sensitivity, the mine extension', () => {
    const file = join(dir, 'ours.xml');
    writeFileSync(file, toStationXml(sampleInventory, 'response'));
    const rows = JSON.parse(execFileSync(python, [script, 'read', file], { encoding: 'utf8' })) as Record<string, unknown>[];
    assert.equal(rows.length, 3);
    const z = rows.find((r) => r.channel === 'DPZ')!;
    assert.equal(z.network, 'MN');
    assert.equal(z.station, 'G001');
    assert.equal(z.location, '00');
    assert.equal(z.latitude, -30.745);
    assert.equal(z.channelLatitude, -30.7451);
    assert.equal(z.depth, 72);
    assert.equal(z.dip, -90);
    assert.equal(z.sampleRate, 500);
    assert.equal(z.gain, 1e7);
    assert.equal(z.inputUnits, 'M/S');
    assert.equal(z.site, 'north-pit');
    assert.equal(z.stationStart, '2026-01-01T00:00:00.000000Z');
    assert.deepEqual(z.extra, { SensorId: 'geo-001', Zone: 'zone-0', GridEasting: '10420.5', GridNorthing: '51630.2', GridElevation: '1308' });
    assert.equal(rows.find((r) => r.channel === 'DPE')!.azimuth, 102);
  });

  it('the platform reads what ObsPy writes, channel epochs with their own gains included, and writes it back unchanged', () => {
    const file = join(dir, 'obspy.xml');
    execFileSync(python, [script, 'write', file]);
    const inventory = StationInventory.fromStationXml(readFileSync(file, 'utf8'));
    const station = inventory.document.networks[0]!.stations[0]!;
    assert.equal(station.code, 'UG07');
    assert.equal(station.site, 'south-decline');
    assert.equal(station.channels.length, 4);
    const before2026 = inventory.channelAt('MN', 'UG07', '10', 'GPZ', Date.parse('2025-06-01T00:00:00Z'))!;
    const after2026 = inventory.channelAt('MN', 'UG07', '10', 'GPZ', Date.parse('2026-06-01T00:00:00Z'))!;
    assert.equal(before2026.channel.gain, 5.2e6);
    assert.equal(after2026.channel.gain, 7.8e6);
    assert.equal(after2026.channel.depth, 420.5);
    assert.equal(after2026.channel.sampleRateHz, 1000);
    assert.equal(after2026.channel.axis, 'z');
    assert.equal(inventory.channelAt('MN', 'UG07', '10', 'GPE', Date.now())!.channel.axis, 'x');
    assert.equal(inventory.channelAt('MN', 'UG07', '10', 'GPZ', Date.parse('2024-06-01T00:00:00Z')), undefined);
    assert.deepEqual(parseStationXml(toStationXml(inventory.document)).networks, inventory.document.networks);
  });
});
