import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Encoding, decodeRecords, encodeRecords } from '@mine/miniseed';
import { SensorReadingBatch, SENSOR_MSEED_ENCODING, assembleTriaxial, compileValidator, decodeSensorReadings, encodeMseedReadings, packetKeys, type StreamCalibration } from './index.js';

const START_US = Date.parse('2026-11-24T05:00:00Z') * 1000;
const channelOf = { x: 'HHE', y: 'HHN', z: 'HHZ' } as const;
const streams: StreamCalibration[] = (['x', 'y', 'z'] as const).map((axis) => ({ sourceId: `FDSN:MN_G001_00_H_H_${channelOf[axis].charAt(2)}`, axis, countsPerMmS: 1e4 }));
const calibration = (r: { sourceId: string }) => streams.find((s) => s.sourceId === r.sourceId);

function body(samples: number, rate = 1000) {
  const records = (['z', 'x', 'y'] as const).flatMap((axis) =>
    encodeRecords({ network: 'MN', station: 'G001', location: '00', channel: channelOf[axis], startTimeUs: START_US, sampleRateHz: rate, samples: Int32Array.from({ length: samples }, (_, i) => (i % 50) * (axis === 'z' ? 3 : 1)) }, { format: 3, encoding: Encoding.STEIM2, recordLength: 4096 }),
  );
  return Buffer.concat(records);
}

describe('mseed-batch-v1 messages', () => {
  it('a run longer than a packet may hold becomes equal consecutive packets, keyed by start time in packet lengths', () => {
    const bytes = body(20_000);
    const { packets, unassembled } = assembleTriaxial(decodeRecords(bytes).records, calibration);
    assert.equal(unassembled.length, 0);
    assert.equal(packets.length, 1);
    const keys = packetKeys(packets[0]!);
    assert.deepEqual(keys.map((k) => k.length), [6667, 6667, 6666]);
    assert.deepEqual(keys.map((k) => k.sequence), keys.map((k) => Math.round((k.startTimeUs * 1000) / 1e6 / k.length)));
    const [message] = encodeMseedReadings({ sensorId: 'geo-001', site: 'north-pit', zone: 'zone-0', receivedAt: '2026-11-24T05:00:10.000Z', streams }, packets, bytes, 1024 * 1024);
    assert.equal(message!.attributes.encoding, SENSOR_MSEED_ENCODING);
    assert.equal(message!.attributes.packets, '3');
    const decoded = decodeSensorReadings(message!.data, message!.attributes);
    assert.ok(compileValidator(SensorReadingBatch).check(decoded), 'the readings satisfy the contract (at most 8192 samples per axis)');
    const readings = decoded.readings as { sequence: number; startTime: string; samples: { z: number[] } }[];
    assert.deepEqual(readings.map((r) => r.startTime), ['2026-11-24T05:00:00.000Z', '2026-11-24T05:00:06.667Z', '2026-11-24T05:00:13.334Z']);
    assert.deepEqual(readings.flatMap((r) => r.samples.z), Array.from({ length: 20_000 }, (_, i) => ((i % 50) * 3) / 1e4));
  });

  it('a message whose records do not decode is refused (the subscriber dead-letters it)', () => {
    const bytes = body(100);
    const { packets } = assembleTriaxial(decodeRecords(bytes).records, calibration);
    const [message] = encodeMseedReadings({ sensorId: 'geo-001', site: 'north-pit', zone: 'zone-0', receivedAt: '2026-11-24T05:00:10.000Z', streams }, packets, bytes, 1024 * 1024);
    const corrupt = Buffer.from(message!.data);
    corrupt[corrupt.length - 5]! ^= 0xff;
    assert.throws(() => decodeSensorReadings(corrupt, message!.attributes), /do not decode|CRC/);
    assert.throws(() => decodeSensorReadings(message!.data.subarray(0, 40), message!.attributes));
  });
});
