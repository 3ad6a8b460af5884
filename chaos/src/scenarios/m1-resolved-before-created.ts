import { randomUUID } from 'node:crypto';
import type { MachineryIssueEvent } from '@mine/contracts';
import { waitFor } from '@mine/testkit';
import { processedCount } from '../alarm-state.js';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { alarmsOf } from '../traffic.js';

/** M1: Pub/Sub delivers a critical issue's `resolved` before its `created`. */
export const m1: Scenario = {
  id: 'M1',
  title: "a machinery issue's resolved delivered before its created",
  guarantee: 'an issue resolved on the phone ends with no open machinery-critical alarm, whatever order its events arrive in',
  sabotage: 'the resolved event is not delivered at all: the critical alarm stays open, as it must, and the check fails',
  async run({ sabotage }) {
    const rig = await Rig.create({ prefix: 'm1', sensors: 1 });
    try {
      await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600' }));
      const issueId = `I-${randomUUID().slice(0, 8)}`;
      const t0 = Date.now() - 60_000;
      const base = { issueId, machineId: 'HT-042', siteId: 'north-pit', severity: 'critical' as const, reporter: 'r-1' };
      const created: MachineryIssueEvent = { ...base, eventId: randomUUID(), type: 'created', status: 'open', occurredAt: new Date(t0).toISOString(), receivedAt: new Date(t0 + 1000).toISOString(), title: 'brakes failed' };
      const resolved: MachineryIssueEvent = { ...base, eventId: randomUUID(), type: 'resolved', status: 'resolved', occurredAt: new Date(t0 + 30_000).toISOString(), receivedAt: new Date(t0 + 31_000).toISOString() };
      const topic = rig.project.pubsub.topic('machinery-issues');
      const publish = (e: MachineryIssueEvent) => topic.publishMessage({ json: e, attributes: { eventId: e.eventId, issueId: e.issueId, siteId: e.siteId, severity: e.severity, type: e.type } });
      const order = sabotage ? [created] : [resolved, created];
      for (const e of order) {
        await publish(e);
        await waitFor(async () => ((await processedCount(rig.project)) >= order.indexOf(e) + 1 ? true : undefined), { timeoutMs: 30_000, what: `${e.type} evaluated` });
      }
      const open = (await alarmsOf(rig, 'machinery-critical', issueId)).filter((a) => a.state.startsWith('ACTIVE'));
      return {
        stages: [],
        deadLettered: rig.deadLettered(),
        checks: [{ name: 'no open critical alarm for the resolved issue', ok: open.length === 0, detail: open.map((a) => `${a.level} ${a.state}`).join(', ') || 'none open' }],
        knownCause: 'events are applied in arrival order: the early resolved clears nothing, the late created opens a red alarm that nothing will ever clear (services/alert-evaluator/src/rules/engine.ts evaluateIssue; issue 16)',
      };
    } finally {
      await rig.close();
    }
  },
};
