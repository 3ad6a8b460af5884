#!/usr/bin/env node
// Drives a simulated mine against a running sensor-gateway, in real time:
//   mine-simulate --url http://127.0.0.1:8081 --sensors 120 --duration 60 [--blast-every 30] [--episode] [--miniseed 2|3]
//   mine-simulate --print-devices | --print-stationxml --sensors 120
import { parseArgs } from 'node:util';
import { SensorStream, blastSource, acceleratingEventTimes, microseismicSource, mineLayout, mineStationXml, postMiniseed, postPackets, devicesJson } from './index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8081' },
    sensors: { type: 'string', default: '120' },
    duration: { type: 'string', default: '60' },
    'sample-rate': { type: 'string', default: '500' },
    'packet-seconds': { type: 'string', default: '1' },
    'blast-every': { type: 'string', default: '0' },
    'blast-ppv': { type: 'string', default: '30' },
    'blast-hz': { type: 'string', default: '15' },
    episode: { type: 'boolean', default: false },
    'print-devices': { type: 'boolean', default: false },
    'print-stationxml': { type: 'boolean', default: false },
    /** send miniSEED (SEED 2.4 or miniSEED 3 records, Steim-2) instead of JSON */
    miniseed: { type: 'string' },
  },
});
const sensors = mineLayout(Number(values.sensors));
if (values['print-devices']) {
  process.stdout.write(`${await devicesJson(sensors)}\n`);
  process.exit(0);
}
if (values['print-stationxml']) {
  process.stdout.write(mineStationXml(sensors, { sampleRateHz: Number(values['sample-rate']) }));
  process.exit(0);
}
const format = values.miniseed === undefined ? undefined : values.miniseed === '3' ? 3 : 2;
const packetSeconds = Number(values['packet-seconds']);
const streams = sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: Number(values['sample-rate']), packetSeconds, noiseMmS: 0.05, seed: i + 1 }));
const startS = Math.floor(Date.now() / 1000);
const durationS = Number(values.duration);
const blastEvery = Number(values['blast-every']);
if (blastEvery > 0) {
  for (let t = startS + blastEvery; t < startS + durationS; t += blastEvery) {
    for (const stream of streams.filter((s) => s.sensor.zone === 'zone-0')) stream.add(blastSource(t, Number(values['blast-ppv']), Number(values['blast-hz'])));
  }
}
if (values.episode) {
  for (const t of acceleratingEventTimes(startS, startS + durationS * 1.2, durationS / 3, startS + durationS)) {
    for (const stream of streams.filter((s) => s.sensor.site === 'north-pit' && s.sensor.zone === 'zone-1')) stream.add(microseismicSource(t, 3));
  }
}
let sent = 0;
let refused = 0;
for (let tick = 0; tick < durationS / packetSeconds; tick++) {
  const t = startS + tick * packetSeconds;
  const wait = t * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const results = await Promise.all(streams.map((s) => (format ? postMiniseed(values.url!, s.sensor, [s.packet(t)], { format }) : postPackets(values.url!, s.sensor, [s.packet(t)]))));
  sent += results.filter((r) => r.status === 202).length;
  refused += results.filter((r) => r.status !== 202).length;
  process.stderr.write(`\r${tick + 1}/${durationS / packetSeconds} s: ${sent} packets accepted, ${refused} refused`);
}
process.stderr.write('\n');
