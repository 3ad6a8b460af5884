import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { encodeSensorReadings, type SensorReading } from '@mine/contracts';
import { Publisher, createLogger, createPubSub, loadConfig } from '@mine/platform';
import { stackEnv, uniqueName, waitFor } from '@mine/testkit';
import { buildAlertEvaluator, type AlertEvaluator } from '../src/app.js';
import { AlertEvaluatorEnv } from '../src/config.js';

const env = stackEnv();
const logger = createLogger({ service: 'alert-evaluator-replicas-test', level: 'silent' });
const T0 = Date.UTC(2026, 10, 25, 1, 0, 0);
const RATE = 200;

/** Ground noise, with a 20 Hz burst in the packets listed (its amplitude in mm/s). */
function packet(sensorId: string, zone: string, sequence: number, second: number, burst: number, bootId?: string): SensorReading {
  const x = Array.from({ length: RATE }, (_, i) => {
    const n = second * RATE + i;
    return 0.05 * Math.sin(n * 1.7 + sensorId.length) + 0.03 * Math.sin(n * 0.31) + burst * Math.sin((2 * Math.PI * 20 * i) / RATE);
  });
  return {
    sensorId,
    sequence,
    ...(bootId ? { bootId } : {}),
    startTime: new Date(T0 + second * 1000).toISOString(),
    sampleRateHz: RATE,
    samples: { x, y: x.map((v) => v * 0.5), z: x.map((v) => v * 0.25) },
    site: 'north-pit',
    zone,
    receivedAt: new Date(T0 + second * 1000 + 20).toISOString(),
  };
}

/**
 * Six sensors in two zones, 30 s each: bursts that trigger STA/LTA (several per zone, so the
 * seismic-rate rule escalates), blasts over the vibration limit, a lost packet, a reboot with a
 * new boot id, a counter restart without one, and a late packet.
 */
function requests(): SensorReading[][] {
  const sensors = ['geo-a1', 'geo-a2', 'geo-a3', 'geo-b1', 'geo-b2', 'geo-b3'];
  const perSensor = sensors.map((sensorId, s) => {
    const zone = sensorId.startsWith('geo-a') ? 'stope-a' : 'stope-b';
    const readings: SensorReading[] = [];
    let sequence = 100;
    let bootId: string | undefined;
    for (let second = 0; second < 30; second++) {
      const burst = second === 12 + s || second === 20 + (s % 3) ? 3 : second === 25 && s % 2 === 0 ? 40 : 0;
      if (sensorId === 'geo-a2' && second === 15) sequence += 3; // lost packets: a gap
      if (sensorId === 'geo-b1' && second === 18) {
        bootId = 'boot-2'; // rebooted, says so
        sequence = 0;
      }
      if (sensorId === 'geo-b2' && second === 18) sequence = 0; // restarted its counter silently
      readings.push(packet(sensorId, zone, sequence++, second, burst, bootId));
    }
    // A packet the device held back, sent after newer ones.
    if (sensorId === 'geo-a3') readings.splice(9, 0, packet(sensorId, zone, 90, -1, 0));
    return readings;
  });
  // Requests of three packets, the sensors interleaved as they would reach the gateway.
  const out: SensorReading[][] = [];
  for (let i = 0; i < 31; i += 3)
    for (const readings of perSensor) {
      const request = readings.slice(i, i + 3);
      if (request.length) out.push(request.map((r) => ({ ...r, receivedAt: request[0]!.receivedAt })));
    }
  return out;
}

