import { sharedEndpoints } from '../env.js';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { Toxiproxy } from '../toxiproxy.js';
import { sleep } from '../traffic.js';
import { DEVICES } from '../workload.js';

/** P2: the gateway's connection to Pub/Sub half-open for 30 s: publishes arrive, their acknowledgements are lost. */
export const p2: Scenario = {
  id: 'P2',
  title: 'Pub/Sub half-open 30 s',
  guarantee: 'no packet answered 202 is lost; packets stored but unconfirmed (devices resend them) are evaluated once',
  sabotage: 'the evaluator\'s dedupe records of one sensor are deleted after the run: counted lost at the evaluator',
  async run({ fast, sabotage, log }) {
    const toxiproxy = await Toxiproxy.start();
    const proxy = await toxiproxy.proxy('pubsub', sharedEndpoints().pubsub);
    const rig = await Rig.create({ prefix: 'p2', sensors: 6 });
    rig.onClose(() => toxiproxy.stop());
    try {
      await rig.cluster.start('sensor-gateway', await rig.gatewayEnv({ PUBSUB_EMULATOR_HOST: proxy.hostPort }));
      await rig.cluster.start('alert-evaluator', rig.evaluatorEnv());
      const faultMs = fast ? 15_000 : 30_000;
      const fault = (async () => {
        await sleep(6_000);
        await proxy.inject({ kind: 'half-open' });
        log(`half-open for ${faultMs / 1000} s`);
        await sleep(faultMs);
        await proxy.heal();
        log('healed');
      })();
      await Promise.all([rig.devices.run({ seconds: faultMs / 1000 + 20 }), fault]);
      await rig.settle();
      if (sabotage) await rig.project.pg.query(`DELETE FROM ${rig.project.schema('alert-evaluator')}.processed_messages WHERE key LIKE 'geo-001:%'`);
      return {
        ledger: rig.ledger,
        source: DEVICES,
        stages: [rig.topicStage(), await rig.until(() => rig.evaluatorStage(), 60_000)],
        deadLettered: rig.deadLettered(),
        notes: [`answers seen by devices: ${JSON.stringify(rig.devices.answers)}`, ...rig.cluster.crashes],
        knownCause:
          'publishes caught by the outage never settle (nor fail), so their requests keep their device\'s in-flight slot and the gateway answers those devices 503 device_in_flight for good (6 000+ refusals, still refusing 13 minutes after the outage) (services/sensor-gateway/src/device-limits.ts with the publisher)',
      };
    } finally {
      await rig.close();
    }
  },
};
