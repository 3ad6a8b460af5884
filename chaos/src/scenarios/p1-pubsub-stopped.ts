import { PrivatePubSub } from '../dependencies.js';
import { sharedEndpoints } from '../env.js';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { sleep } from '../traffic.js';
import { DEVICES } from '../workload.js';

/** P1: the Pub/Sub emulator (a private one) SIGSTOPped for 60 s while devices post and the evaluator consumes. */
export const p1: Scenario = {
  id: 'P1',
  title: 'Pub/Sub stopped 60 s under load',
  guarantee: 'no packet answered 202 is lost on the topic or at the alert-evaluator; the gateway refuses (503) rather than acknowledge what it could not publish',
  sabotage: 'the evaluator\'s dedupe records of one sensor are deleted after the run (as if those packets were never evaluated): counted lost at the evaluator',
  async run({ fast, sabotage, log }) {
    const pubsub = await PrivatePubSub.create();
    const rig = await Rig.create({ prefix: 'p1', endpoints: { ...sharedEndpoints(), pubsub: pubsub.host }, sensors: 6 });
    rig.onClose(() => pubsub.stop());
    try {
      await rig.cluster.start('sensor-gateway', await rig.gatewayEnv());
      await rig.cluster.start('alert-evaluator', rig.evaluatorEnv());
      const outageMs = fast ? 20_000 : 60_000;
      const outage = (async () => {
        await sleep(8_000);
        log(`Pub/Sub frozen for ${outageMs / 1000} s`);
        pubsub.freeze();
        await sleep(outageMs);
        pubsub.thaw();
        log('Pub/Sub thawed');
      })();
      await Promise.all([rig.devices.run({ seconds: outageMs / 1000 + 20 }), outage]);
      await rig.settle();
      if (sabotage) await rig.project.pg.query(`DELETE FROM ${rig.project.schema('alert-evaluator')}.processed_messages WHERE key LIKE 'geo-001:%'`);
      return {
        ledger: rig.ledger,
        source: DEVICES,
        stages: [rig.topicStage(), await rig.until(() => rig.evaluatorStage())],
        deadLettered: rig.deadLettered(),
        notes: [`answers seen by devices: ${JSON.stringify(rig.devices.answers)}`, ...rig.cluster.crashes],
        knownCause:
          'publishes caught by the outage never settle (nor fail), so their requests keep their device\'s in-flight slot and the gateway answers those devices 503 device_in_flight for good (6 000+ refusals, still refusing 13 minutes after the outage) (services/sensor-gateway/src/device-limits.ts with the publisher)',
      };
    } finally {
      pubsub.thaw();
      await rig.close();
    }
  },
};
