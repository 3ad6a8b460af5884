import type { SensorPacket } from '@mine/contracts';
import { SensorStream, blastSource } from '@mine/simulator';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { queryLakeParquet } from '../sinks.js';
import { alarmsOf, asReading, blastStreams, publishReadings, sleep } from '../traffic.js';
import { DEVICES } from '../workload.js';

/** Packets of one sensor in the compacted raw lake, by start time (sample 0 of each packet). */
async function rawPacketStarts(rig: Rig, sensorId: string): Promise<Set<string>> {
  const { rows } = await queryLakeParquet<{ t: string }>(rig.project, 'raw/', (files) => `SELECT strftime(sampleTime AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') AS t FROM ${files} WHERE sensorId = '${sensorId}' AND sampleIndex = 0`);
  return new Set(rows.map((r) => r.t));
}

const second = (p: SensorPacket) => p.startTime.slice(0, 19);

async function streamingServices(rig: Rig, { gateway }: { gateway: boolean }) {
  if (gateway) await rig.cluster.start('sensor-gateway', await rig.gatewayEnv());
  await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600' }));
  await rig.cluster.start('lake-compactor', rig.compactorEnv());
}

/** Spool settles, then the packets' hours are compacted. */
async function compactAll(rig: Rig, hours: Iterable<string>) {
  await rig.until(() => rig.spoolStage(), 60_000);
  const job = await rig.compact([...hours]);
  return job;
}

