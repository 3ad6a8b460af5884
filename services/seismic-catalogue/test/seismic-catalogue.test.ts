import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SeismicEvent, encodeSensorReadings, toBigQuerySchema, type SensorReading } from '@mine/contracts';
import { TokenAuth, createBigQuery, createLogger, createPubSub, loadConfig } from '@mine/platform';
import { distance } from '@mine/seismology';
import { SensorStream, blastPositions, localNoiseBurst, mineLayout, mineStationXml, seismicEventSource, type SimulatedSeismicEvent } from '@mine/simulator';
import { pullMessages, seismoPython, stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { buildSeismicCatalogue, type SeismicCatalogue } from '../src/app.js';
import { SeismicCatalogueEnv } from '../src/config.js';

const env = stackEnv();
const pubsub = createPubSub(env.projectId);
const bigquery = createBigQuery({ projectId: env.projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });
const logger = createLogger({ service: 'seismic-catalogue-test', level: 'silent' });
const OPERATOR = 'blast-officer-token';
const MODEL = { vpMps: 5900, vsMps: 3400 };
const SITE = 'south-decline';
const T0 = Math.floor(Date.UTC(2026, 10, 24, 3, 0, 0) / 1000);

async function environment(t: import('node:test').TestContext) {
  const name = uniqueName('sc').replace(/_/g, '-');
  const [readings, events, readingsDlq] = await Promise.all(['readings', 'events', 'readings-dlq'].map(async (s) => (await pubsub.createTopic(`${name}-${s}`))[0]!));
  const [readingsSub] = await readings!.createSubscription(`${name}-readings.sub`, { ackDeadlineSeconds: 30 });
  const [eventsSub] = await events!.createSubscription(`${name}-events.sub`);
  const [dataset] = await bigquery.createDataset(uniqueName('sc'));
  await dataset.createTable('seismic_events', { schema: { fields: toBigQuerySchema(SeismicEvent) } });
  const dir = mkdtempSync(join(tmpdir(), 'seismic-catalogue-'));
  const layout = mineLayout(120);
  writeFileSync(join(dir, 'stations.xml'), mineStationXml(layout));
  const config = loadConfig(SeismicCatalogueEnv, {
    GCP_PROJECT_ID: env.projectId,
    PUBSUB_EMULATOR_HOST: env.pubsubEmulatorHost,
    DATABASE_URL: env.databaseUrl,
    PG_SCHEMA: name.replace(/-/g, '_'),
    SENSOR_SUBSCRIPTION: `${name}-readings.sub`,
    SENSOR_DEAD_LETTER_TOPIC: `${name}-readings-dlq`,
    EVENTS_TOPIC: `${name}-events`,
    EVENTS_TABLE: `${dataset.id}.seismic_events`,
    STATIONXML_PATH: join(dir, 'stations.xml'),
    VELOCITY_MODELS_JSON: JSON.stringify({ default: MODEL }),
    API_TOKENS: `blaster:operator:${TokenAuth.hash(OPERATOR)},screen:viewer:${TokenAuth.hash('viewer-token')}`,
    LEASE_RETRY_SECONDS: '1',
    BLAST_WINDOW_SLACK_SECONDS: '1',
  });
  const services: SeismicCatalogue[] = [];
  const start = async () => {
    const service = await buildSeismicCatalogue({ config, logger, pubsub, bigquery });
    services.push(service);
    await service.start();
    return service;
  };
  t.after(async () => {
    for (const s of services) await s.close().catch(() => undefined);
    await Promise.all([readingsSub, eventsSub].map((s) => s!.delete().catch(() => undefined)));
    await Promise.all([readings, events, readingsDlq].map((tp) => tp!.delete().catch(() => undefined)));
    await dataset.delete({ force: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  return { readings: readings!, eventsSub: eventsSub!, dataset, layout, start };
}

/** A site's packets for `seconds`, with the given events and a machinery burst at one station. */
function simulate(layout: ReturnType<typeof mineLayout>, truth: SimulatedSeismicEvent[], seconds: number): SensorReading[][] {
  const sensors = layout.filter((s) => s.site === SITE);
  const streams = sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: 100 + i }));
  for (const [j, event] of truth.entries()) for (const [i, s] of streams.entries()) s.add(seismicEventSource(event, s.sensor.grid, { model: MODEL }, j * 1000 + i));
  streams[5]!.add(localNoiseBurst(T0 + 12.4, 3, 0.3, 9));
  const receivedAt = new Date().toISOString();
  return Array.from({ length: seconds }, (_, k) => streams.map((s) => ({ ...s.packet(T0 + k), site: s.sensor.site, zone: s.sensor.zone, receivedAt })));
}

test('simulated events become one located, sized, blast-labelled catalogue entry each: in PostgreSQL, on the topic, in BigQuery and through fdsnws-event to ObsPy', async (t) => {
  const { readings, eventsSub, dataset, layout, start } = await environment(t);
  const blastAt = blastPositions(layout, SITE, 'zone-2')[0]!;
  const truth: SimulatedSeismicEvent[] = [
    { eventId: 'natural', kind: 'natural', originTimeS: T0 + 5.37, hypocentre: { easting: 11_990, northing: 49_330, elevation: 980 }, magnitude: 1.1 },
    { eventId: 'blast', kind: 'blast', originTimeS: T0 + 9.12, hypocentre: blastAt, magnitude: 1.5 },
  ];
  const catalogue = await start();
  assert.equal(catalogue.leading, true);
  const standby = await start();
  assert.equal(standby.leading, false, 'a second replica stands by while the first holds the lease');
  const app = catalogue.app;

  // The blast register: refused without a token or with bad input; the planned blast registered before it is fired.
  const planned = { blastId: 'SD-L2-0412', site: SITE, windowStart: new Date((T0 + 8) * 1000).toISOString(), windowEnd: new Date((T0 + 11) * 1000).toISOString(), ...blastAt, chargeKg: 850 };
  assert.equal((await app.inject({ method: 'POST', url: '/blasts', payload: planned })).statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: '/blasts', headers: { authorization: 'Bearer viewer-token' }, payload: planned })).statusCode, 403);
  const bad = await app.inject({ method: 'POST', url: '/blasts', headers: { authorization: `Bearer ${OPERATOR}` }, payload: { ...planned, chargeKg: -1 } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /chargeKg/);
  assert.equal((await app.inject({ method: 'POST', url: '/blasts', headers: { authorization: `Bearer ${OPERATOR}` }, payload: planned })).statusCode, 201);
  assert.equal((await app.inject({ method: 'POST', url: '/blasts', headers: { authorization: `Bearer ${OPERATOR}` }, payload: planned })).statusCode, 200, 'idempotent');
  assert.equal((await app.inject({ method: 'POST', url: '/blasts', headers: { authorization: `Bearer ${OPERATOR}` }, payload: { ...planned, chargeKg: 900 } })).statusCode, 409);

  // One message per device request, every station of the site each second.
  for (const tick of simulate(layout, truth, 16))
    await Promise.all(tick.flatMap((reading) => encodeSensorReadings([reading])).map((message) => readings.publishMessage(message)));

  const stored = await waitFor(async () => {
    const events = await catalogue.store.events({ site: SITE, orderBy: 'time-asc' });
    return events.length >= 2 ? events : undefined;
  }, { timeoutMs: 90_000, what: 'two catalogue events' });
  assert.equal(stored.length, 2, `events: ${stored.map((e) => `${e.kind} ${e.originTime}`).join(', ')}`);
  const [natural, blast] = stored as [SeismicEvent, SeismicEvent];
  assert.equal(natural.kind, 'natural');
  assert.ok(distance(natural, truth[0]!.hypocentre) < 25, `natural located ${distance(natural, truth[0]!.hypocentre).toFixed(1)} m off`);
  assert.ok(Math.abs(natural.magnitude - 1.1) < 0.3, `ML ${natural.magnitude}`);
  assert.ok(natural.stationCount >= 5 && natural.energyJ > 0 && natural.horizontalErrorMaxM > 0);
  assert.ok(natural.stations.every((s) => s.ppvMmS > 0), 'stations with their PPVs');
  assert.equal(blast.kind, 'blast');
  assert.equal(blast.blastId, planned.blastId);
  assert.ok(blast.blastOffsetM! < 25, `blast located ${blast.blastOffsetM} m from plan`);

  // A blast registered after it was fired relabels the event already in the catalogue.
  const late = { ...planned, blastId: 'SD-late', windowStart: new Date((T0 + 4) * 1000).toISOString(), windowEnd: new Date((T0 + 6) * 1000).toISOString(), easting: natural.easting + 10, northing: natural.northing, elevation: natural.elevation };
  const lateResponse = await app.inject({ method: 'POST', url: '/blasts', headers: { authorization: `Bearer ${OPERATOR}` }, payload: late });
  assert.equal(lateResponse.statusCode, 201);
  assert.deepEqual(lateResponse.json().relabelled, [natural.eventId]);
  const accuracy = (await app.inject({ url: '/blasts', headers: { authorization: 'Bearer viewer-token' } })).json();
  assert.equal(accuracy.locationAccuracy.located, 2);

  // Each decision (and the relabel) on the topic; in BigQuery with the same rows.
  const messages = await pullMessages(eventsSub, { atLeast: 3, timeoutMs: 30_000 });
  const published = messages.map((m) => JSON.parse(m.data.toString()) as SeismicEvent);
  assert.deepEqual(published.map((e) => `${e.eventId}:${e.kind}`).sort(), [`${blast.eventId}:blast`, `${natural.eventId}:blast`, `${natural.eventId}:natural`].sort());
  const rows = await waitFor(async () => {
    const [r] = await bigquery.query({ query: `SELECT eventId, kind, stationCount FROM \`${env.projectId}.${dataset.id}.seismic_events\`` });
    return r.length >= 3 ? r : undefined;
  }, { timeoutMs: 30_000, what: 'rows in BigQuery' });
  assert.equal(rows.length, 3);

  // fdsnws-event: standard errors and formats, then ObsPy's client reads the QuakeML.
  const window = `starttime=${new Date(T0 * 1000).toISOString().slice(0, 19)}&endtime=${new Date((T0 + 60) * 1000).toISOString().slice(0, 19)}`;
  const unsupported = await app.inject({ url: `/fdsnws/event/1/query?${window}&colour=red` });
  assert.equal(unsupported.statusCode, 400);
  assert.match(unsupported.body, /^Error 400: Bad Request/);
  assert.equal((await app.inject({ url: `/fdsnws/event/1/query?${window}&minmag=9` })).statusCode, 204);
  assert.equal((await app.inject({ url: `/fdsnws/event/1/query?${window}&minmag=9&nodata=404` })).statusCode, 404);
  const text = await app.inject({ url: `/fdsnws/event/1/query?${window}&format=text&eventtype=mining%20explosion` });
  assert.equal(text.body.trim().split('\n').length, 3, text.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  // Asynchronously: the server answering ObsPy runs in this process.
  const { stdout } = await promisify(execFile)(seismoPython(), [new URL('./obspy-events.py', import.meta.url).pathname, base, new Date(T0 * 1000).toISOString(), new Date((T0 + 60) * 1000).toISOString()], { encoding: 'utf8', timeout: 120_000 });
  const obspy = JSON.parse(stdout);
  assert.ok(obspy.services.includes('event'));
  assert.equal(obspy.events.length, 2);
  const [first] = obspy.events;
  const current = (await catalogue.store.events({ eventId: natural.eventId }))[0]!;
  assert.equal(first.type, 'mining explosion');
  assert.ok(Math.abs(first.latitude - current.latitude) < 1e-6 && Math.abs(first.longitude - current.longitude) < 1e-6);
  assert.ok(Math.abs(first.depth - current.depthM) < 0.01);
  assert.ok(Math.abs(first.magnitude - current.magnitude) < 1e-5);
  assert.equal(first.magnitudeType, 'ML');
  assert.deepEqual(first.magnitudes, ['ML', 'Me']);
  assert.equal(first.arrivals, current.arrivals.length);
  assert.equal(first.picks, current.arrivals.length);
  assert.ok(first.pickStations.every((code: string) => /^G\d{3}$/.test(code)), 'picks name the inventory stations');
  assert.equal(first.confidenceLevel, 95);
  assert.equal(obspy.nodata, 'FDSNNoDataException');
});
