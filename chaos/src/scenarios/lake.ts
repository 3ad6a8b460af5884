import { SensorStream } from '@mine/simulator';
import { Rig } from '../rig.js';
import type { Outcome, Scenario } from '../scenario.js';
import { bigQueryRows } from '../sinks.js';
import { asReading, publishReadings, sleep } from '../traffic.js';
import { DEVICES } from '../workload.js';

/** An hour three hours back (inside the gateway's 6 h window), so it has ended and the compaction may take it. */
export function pastHour(hoursBack = 3): { startS: number; label: string } {
  const startS = Math.floor(Date.now() / 3_600_000) * 3600 - hoursBack * 3600;
  return { startS, label: new Date(startS * 1000).toISOString().slice(0, 13) };
}

/** `seconds` packets of every sensor starting at `startS`, published as the gateway would, `batch` seconds at a time. */
export async function publishSpan(rig: Rig, startS: number, seconds: number, { stop, paced = false }: { stop?: () => boolean; paced?: boolean } = {}): Promise<void> {
  const streams = rig.sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: 100, packetSeconds: 1, noiseMmS: 0.05, seed: 300 + i }));
  const began = Date.now();
  for (let k = 0; k < seconds && !stop?.(); k++) {
    await publishReadings(rig, streams.map((s) => asReading(s.sensor, s.packet(startS + k))));
    if (paced) await sleep(Math.max(0, began + (k + 1) * 1000 - Date.now()));
  }
}

/** The hourly features in BigQuery: one row per (sensor, hour) is the promise. */
export async function hourlyFeatureRows(rig: Rig): Promise<{ sensorId: string; hourStart: unknown; packets: number }[]> {
  return bigQueryRows(rig.project, 'SELECT sensorId, hourStart, packets FROM `ops.vibration_hourly`');
}

/** Lake checks after the compaction: raw lake per packet, features one row per sensor-hour with every packet counted. */
export async function lakeOutcome(rig: Rig, extra: Partial<Outcome> = {}): Promise<Outcome> {
  const features = await hourlyFeatureRows(rig).catch(() => []);
  const perSensor = new Map<string, number>();
  for (const f of features) perSensor.set(`${f.sensorId}@${String((f.hourStart as { value?: string })?.value ?? f.hourStart)}`, (perSensor.get(`${f.sensorId}@${String((f.hourStart as { value?: string })?.value ?? f.hourStart)}`) ?? 0) + 1);
  const doubled = [...perSensor].filter(([, n]) => n > 1);
  const acknowledged = rig.ledger.acknowledged(DEVICES).size;
  const counted = features.reduce((n, f) => n + Number(f.packets), 0);
  return {
    ledger: rig.ledger,
    source: DEVICES,
    stages: [await rig.spoolStage(), await rig.rawLakeStage()],
    deadLettered: rig.deadLettered(),
    ...extra,
    checks: [
      ...(extra.checks ?? []),
      { name: 'ops.vibration_hourly: one row per sensor and hour', ok: doubled.length === 0 && features.length > 0, detail: `${features.length} rows${doubled.length ? `; doubled: ${doubled.slice(0, 3).map(([k, n]) => `${k}×${n}`).join(', ')}` : ''}` },
      { name: 'ops.vibration_hourly counts every acknowledged packet once', ok: counted === acknowledged, detail: `${counted} counted, ${acknowledged} acknowledged` },
    ],
  };
}

/** Sabotage: one sensor-hour loaded twice. */
async function doubleAFeatureRow(rig: Rig): Promise<void> {
  const table = `\`${rig.project.projectId}.ops.vibration_hourly\``;
  await rig.project.bigquery.query({ query: `INSERT INTO ${table} SELECT * FROM ${table} LIMIT 1`, location: 'EU' });
}

async function spooled(rig: Rig, startS: number, seconds: number) {
  await rig.cluster.start('lake-compactor', rig.compactorEnv());
  await publishSpan(rig, startS, seconds);
  await rig.until(() => rig.spoolStage(), 90_000);
}

