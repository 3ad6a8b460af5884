import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecords } from '@mine/miniseed';
import { StationInventory, parseStationXml, wgs84ToGrid } from '@mine/station-inventory';
import { SIMULATED_MINE_GRID, SensorStream, blastSource, mineInventory, mineLayout, mineStationXml, packetToMiniseed } from './index.js';

describe('the simulated mine speaks seismology', () => {
  const sensors = mineLayout(120);

  it('gives every sensor a station with coordinates in a plausible mine layout', () => {
    const inventory = StationInventory.fromStationXml(mineStationXml(sensors));
    assert.equal(inventory.stationCount, 120);
    const stations = inventory.document.networks[0]!.stations;
    assert.equal(new Set(stations.map((s) => s.code)).size, 120);
    assert.equal(new Set(stations.map((s) => `${s.grid!.easting},${s.grid!.northing},${s.grid!.elevation}`)).size, 120, 'positions are distinct');
    for (const s of stations) {
      assert.equal(inventory.stationOfSensor(s.sensorId!)?.station.code, s.code);
      const z = s.channels.find((c) => c.axis === 'z')!;
      // The WGS84 coordinates are the grid position's.
      const grid = wgs84ToGrid(SIMULATED_MINE_GRID, z.latitude, z.longitude, z.elevation - z.depth);
      assert.ok(Math.abs(grid.easting - s.grid!.easting) < 0.2 && Math.abs(grid.northing - s.grid!.northing) < 0.2, `${s.code} grid and WGS84 agree`);
      if (s.site === 'south-decline') assert.ok(z.depth >= 300, `${s.code} is underground`);
    }
    const spread = (values: number[]) => Math.max(...values) - Math.min(...values);
    const eastings = stations.map((s) => s.grid!.easting);
    assert.ok(spread(eastings) > 1000 && spread(eastings) < 5000, 'a mine spans kilometres, not tens of kilometres');
    assert.deepEqual(parseStationXml(mineStationXml(sensors)).networks, mineInventory(sensors).networks);
  });

  it('writes a packet as each axis’s counts in its channel’s miniSEED records', () => {
    const stream = new SensorStream(sensors[0]!, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: 1 });
    stream.add(blastSource(1_790_000_000.2, 30, 15));
    const packet = stream.packet(1_790_000_000);
    for (const format of [2, 3] as const) {
      const { records, errors } = decodeRecords(packetToMiniseed(packet, sensors[0]!, { format }));
      assert.deepEqual(errors, []);
      assert.deepEqual([...new Set(records.map((r) => r.channel))], ['DPZ', 'DPN', 'DPE']);
      assert.ok(records.every((r) => format === 3 || r.length === 512), 'SEED 2.4 records of 512 bytes, as digitizers write them');
      const channel = (code: string) => records.filter((r) => r.channel === code).flatMap((r) => Array.from(r.samples));
      assert.deepEqual(channel('DPZ'), packet.samples.z.map((v) => Math.round(v * 1e4)));
      assert.deepEqual(channel('DPE'), packet.samples.x.map((v) => Math.round(v * 1e4)));
      assert.equal(records[0]!.startTimeUs, 1_790_000_000 * 1e6);
    }
  });
});
