import { setTimeout as sleep } from 'node:timers/promises';
import { encodeSensorReadings, type SensorPacket, type SensorReading } from '@mine/contracts';
import { SensorStream, blastSource, type SimulatedSensor } from '@mine/simulator';
import { countStage, type StageCount } from './checker.js';
import { Ledger } from './ledger.js';
import type { Rig } from './rig.js';
import { bigQueryRows } from './sinks.js';
import { DEVICES, packetKey } from './workload.js';

export const TRANSITIONS = 'alarm transitions';

/** A packet as the gateway turns it into a reading (site, zone, receivedAt). */
export function asReading(sensor: SimulatedSensor, packet: SensorPacket): SensorReading {
  return { ...packet, site: sensor.site, zone: sensor.zone, receivedAt: new Date().toISOString() };
}

/**
 * Publishes readings straight to sensor-readings, one message per packet, as
 * the gateway (or Pub/Sub redelivering) would; each publish Pub/Sub confirms
 * is recorded acknowledged in the ledger.
 */
export async function publishReadings(rig: Rig, readings: SensorReading[]): Promise<void> {
  const topic = rig.project.pubsub.topic('sensor-readings');
  for (const reading of readings) {
    const key = packetKey(reading.sensorId, reading.sequence);
    rig.ledger.attempt(DEVICES, key);
    for (const m of encodeSensorReadings([reading])) await topic.publishMessage({ data: m.data, attributes: { ...m.attributes } });
    rig.ledger.settle(DEVICES, key, 'acknowledged');
  }
}

/** Streams of `count` sensors, each with a blast of `ppv` mm/s at 12 Hz `blastAtS` seconds after `startS`. */
export function blastStreams(sensors: SimulatedSensor[], startS: number, blastAtS: (i: number) => number, ppv = 40): SensorStream[] {
  return sensors.map((sensor, i) => {
    const stream = new SensorStream(sensor, { sampleRateHz: 100, packetSeconds: 1, noiseMmS: 0.05, seed: 500 + i });
    stream.add(blastSource(startS + blastAtS(i) + 0.2, ppv, 12, 0.6));
    return stream;
  });
}

/** Every transition the alert-evaluator committed, as the ledger of what must reach each sink once. */
export async function transitionLedger(rig: Rig): Promise<Ledger> {
  const ledger = new Ledger();
  const { rows } = await rig.project.pg.query<{ id: string; at: Date }>(`SELECT transition_id AS id, created_at AS at FROM ${rig.project.schema('alert-evaluator')}.transitions`);
  for (const r of rows) {
    ledger.attempt(TRANSITIONS, r.id, r.at.getTime());
    ledger.settle(TRANSITIONS, r.id, 'acknowledged', undefined, r.at.getTime());
  }
  return ledger;
}

/** The transitions on the alerts topic, in BigQuery ops.alarm_transitions and at the webhook, each counted by transitionId. */
export async function transitionStages(rig: Rig, ledger: Ledger, { webhook = Boolean(rig.webhook), bigquery = true } = {}): Promise<StageCount[]> {
  const acknowledged = ledger.acknowledged(TRANSITIONS);
  const sent = ledger.sentKeys(TRANSITIONS);
  const stages = [countStage('alerts topic', acknowledged, sent, rig.alerts.json('transitionId'))];
  if (bigquery) {
    const rows = await bigQueryRows<{ transitionId: string }>(rig.project, 'SELECT transitionId FROM `ops.alarm_transitions`');
    stages.push(countStage('ops.alarm_transitions (BigQuery)', acknowledged, sent, rows.map((r) => ({ key: r.transitionId }))));
  }
  if (webhook && rig.webhook) stages.push(countStage('webhook', acknowledged, sent, rig.webhook.observations()));
  return stages;
}

/** Waits until the evaluator has dispatched every transition it recorded (or the deadline passes). */
export async function untilDispatched(rig: Rig, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await rig.project.pg.query<{ pending: string }>(
      `SELECT (SELECT count(*) FROM ${rig.project.schema('alert-evaluator')}.transitions WHERE dispatched_at IS NULL)
            + (SELECT count(*) FROM ${rig.project.schema('alert-evaluator')}.notifications WHERE status NOT IN ('delivered', 'dead')) AS pending`,
    );
    if (Number(rows[0]!.pending) === 0) return;
    await sleep(1000);
  }
}

/** Open alarms of a rule (and subject), from PostgreSQL. */
export async function alarmsOf(rig: Rig, rule: string, subject?: string): Promise<{ subject: string; level: string; state: string }[]> {
  const { rows } = await rig.project.pg.query(
    `SELECT subject, level, state FROM ${rig.project.schema('alert-evaluator')}.alarms WHERE rule_id = $1 ${subject ? 'AND subject = $2' : ''}`,
    subject ? [rule, subject] : [rule],
  );
  return rows as { subject: string; level: string; state: string }[];
}

export { sleep };
