import { sharedEndpoints } from '../env.js';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { Toxiproxy } from '../toxiproxy.js';
import { TRANSITIONS, asReading, blastStreams, publishReadings, sleep, transitionLedger, transitionStages, untilDispatched } from '../traffic.js';

/**
 * K3: the alert-evaluator SIGKILLed after it published a transition to the
 * alerts topic and before it marked the transition dispatched. The window is
 * widened with 3 s of Toxiproxy latency on its BigQuery connection (the insert
 * that comes between the publish and the mark); the kill comes the moment the
 * checker's subscription sees the transition on the topic.
 */
export const k3: Scenario = {
  id: 'K3',
  title: 'alert-evaluator SIGKILLed between publishing a transition and marking it dispatched',
  guarantee: 'each alarm transition reaches the alerts topic, BigQuery and the webhook exactly once (by transitionId) across the crash',
  sabotage: 'the checker\'s copy of the alerts topic gets every message twice (as a republish would): counted duplicated',
  async run({ fast, sabotage, log }) {
    const toxiproxy = await Toxiproxy.start();
    const proxy = await toxiproxy.proxy('bigquery', sharedEndpoints().bigquery);
    const rig = await Rig.create({ prefix: 'k3', webhook: true, sensors: fast ? 2 : 4, serviceEndpoints: { bigquery: `http://${proxy.hostPort}` } });
    rig.onClose(() => toxiproxy.stop());
    try {
      const [evaluator] = await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600' }));
      let kills = 0;
      for (const [i, sensor] of rig.sensors.entries()) {
        await proxy.inject({ kind: 'latency', ms: 3_000 });
        const seen = rig.alerts.messages.length;
        const start = Math.floor(Date.now() / 1000) - 30;
        const [stream] = blastStreams([sensor], start, () => 3);
        for (let k = 0; k < 6; k++) await publishReadings(rig, [asReading(sensor, stream!.packet(start + k))]);
        const deadline = Date.now() + 30_000;
        while (rig.alerts.messages.length === seen && Date.now() < deadline) await sleep(20);
        if (rig.alerts.messages.length > seen) {
          await evaluator!.kill();
          kills += 1;
          log(`blast ${i + 1}: transition on the topic, evaluator SIGKILLed`);
        }
        await proxy.heal();
        await evaluator!.restart();
      }
      await untilDispatched(rig, 120_000);
      await sleep(3_000);
      await rig.settle();
      if (sabotage) rig.alerts.messages.push(...rig.alerts.messages.map((m) => ({ ...m })));
      const ledger = await transitionLedger(rig);
      return {
        ledger,
        source: TRANSITIONS,
        stages: await transitionStages(rig, ledger),
        deadLettered: rig.deadLettered(),
        checks: [{ name: 'the evaluator was killed inside the window', ok: kills > 0, detail: `${kills} kills` }],
        notes: [`${kills} SIGKILLs right after a transition reached the topic`, ...rig.cluster.crashes],
        knownCause:
          'the outbox publishes to the alerts topic and inserts into BigQuery before it marks the transition dispatched; after the crash the restarted dispatcher sends the same transition again (services/alert-evaluator/src/dispatcher.ts; issue 16)',
      };
    } finally {
      await rig.close();
    }
  },
};