async function evaluatedCount(replica: AlertEvaluator): Promise<number> {
  const metrics = (await replica.app.inject({ url: '/metrics' })).body;
  return Number(/messages_evaluated_total\{[^}]*source="sensor-readings"[^}]*outcome="evaluated"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

async function results(pool: pg.Pool, schema: string) {
  const q = async (sql: string) => (await pool.query(sql.replaceAll('$s', `"${schema}"`))).rows;
  return {
    events: await q(`SELECT sensor_id, zone, on_time, peak_ratio FROM $s.seismic_events ORDER BY sensor_id, on_time`),
    alarms: await q(`SELECT rule_id, subject, level, state FROM $s.alarms ORDER BY rule_id, subject, first_seen_at`),
    sensors: await q(`SELECT sensor_id, boot_id, last_sequence, sequence_resets, detector FROM $s.sensors ORDER BY sensor_id`),
  };
}

test('three replicas on an ordered subscription, one leaving halfway, give exactly the events and alarms of one', async (t) => {
  const pubsub = createPubSub(env.projectId);
  const name = uniqueName('aer').replace(/_/g, '-');
  const [topic] = await pubsub.createTopic(`${name}-readings`);
  const [alerts] = await pubsub.createTopic(`${name}-alerts`);
  const [dlq] = await pubsub.createTopic(`${name}-dlq`);
  const subscriptions = await Promise.all(
    ['one', 'three'].map(async (run) => (await topic.createSubscription(`${name}-${run}`, { enableMessageOrdering: true, ackDeadlineSeconds: 20 }))[0]),
  );
  const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
  const services: AlertEvaluator[] = [];
  t.after(async () => {
    await Promise.all(services.map((s) => s.close()));
    for (const run of ['one', 'three']) await pool.query(`DROP SCHEMA IF EXISTS "${name.replace(/-/g, '_')}_${run}" CASCADE`);
    await pool.end();
    await Promise.all(subscriptions.map((s) => s.delete().catch(() => undefined)));
    await Promise.all([topic, alerts, dlq].map((tp) => tp.delete().catch(() => undefined)));
  });

  const start = async (run: 'one' | 'three') => {
    const config = loadConfig(AlertEvaluatorEnv, {
      GCP_PROJECT_ID: env.projectId,
      PUBSUB_EMULATOR_HOST: env.pubsubEmulatorHost,
      DATABASE_URL: env.databaseUrl,
      PG_SCHEMA: `${name.replace(/-/g, '_')}_${run}`,
      SENSOR_SUBSCRIPTION: `${name}-${run}`,
      SENSOR_DEAD_LETTER_TOPIC: `${name}-dlq`,
      ISSUE_SUBSCRIPTION: `${name}-${run}-unused`,
      ISSUE_DEAD_LETTER_TOPIC: `${name}-dlq`,
      ALERTS_TOPIC: `${name}-alerts`,
      RULES_JSON: JSON.stringify({ defaults: { holdSeconds: 3, seismic: { ltaSeconds: 5, rateWindowSeconds: 600, rateOrange: 3, rateRed: 6 } } }),
      SWEEP_INTERVAL_SECONDS: '3600',
      MAX_IN_FLIGHT: '50',
    });
    // Each replica its own Pub/Sub client, as separate pods would have.
    const service = await buildAlertEvaluator({ config, logger, pubsub: createPubSub(env.projectId) });
    services.push(service);
    await service.start();
    return service;
  };
  await start('one');
  const three = [await start('three'), await start('three'), await start('three')];

  const publisher = new Publisher(pubsub, `${name}-readings`, { maxMilliseconds: 5, messageOrdering: true });
  const all = requests();
  const evaluatedBy = (run: string, count: number) =>
    waitFor(
      async () => {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${name.replace(/-/g, '_')}_${run}".processed_messages WHERE source = 'sensor-readings'`);
        return rows[0].n === count ? true : undefined;
      },
      { what: `${run}: ${count} packets evaluated`, timeoutMs: 90_000, intervalMs: 250 },
    );
  const send = async (batch: SensorReading[][]) => {
    for (const request of batch) await publisher.publishAll(encodeSensorReadings(request).map((m) => ({ ...m, orderingKey: request[0]!.sensorId })));
  };
  // The first half, then one replica leaves (a scale-down or a rolling restart) and the others carry on its streams.
  const half = Math.floor(all.length / 2);
  await send(all.slice(0, half));
  const firstHalf = all.slice(0, half).flat().length;
  await Promise.all(['one', 'three'].map((run) => evaluatedBy(run, firstHalf)));
  const leaving = three[0]!;
  const leftShare = await evaluatedCount(leaving);
  await leaving.close();
  services.splice(services.indexOf(leaving), 1);
  await send(all.slice(half));
  const packets = all.flat().length;
  await Promise.all(['one', 'three'].map((run) => evaluatedBy(run, packets)));

  const a = await results(pool, `${name.replace(/-/g, '_')}_one`);
  const b = await results(pool, `${name.replace(/-/g, '_')}_three`);
  assert.ok(a.events.length >= 8, `the input triggers STA/LTA (${a.events.length} events)`);
  const alarmKeys = a.alarms.map((r) => `${r.rule_id}:${r.subject}:${r.level}`);
  for (const expected of ['seismic-rate:north-pit/stope-a:red', 'seismic-rate:north-pit/stope-b:orange', 'sensor-sequence-gap:geo-a2:yellow', 'vibration-limit:geo-a1:red'])
    assert.ok(alarmKeys.includes(expected), `${expected} in ${alarmKeys.join(', ')}`);
  assert.ok(!alarmKeys.some((k) => k.startsWith('sensor-sequence-gap:geo-b')), 'a restart is not a gap');
  assert.deepEqual(
    a.sensors.filter((s) => s.sequence_resets > 0).map((s) => `${s.sensor_id}:${s.boot_id}`),
    ['geo-b1:boot-2', 'geo-b2:null'],
    'both restarts detected',
  );
  assert.deepEqual(b.events, a.events, 'the same seismic events, to the sample');
  assert.deepEqual(b.alarms, a.alarms, 'the same alarms');
  assert.deepEqual(b.sensors, a.sensors, 'the same stream positions and detector state');

  // The three replicas shared the work: each evaluated some of the packets.
  const shares = [leftShare, ...(await Promise.all(three.slice(1).map(evaluatedCount)))];
  assert.equal(shares.reduce((x, y) => x + y, 0), packets, `every packet evaluated once (${shares.join(' + ')})`);
  assert.ok(shares[0]! > 0 && shares.slice(1).some((n) => n > 0), `the streams moved between replicas (${shares.join(' + ')})`);
});