/** S1: a device reboots (new bootId), counts its sequence from 0 again, then sees a blast. */
export const s1: Scenario = {
  id: 'S1',
  title: 'a device resets its sequence to 0 after a reboot, then sees a blast',
  guarantee: 'the blast after the reset raises its alarm, and every packet after the reset reaches the evaluator and the compacted lake (told apart by bootId and start time)',
  sabotage: 'the device reboots without changing its bootId (a firmware bug): its post-reset packets repeat (sensorId, bootId, sequence) and the lake drops them',
  async run({ sabotage, log }) {
    const rig = await Rig.create({ prefix: 's1', sensors: 1 });
    try {
      await streamingServices(rig, { gateway: true });
      const sensor = rig.sensors[0]!;
      const start = Math.floor(Date.now() / 1000) - 40;
      const before = new SensorStream(sensor, { sampleRateHz: 100, packetSeconds: 1, noiseMmS: 0.05, seed: 1 });
      const after = new SensorStream(sensor, { sampleRateHz: 100, packetSeconds: 1, noiseMmS: 0.05, seed: 2 });
      after.add(blastSource(start + 25.2, 40, 12, 0.6));
      const first = Array.from({ length: 20 }, (_, k) => ({ ...before.packet(start + k), bootId: 'boot-1' }));
      const second_ = Array.from({ length: 10 }, (_, k) => ({ ...after.packet(start + 20 + k), bootId: sabotage ? 'boot-1' : 'boot-2' }));
      for (const p of [...first, ...second_]) await rig.devices.deliver(sensor, [p]);
      log(`answers ${JSON.stringify(rig.devices.answers)}`);
      await sleep(3_000);
      await compactAll(rig, rig.devices.hours);
      const lake = await rawPacketStarts(rig, sensor.sensorId);
      const missingInLake = second_.filter((p) => !lake.has(second(p)));
      const foundBefore = first.filter((p) => lake.has(second(p))).length;
      const processed = await rig.project.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${rig.project.schema('alert-evaluator')}.processed_messages WHERE key LIKE $1`, [`${sensor.sensorId}:%`]);
      const alarms = await alarmsOf(rig, 'vibration-limit', sensor.sensorId);
      return {
        ledger: rig.ledger,
        source: DEVICES,
        stages: [],
        deadLettered: rig.deadLettered(),
        checks: [
          { name: 'the blast after the reset raised a vibration alarm', ok: alarms.length > 0, detail: alarms.map((a) => `${a.level} ${a.state}`).join(', ') || 'none' },
          { name: 'the evaluator evaluated all 30 packets (20 before, 10 after the reset)', ok: processed.rows[0]!.n === 30, detail: `${processed.rows[0]!.n}` },
          { name: 'the compacted lake holds the 10 packets after the reset', ok: missingInLake.length === 0, detail: `${10 - missingInLake.length} of 10 after the reset; ${foundBefore} of 20 before it` },
        ],
        knownCause: 'the hourly compaction keeps one row per (sensorId, sequence) without bootId or start time, so packets after a reset replace or are replaced by the earlier boot\'s (services/lake-compactor/src/compact.ts; issue 17)',
      };
    } finally {
      await rig.close();
    }
  },
};

/** S2: one packet with an absurd sequence number (2^52) among good ones, then a blast. */
export const s2: Scenario = {
  id: 'S2',
  title: 'one packet with an absurd sequence number',
  guarantee: 'the absurd packet is refused with a reason or kept harmlessly; every acknowledged packet after it is evaluated and in the lake, and the blast after it raises its alarm',
  sabotage: 'the checker is told the absurd packet was acknowledged although it was refused: counted lost',
  async run({ sabotage, log }) {
    const rig = await Rig.create({ prefix: 's2', sensors: 1 });
    try {
      await streamingServices(rig, { gateway: true });
      const sensor = rig.sensors[0]!;
      const start = Math.floor(Date.now() / 1000) - 40;
      const [stream] = blastStreams([sensor], start, () => 25);
      const packets = Array.from({ length: 30 }, (_, k) => stream!.packet(start + k));
      const absurd = { ...packets[9]!, sequence: 2 ** 52, startTime: new Date((start + 9.5) * 1000).toISOString() };
      for (const p of [...packets.slice(0, 10), absurd, ...packets.slice(10)]) await rig.devices.deliver(sensor, [p]);
      log(`answers ${JSON.stringify(rig.devices.answers)}`);
      if (sabotage) rig.ledger.settle(DEVICES, `${sensor.sensorId}#${2 ** 52}`, 'acknowledged');
      await sleep(3_000);
      await compactAll(rig, rig.devices.hours);
      const alarms = await alarmsOf(rig, 'vibration-limit', sensor.sensorId);
      return {
        ledger: rig.ledger,
        source: DEVICES,
        stages: [await rig.until(() => rig.evaluatorStage(), 30_000), await rig.rawLakeStage()],
        deadLettered: rig.deadLettered(),
        checks: [{ name: 'the blast after the absurd packet raised a vibration alarm', ok: alarms.length > 0, detail: alarms.map((a) => `${a.level} ${a.state}`).join(', ') || 'none' }],
        notes: [`the absurd packet: ${rig.ledger.all(DEVICES).find((e) => e.key.endsWith(`#${2 ** 52}`))?.outcome ?? '?'} ${rig.ledger.all(DEVICES).find((e) => e.key.endsWith(`#${2 ** 52}`))?.reason ?? ''}`],
      };
    } finally {
      await rig.close();
    }
  },
};

/** S3: Pub/Sub delivers a sensor's packet late (after later ones) and redelivers an evaluated one after everything. */
export const s3: Scenario = {
  id: 'S3',
  title: 'a message redelivered out of order',
  guarantee: 'the late packet (carrying a blast) is evaluated and raises its alarm; the redelivered packet changes nothing; the lake has each packet once',
  sabotage: 'the late packet is never published, though the ledger counts it acknowledged: counted lost',
  async run({ sabotage }) {
    const rig = await Rig.create({ prefix: 's3', sensors: 1 });
    try {
      await streamingServices(rig, { gateway: false });
      const sensor = rig.sensors[0]!;
      const start = Math.floor(Date.now() / 1000) - 40;
      const [stream] = blastStreams([sensor], start, () => 20);
      const readings = Array.from({ length: 30 }, (_, k) => asReading(sensor, stream!.packet(start + k)));
      const late = readings[20]!;
      await publishReadings(rig, readings.filter((r) => r !== late));
      await sleep(2_000);
      const transitionsBefore = async () => (await rig.project.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${rig.project.schema('alert-evaluator')}.transitions`)).rows[0]!.n;
      if (sabotage) {
        rig.ledger.attempt(DEVICES, `${sensor.sensorId}#${late.sequence}`);
        rig.ledger.settle(DEVICES, `${sensor.sensorId}#${late.sequence}`, 'acknowledged');
      } else await publishReadings(rig, [late]);
      await rig.until(() => rig.evaluatorStage(), 20_000);
      const afterLate = await transitionsBefore();
      await publishReadings(rig, [readings[10]!]);
      await sleep(3_000);
      const afterDuplicate = await transitionsBefore();
      await compactAll(rig, [late.startTime.slice(0, 13)]);
      const alarms = await alarmsOf(rig, 'vibration-limit', sensor.sensorId);
      return {
        ledger: rig.ledger,
        source: DEVICES,
        stages: [await rig.evaluatorStage(), await rig.rawLakeStage()],
        deadLettered: rig.deadLettered(),
        checks: [
          { name: 'the late packet\'s blast raised a vibration alarm', ok: alarms.length > 0, detail: alarms.map((a) => `${a.level} ${a.state}`).join(', ') || 'none' },
          { name: 'the redelivered packet recorded no transition', ok: afterDuplicate === afterLate, detail: `${afterLate} → ${afterDuplicate}` },
        ],
      };
    } finally {
      await rig.close();
    }
  },
};
