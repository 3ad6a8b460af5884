import { setTimeout as sleep } from 'node:timers/promises';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { DEVICES } from '../workload.js';

/** K1: gateway replicas SIGKILLed every few seconds under load; devices retry with their sequence numbers. */
export const k1: Scenario = {
  id: 'K1',
  title: 'gateway SIGKILLed every few seconds under load',
  guarantee: 'every packet answered 202 is on sensor-readings (a 202 is a promise); nothing unsent appears',
  sabotage: 'one gateway replica publishes to another topic (SENSOR_TOPIC=alerts-dead-letter) while still answering 202: its packets are counted lost',
  async run({ fast, sabotage, log }) {
    const rig = await Rig.create({ prefix: 'k1', sensors: fast ? 6 : 12 });
    try {
      const env = await rig.gatewayEnv();
      await rig.cluster.start('sensor-gateway', env, 2);
      if (sabotage) await rig.cluster.start('sensor-gateway', { ...env, SENSOR_TOPIC: 'alerts-dead-letter' }, 1);
      const seconds = fast ? 20 : 60;
      let running = true;
      let kills = 0;
      // The killer: every 2–4 s one random replica is SIGKILLed and, like a pod, started again.
      const killer = (async () => {
        while (running) {
          await sleep(2_000 + Math.random() * 2_000);
          if (!running) break;
          const replicas = rig.cluster.of('sensor-gateway').filter((r) => r.alive && !(sabotage && r.index === 2));
          const victim = replicas[Math.floor(Math.random() * replicas.length)];
          if (!victim) continue;
          kills += 1;
          await victim.restart();
        }
      })();
      // On a loaded machine a restart can take longer than the kill interval: keep the load on
      // until the minimum number of kills has happened (bounded), so the fault is always injected.
      const minimumKills = fast ? 3 : 10;
      const started = Date.now();
      await rig.devices.run({
        seconds: seconds * 4,
        stop: () => Date.now() - started >= seconds * 1000 && kills >= minimumKills,
      });
      running = false;
      await killer;
      log(`${kills} kills; answers ${JSON.stringify(rig.devices.answers)}`);
      await rig.settle();
      const topic = rig.topicStage();
      return {
        ledger: rig.ledger,
        source: DEVICES,
        stages: [topic],
        deadLettered: rig.deadLettered(),
        checks: [{ name: 'the gateway was killed under load', ok: kills >= minimumKills, detail: `${kills} SIGKILLs` }],
        notes: [`${kills} SIGKILLs of 2 replicas over ${seconds} s of ${rig.sensors.length} sensors; answers seen by devices: ${JSON.stringify(rig.devices.answers)}`],
      };
    } finally {
      await rig.close();
    }
  },
};
