import { DEVICES, packetKey } from '../workload.js';
import { decodeSensorReadings } from '@mine/contracts';
import { sharedEndpoints } from '../env.js';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { rawLakePackets, spoolPackets } from '../sinks.js';
import { Toxiproxy } from '../toxiproxy.js';
import { sleep } from '../traffic.js';
import { lakeOutcome, pastHour, publishSpan } from './lake.js';

/** Packets held on the sensor-readings dead-letter topic (kept for replay: not lost). */
function deadLetteredPackets(rig: Rig): { key: string }[] {
  const watch = rig.deadLetters.find((w) => w.topic === 'sensor-readings-dead-letter');
  return (watch?.messages ?? []).flatMap((m) => {
    try {
      return (decodeSensorReadings(m.data, m.attributes).readings as { sensorId: string; sequence: number }[]).map((r) => ({ key: packetKey(r.sensorId, r.sequence) }));
    } catch {
      return [];
    }
  });
}

/** G1/G2: Cloud Storage unreachable for the spooling lake-compactor (Toxiproxy) while packets stream in. */
function storageFault(id: 'G1' | 'G2'): Scenario {
  const beyondBudget = id === 'G2';
  return {
    id,
    title: beyondBudget ? 'Cloud Storage down longer than the retry budget' : 'Cloud Storage blackholed 60 s',
    guarantee: beyondBudget
      ? 'every packet published is in the spool or held on the dead-letter topic with a reason, and once only in the compacted lake'
      : 'every packet published is spooled after the blackhole heals, and once only in the compacted lake',
    sabotage: 'a spool object is deleted before the compaction (as an upload reported durable but lost would be): its packets are counted lost',
    ...(beyondBudget ? { budgetNote: 'budget shortened from 10 attempts at 5–300 s backoff (≈ 20 min) to 4 attempts at 1–2 s (≈ 6 s, plus the 120 s ack deadline cut to what the compactor holds); outage 30 s' } : {}),
    async run({ fast, sabotage, log }) {
      const toxiproxy = await Toxiproxy.start();
      const proxy = await toxiproxy.proxy('gcs', sharedEndpoints().storage);
      const rig = await Rig.create({
        prefix: id.toLowerCase(),
        sensors: 4,
        serviceEndpoints: { storage: `http://${proxy.hostPort}` },
        ...(beyondBudget ? { retry: { maxDeliveryAttempts: 4, minimumBackoffSeconds: 1, maximumBackoffSeconds: 2 } } : {}),
      });
      rig.onClose(() => toxiproxy.stop());
      try {
        await rig.cluster.start('lake-compactor', rig.compactorEnv());
        const outageMs = beyondBudget ? 30_000 : fast ? 20_000 : 60_000;
        const hour = pastHour();
        const fault = (async () => {
          await sleep(4_000);
          await proxy.inject(beyondBudget ? { kind: 'down' } : { kind: 'blackhole' });
          log(`storage ${beyondBudget ? 'down' : 'blackholed'} for ${outageMs / 1000} s`);
          await sleep(outageMs);
          await proxy.heal();
          log('storage back');
        })();
        await Promise.all([publishSpan(rig, hour.startS + 600, outageMs / 1000 + 15, { paced: true }), fault]);
        await rig.settle();
        const spool = await rig.until(async () => rig.stage('lake spool or dead-lettered', [...(await spoolPackets(rig.project)), ...deadLetteredPackets(rig)], { duplicatesCount: false }), 180_000);
        if (sabotage) {
          const [files] = await rig.project.bucket('lake').getFiles({ prefix: 'spool/' });
          await files[0]?.delete();
        }
        const job = await rig.compact([hour.label]);
        const outcome = await lakeOutcome(rig, { notes: [`compaction exited ${job.code}`, ...rig.cluster.crashes] });
        const dead = new Set(deadLetteredPackets(rig).map((p) => p.key));
        // In G2 what is dead-lettered is held for replay, not in the lake: the lake is checked for the rest.
        const lakeRaw = beyondBudget
          ? rig.stage('lake raw (compacted), dead-lettered excluded', await rawLakePackets(rig.project), { expectedKeys: new Set([...rig.ledger.acknowledged(DEVICES).keys()].filter((k) => !dead.has(k))) })
          : outcome.stages.find((s) => s.stage.startsWith('lake raw'))!;
        return { ...outcome, stages: [spool, lakeRaw], checks: beyondBudget ? (outcome.checks ?? []).filter((c) => !c.name.includes('counts every')) : outcome.checks };
      } finally {
        await rig.close();
      }
    },
  };
}

export const g1 = storageFault('G1');
export const g2 = storageFault('G2');
