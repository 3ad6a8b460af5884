// The catalogue's marts run in the BigQuery emulator on known rows, compared with the same
// statistics computed by @mine/seismology.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PubSub } from '@google-cloud/pubsub';
import type { SeismicEvent } from '@mine/contracts';
import { createBigQuery, createLogger, createStorage } from '@mine/platform';
import { gutenbergRichter } from '@mine/seismology';
import { stackEnv, uniqueName } from '@mine/testkit';
import { provision, topology, type Topology } from '@mine/topology';

const env = stackEnv();
const DAY = Date.UTC(2026, 10, 20);

function row(i: number, kind: SeismicEvent['kind'], originMs: number, magnitude: number, decidedAtMs = originMs + 2000): SeismicEvent {
  return {
    eventId: `ev-${i}`, site: 'south-decline', zone: 'zone-2', kind, originTime: new Date(originMs).toISOString(),
    easting: 12_000, northing: 49_300, elevation: 980, latitude: -30.76, longitude: 121.48, depthM: 20,
    originTimeErrorMs: 1, horizontalErrorMaxM: 5, horizontalErrorMinM: 3, horizontalErrorAzimuthDeg: 10, errorConfidence: 0.95, depthErrorM: 4,
    rmsResidualMs: 1, azimuthalGapDeg: 80, stationCount: 8, magnitude, magnitudeSpread: 0.1, energyJ: 10 ** (1.5 * magnitude + 4.8),
    ...(kind === 'blast' ? { blastId: `B-${i}`, blastOffsetM: 4 } : {}),
    arrivals: [], stations: [], decidedAt: new Date(decidedAtMs).toISOString(),
  };
}

test('event rate, b-value and post-blast decay marts', async (t) => {
  const projectId = uniqueName('marts').replace(/_/g, '-');
  const clients = { pubsub: new PubSub({ projectId }), bigquery: createBigQuery({ projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint }), storage: createStorage({ projectId, storageApiEndpoint: env.storageApiEndpoint }) };
  t.after(() => clients.pubsub.close());
  const catalogueOnly: Topology = {
    topics: [],
    subscriptions: [],
    datasets: topology.datasets.filter((d) => d.name === 'ops' || d.name === 'marts'),
    tables: topology.tables.filter((tb) => tb.name === 'seismic_events'),
    views: topology.views.filter((v) => v.owner === 'seismic-catalogue'),
    buckets: [],
    readers: [],
  };
  await provision(catalogueOnly, clients, { projectId, location: 'EU', logger: createLogger({ service: 'marts-test', level: 'silent' }) });

  // 200 natural events on one day with Gutenberg–Richter magnitudes (b = 1 above 0.5, fewer below), a blast at noon
  // followed by a decaying sequence, and one event delivered twice (a relabel: the later decision counts).
  const magnitudes = Array.from({ length: 200 }, (_, i) => Math.round((0.3 - Math.log10(1 - ((i * 0.618034) % 1) * 0.995)) * 10) / 10);
  const blastMs = DAY + 12 * 3600_000;
  const rows: SeismicEvent[] = magnitudes.map((m, i) => row(i, 'natural', DAY + i * 200_000, m));
  rows.push(row(900, 'blast', blastMs, 1.6));
  const after = [0.2, 0.3, 0.5, 0.8, 1.5, 2.5, 4, 6]; // hours after the blast
  after.forEach((h, i) => rows.push(row(1000 + i, 'natural', blastMs + h * 3600_000, 0.4)));
  rows.push({ ...row(0, 'blast', DAY, magnitudes[0]!, DAY + 60_000), blastId: 'B-late', blastOffsetM: 6 });
  await clients.bigquery.dataset('ops').table('seismic_events').insert(rows.map((r) => ({ insertId: `${r.eventId}@${r.decidedAt}`, json: r })), { raw: true });

  const query = async (sql: string) => (await clients.bigquery.query({ query: sql }))[0] as Record<string, unknown>[];
  const rate = await query(`SELECT * FROM \`${projectId}.marts.seismic_event_rate\` ORDER BY day`);
  assert.equal(rate.length, 1);
  assert.equal(Number(rate[0]!.naturalEvents), 199 + after.length, 'event 0 counts once, as the blast it was relabelled to');
  assert.equal(Number(rate[0]!.blasts), 2);

  const natural = rows.filter((r) => r.kind === 'natural' && r.eventId !== 'ev-0').map((r) => r.magnitude);
  const expected = gutenbergRichter(natural)!;
  const [b] = await query(`SELECT * FROM \`${projectId}.marts.seismic_b_value\``);
  assert.ok(Math.abs(Number(b!.mc) - expected.mc) < 1e-9, `Mc ${b!.mc} vs ${expected.mc}`);
  assert.equal(Number(b!.events), expected.count);
  assert.ok(Math.abs(Number(b!.bValue) - expected.b) < 1e-6, `b ${b!.bValue} vs ${expected.b}`);
  assert.ok(Math.abs(Number(b!.bValueError) - expected.bError) < 1e-6);

  const decay = await query(`SELECT * FROM \`${projectId}.marts.post_blast_decay\` WHERE blastId = 'B-900'`);
  assert.equal(decay.length, 1);
  assert.equal(Number(decay[0]!.eventsFirstDecade), 4, '0.2, 0.3, 0.5, 0.8 h');
  assert.equal(Number(decay[0]!.eventsSecondDecade), 4, '1.5, 2.5, 4, 6 h');
  assert.ok(Math.abs(Number(decay[0]!.omoriP) - 1) < 1e-9, 'equal counts per decade: p = 1');
});