/** C1: two compactions of the same hour at once. */
export const c1: Scenario = {
  id: 'C1',
  title: 'two compactions of the same hour at once',
  guarantee: 'the lake and ops.vibration_hourly hold each packet once and one row per sensor-hour, whichever run wins',
  sabotage: 'a row of ops.vibration_hourly is inserted a second time after the runs (as a second load of the hour would): counted as a doubled sensor-hour',
  async run({ fast, sabotage, log }) {
    const rig = await Rig.create({ prefix: 'c1', sensors: 4 });
    try {
      const hour = pastHour();
      await spooled(rig, hour.startS + 600, fast ? 30 : 90);
      const [a, b] = await Promise.all([rig.compact([hour.label]), rig.compact([hour.label])]);
      log(`runs exited ${a.code} and ${b.code}`);
      if (sabotage) await doubleAFeatureRow(rig);
      return lakeOutcome(rig, { notes: [`two runs of ${hour.label} at once exited ${a.code} and ${b.code}`, ...rig.cluster.crashes] });
    } finally {
      await rig.close();
    }
  },
};

/** K5: the hourly compaction SIGKILLed at several points of its run, then run to the end. */
export const k5: Scenario = {
  id: 'K5',
  title: 'the hourly compaction killed between its steps',
  guarantee: 'after a killed run and a later complete one, the lake and ops.vibration_hourly hold each packet once and one row per sensor-hour',
  sabotage: 'a row of ops.vibration_hourly is inserted a second time after the runs: counted as a doubled sensor-hour',
  async run({ fast, sabotage, log }) {
    const rig = await Rig.create({ prefix: 'k5', sensors: 4 });
    try {
      const hour = pastHour();
      await spooled(rig, hour.startS + 600, fast ? 30 : 90);
      // The lease a killed run leaves blocks the hour for LEASE_SECONDS (minimum 60): the next run comes after it, as the next CronJob would.
      const env = { LEASE_SECONDS: '60' };
      const kills: string[] = [];
      // Killed at points through the run, timed from its first log line (start-up under load takes seconds).
      for (const afterMs of fast ? [300, 1500] : [0, 300, 800, 1500, 3000]) {
        const job = await rig.cluster.runJob('services/lake-compactor', 'src/compact-main.ts', [hour.label], rig.compactorEnv(env), { killWhen: /compaction run started/, killDelayMs: afterMs });
        kills.push(`${job.killed ? 'killed' : `finished (${job.code})`} ${afterMs} ms after it started`);
      }
      log(kills.join(', '));
      await sleep(62_000);
      const final = await rig.cluster.runJob('services/lake-compactor', 'src/compact-main.ts', [hour.label], rig.compactorEnv(env));
      if (sabotage) await doubleAFeatureRow(rig);
      return lakeOutcome(rig, {
        checks: [{ name: 'a run was killed before it finished', ok: kills.some((k) => k.startsWith('killed')), detail: kills.join(', ') }],
        notes: [`runs: ${kills.join(', ')}; final run exited ${final.code}`, ...rig.cluster.crashes],
      });
    } finally {
      await rig.close();
    }
  },
};

/** K2: the spooling lake-compactor SIGKILLed every few seconds while packets stream in (often mid-upload). */
export const k2: Scenario = {
  id: 'K2',
  title: 'lake-compactor SIGKILLed mid-upload',
  guarantee: 'every packet published is in the spool once the compactor recovers, and once only in the compacted lake',
  sabotage: 'a spool object is deleted after the run (as an upload reported durable but lost would be): its packets are counted lost',
  async run({ fast, sabotage, log }) {
    const rig = await Rig.create({ prefix: 'k2', sensors: 6 });
    try {
      const [compactor] = await rig.cluster.start('lake-compactor', rig.compactorEnv({ SPOOL_MAX_AGE_MS: '500' }));
      let running = true;
      let kills = 0;
      const killer = (async () => {
        while (running) {
          await sleep(1_000 + Math.random() * 2_000);
          if (!running) break;
          kills += 1;
          await compactor!.restart();
        }
      })();
      const hour = pastHour();
      await publishSpan(rig, hour.startS + 600, fast ? 45 : 90, { paced: true });
      running = false;
      await killer;
      log(`${kills} SIGKILLs`);
      await rig.until(() => rig.spoolStage(), 120_000);
      if (sabotage) {
        const [files] = await rig.project.bucket('lake').getFiles({ prefix: 'spool/' });
        await files[0]?.delete();
      }
      await rig.compact([hour.label]);
      return lakeOutcome(rig, { checks: [{ name: 'the compactor was killed while spooling', ok: kills >= 2, detail: `${kills} SIGKILLs` }], notes: [`${kills} SIGKILLs while spooling`, ...rig.cluster.crashes] });
    } finally {
      await rig.close();
    }
  },
};
