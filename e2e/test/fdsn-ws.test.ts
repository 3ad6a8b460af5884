// miniSEED in, FDSN out, across the real services: a digitizer posts miniSEED to sensor-gateway,
// lake-compactor spools it (and compacts one hour into the raw lake), and ObsPy's FDSN client reads
// the station inventory and the waveforms back from fdsn-ws, from the lake and from the spool.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPubSub, createStorage } from '@mine/platform';
import { SensorStream, blastSource, devicesJson, mineLayout, mineStationXml, postMiniseed, type SimulatedSensor } from '@mine/simulator';
import { seismoPython, stackEnv, stackProcessEnv, startService, uniqueName, waitFor } from '@mine/testkit';

const run = promisify(execFile);
const env = stackEnv();
const root = new URL('../../', import.meta.url).pathname;
const HOUR_S = 3600;

test('ObsPy reads the stations and the miniSEED it posted back through the FDSN web services, from the lake and the spool', async (t) => {
  const name = uniqueName('fdsn').replace(/_/g, '-');
  const pubsub = createPubSub(env.projectId);
  const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });
  const [topic] = await pubsub.createTopic(`${name}-readings`);
  const [deadLetter] = await pubsub.createTopic(`${name}-dead`);
  await topic.createSubscription(`${name}-lake`);
  const [bucket] = await storage.createBucket(`${name}-lake`);
  const dir = mkdtempSync(join(tmpdir(), 'fdsn-e2e-'));
  t.after(async () => {
    await pubsub.subscription(`${name}-lake`).delete().catch(() => undefined);
    await topic.delete().catch(() => undefined);
    await deadLetter.delete().catch(() => undefined);
    await bucket.deleteFiles({ force: true }).catch(() => undefined);
    await bucket.delete().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const sensors = mineLayout(2);
  const stationXml = join(dir, 'stationxml.xml');
  writeFileSync(stationXml, mineStationXml(sensors));
  const lakeEnv = { LAKE_BUCKET: bucket.name, FEATURES_TABLE: '', FRESHNESS_INTERVAL_SECONDS: '0' };
  const gateway = await startService('sensor-gateway', { SENSOR_TOPIC: `${name}-readings`, DEVICES_JSON: await devicesJson(sensors), STATIONXML_PATH: stationXml });
  t.after(() => gateway.stop());
  const compactor = await startService('lake-compactor', { ...lakeEnv, SUBSCRIPTION: `${name}-lake`, DEAD_LETTER_TOPIC: `${name}-dead`, SPOOL_MAX_AGE_MS: '300' });
  t.after(() => compactor.stop());

  // Ten seconds two hours ago (to be compacted into the raw lake) and ten seconds just now (left in the spool).
  const nowS = Math.floor(Date.now() / 1000);
  const compactedHour = Math.floor(nowS / HOUR_S) * HOUR_S - 2 * HOUR_S;
  const windows = [compactedHour + 600, nowS - 25];
  const sensor = sensors[0]!;
  const stream = new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: 21 });
  stream.add(blastSource(windows[0]! + 3.2, 25, 15));
  const sent = windows.map((start) => Array.from({ length: 10 }, (_, s) => stream.packet(start + s)));
  for (const [w, packets] of sent.entries()) {
    // One window in SEED 2.4, the other in miniSEED 3, one second per request as a digitizer sends.
    for (const packet of packets) {
      const result = await postMiniseed(gateway.url, sensor, [packet], { format: w === 0 ? 2 : 3 });
      assert.equal(result.status, 202, JSON.stringify(result.body));
    }
  }
  await waitFor(async () => ((await metric(compactor.url, 'lake_compactor_spool_packets_total')) >= 20 ? true : undefined), { timeoutMs: 60_000, what: 'the compactor spooled all 20 packets' });

  const hour = new Date(compactedHour * 1000).toISOString().slice(0, 13);
  await run(process.execPath, ['--import', 'tsx', '--conditions=source', 'src/compact-main.ts', hour], { cwd: join(root, 'services/lake-compactor'), env: { ...process.env, ...stackProcessEnv(), ...lakeEnv, LOG_LEVEL: 'warn' } });
  const [raw] = await bucket.getFiles({ prefix: `raw/site=${sensor.site}/date=${hour.slice(0, 10)}/hour=${hour.slice(11, 13)}/` });
  assert.equal(raw.length, 1, 'the old hour is in the raw lake');

  const fdsn = await startService('fdsn-ws', { STATIONXML_PATH: stationXml, LAKE_BUCKET: bucket.name });
  t.after(() => fdsn.stop());
  const iso = (s: number) => new Date(s * 1000).toISOString().replace('Z', '');
  const args = [join(root, 'e2e/test/obspy-fdsn.py'), fdsn.url, 'MN', sensor.stationCode, iso(windows[0]!), iso(windows[0]! + 10), iso(windows[1]!), iso(windows[1]! + 10), iso(windows[0]! - 600), iso(windows[0]! - 590)];
  const { stdout } = await run(seismoPython(), args, { maxBuffer: 64 * 1024 * 1024 }).catch((error: Error) => {
    throw new Error(`${error.message}\nfdsn-ws log:\n${fdsn.logs.filter((l) => /error|stack/i.test(l)).slice(-3).join('\n')}`);
  });
  const read = JSON.parse(stdout) as {
    services: string[];
    channels: { id: string; latitude: number; depth: number; sampleRate: number; gain: number }[];
    stationExtra: Record<string, string>;
    windows: ({ id: string; start: number; rate: number; data: number[] }[] | 'nodata')[];
  };
  assert.ok(read.services.includes('station') && read.services.includes('dataselect'), `ObsPy found the services (${read.services})`);
  assert.deepEqual(read.channels.map((c) => c.id).sort(), ['MN.G001.00.DPE', 'MN.G001.00.DPN', 'MN.G001.00.DPZ']);
  for (const c of read.channels) {
    assert.equal(c.gain, 1e7);
    assert.equal(c.sampleRate, 500);
    assert.equal(c.depth, sensor.depthM);
  }
  assert.equal(read.stationExtra.SensorId, sensor.sensorId);

  for (const [w, packets] of sent.entries()) {
    const traces = read.windows[w];
    assert.ok(Array.isArray(traces), `window ${w} has data`);
    assert.deepEqual(traces.map((tr) => tr.id).sort(), ['MN.G001.00.DPE', 'MN.G001.00.DPN', 'MN.G001.00.DPZ']);
    for (const trace of traces) {
      const axis = ({ E: 'x', N: 'y', Z: 'z' } as const)[trace.id.slice(-1) as 'E' | 'N' | 'Z'];
      const expected = packets.flatMap((p) => p.samples[axis].map((v) => Math.round(v * 1e4) + 0));
      assert.equal(trace.start, windows[w]! * 1e6, `${trace.id} starts at the first sample`);
      assert.equal(trace.rate, 500);
      assert.deepEqual(trace.data, expected, `${trace.id} window ${w} (${w === 0 ? 'raw lake' : 'spool'}): every sample equal`);
    }
  }
  assert.equal(read.windows[2], 'nodata', 'a window without data is 204, which ObsPy reports as no data');

  const error = await fetch(`${fdsn.url}/fdsnws/dataselect/1/query?net=MN&sta=G001&starttime=2026-11-31T00:00:00`);
  assert.equal(error.status, 400);
  const text = await error.text();
  assert.match(text, /^Error 400: Bad Request\n\n.*starttime "2026-11-31T00:00:00" is not a real time/s);
  assert.match(text, /Request:\n.*\/fdsnws\/dataselect\/1\/query\?net=MN/);
  assert.match(text, /Service version:\n1\.1\.0/);
  assert.equal((await fetch(`${fdsn.url}/fdsnws/station/1/query?network=XX&nodata=404`)).status, 404);
  assert.equal(await (await fetch(`${fdsn.url}/fdsnws/station/1/version`)).text(), '1.1.0');
  const textFormat = await (await fetch(`${fdsn.url}/fdsnws/station/1/query?station=G00*&level=channel&format=text`)).text();
  assert.equal(textFormat.trim().split('\n').length, 1 + 6, 'a header and six channels');
});

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}
