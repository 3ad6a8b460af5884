import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { TRANSITIONS, asReading, blastStreams, publishReadings, sleep, transitionLedger, transitionStages, untilDispatched } from '../traffic.js';

/**
 * W1/W2: the control room's webhook receiver down for 60 s, or answering more
 * slowly than the evaluator waits, while blasts raise alarms: every transition
 * must reach it once it answers again, and once only.
 */
function webhookFault(id: 'W1' | 'W2'): Scenario {
  const slow = id === 'W2';
  return {
    id,
    title: slow ? 'webhook receiver answering slowly' : 'webhook receiver down 60 s',
    guarantee: 'every alarm transition reaches the webhook exactly once (by transitionId) after the receiver recovers; the alerts topic and BigQuery get each once too',
    sabotage: 'the receiver records every request twice (a receiver-side duplicate): counted duplicated at the webhook',
    async run({ fast, sabotage, log }) {
      const rig = await Rig.create({ prefix: id.toLowerCase(), webhook: true, sensors: 6 });
      try {
        await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600' }));
        const faultMs = fast ? 20_000 : 60_000;
        await rig.webhook!.set(slow ? { kind: 'slow', ms: 7_000 } : { kind: 'down' });
        log(slow ? 'webhook answers after 7 s (the evaluator waits 5 s)' : `webhook down for ${faultMs / 1000} s`);
        // A blast on one sensor after another while the receiver is faulty: each raises an alarm.
        const start = Math.floor(Date.now() / 1000) - 60;
        const streams = blastStreams(rig.sensors, start, (i) => 5 + i * 3);
        const seconds = 5 + rig.sensors.length * 3 + 5;
        const began = Date.now();
        for (let k = 0; k < seconds; k++) await publishReadings(rig, streams.map((s) => asReading(s.sensor, s.packet(start + k))));
        await sleep(Math.max(0, faultMs - (Date.now() - began)));
        await rig.webhook!.set({ kind: 'ok' });
        log('webhook healthy again');
        await untilDispatched(rig, 120_000);
        await sleep(3_000);
        await rig.settle();
        if (sabotage) rig.webhook!.deliveries.push(...rig.webhook!.deliveries.map((d) => ({ ...d })));
        const ledger = await transitionLedger(rig);
        const dead = await rig.project.pg.query(`SELECT count(*)::int AS n FROM ${rig.project.schema('alert-evaluator')}.notifications WHERE status = 'dead'`);
        return {
          ledger,
          source: TRANSITIONS,
          stages: await transitionStages(rig, ledger),
          deadLettered: { ...rig.deadLettered(), ...(dead.rows[0].n ? { 'webhook notifications dead': dead.rows[0].n } : {}) },
          notes: [`${ledger.acknowledged(TRANSITIONS).size} transitions recorded; ${rig.webhook!.deliveries.length} webhook requests recorded`, ...rig.cluster.crashes],
          knownCause: slow
            ? 'a webhook call is abandoned after 5 s and retried (idempotency-key helps only receivers that dedupe); after WEBHOOK_ATTEMPTS (6) it is marked dead and never retried (services/alert-evaluator/src/dispatcher.ts; issue 16)'
            : 'webhook retries span ≈ 15 s (6 attempts from 500 ms, doubling), then the notification is marked dead and never retried, so an outage longer than that loses the notification (services/alert-evaluator/src/dispatcher.ts; issue 16)',
        };
      } finally {
        await rig.close();
      }
    },
  };
}

export const w1 = webhookFault('W1');
export const w2 = webhookFault('W2');
