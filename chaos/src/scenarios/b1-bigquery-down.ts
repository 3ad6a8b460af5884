import { sharedEndpoints } from '../env.js';
import { MOBILE } from '../mobile.js';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { Toxiproxy } from '../toxiproxy.js';
import { sleep } from '../traffic.js';

/**
 * B1/B2: BigQuery unreachable for the mobile-issues sink (Toxiproxy refusing
 * connections) while the app sends issue events. B2 lasts longer than the
 * subscription's retry budget (shortened, same ratio): what Pub/Sub gives up on
 * must be on the dead-letter topic, never gone.
 */
function bigQueryDown(id: 'B1' | 'B2'): Scenario {
  const beyondBudget = id === 'B2';
  return {
    id,
    title: beyondBudget ? 'BigQuery down longer than the retry budget' : 'BigQuery down 60 s',
    guarantee: beyondBudget
      ? 'every event the API accepted is in raw_mobile or held on the dead-letter topic with a reason; none twice in BigQuery'
      : 'every event the API accepted reaches raw_mobile once, after BigQuery is back',
    sabotage: 'the sink is pointed at a dataset.table other than the one checked (EVENTS_TABLE=ops.pipeline_runs): rows land elsewhere or are dead-lettered, accepted events are counted lost',
    ...(beyondBudget ? { budgetNote: 'budget shortened from 10 attempts at 5–300 s backoff (≈ 20 min) to 4 attempts at 1–2 s (≈ 6 s); outage 30 s, ≈ 5× the budget, as 100 min would be in production' } : {}),
    async run({ fast, sabotage, log }) {
      const toxiproxy = await Toxiproxy.start();
      const proxy = await toxiproxy.proxy('bigquery', sharedEndpoints().bigquery);
      const rig = await Rig.create({
        prefix: id.toLowerCase(),
        serviceEndpoints: { bigquery: `http://${proxy.hostPort}` },
        ...(beyondBudget ? { retry: { maxDeliveryAttempts: 4, minimumBackoffSeconds: 1, maximumBackoffSeconds: 2 } } : {}),
      });
      rig.onClose(() => toxiproxy.stop());
      try {
        await rig.cluster.start('mobile-issues-api', rig.mobileApiEnv());
        await rig.cluster.start('mobile-issues-sink', rig.sinkEnv(sabotage ? { EVENTS_TABLE: 'ops.pipeline_runs' } : {}));
        const outageMs = beyondBudget ? 30_000 : fast ? 20_000 : 60_000;
        let writing = true;
        const outage = (async () => {
          await sleep(3_000);
          log(`BigQuery down for ${outageMs / 1000} s`);
          await proxy.inject({ kind: 'down' });
          await sleep(outageMs);
          await proxy.heal();
          log('BigQuery back');
          await sleep(5_000);
          writing = false;
        })();
        const workload = (async () => {
          while (writing) await rig.mobile.run({ issues: 4, paceMs: 500 });
        })();
        await Promise.all([outage, workload]);
        await rig.settle();
        const stage = await rig.until(() => rig.bigQueryEventsStage(rig.deadLetteredIssueIds()), 120_000);
        return {
          ledger: rig.ledger,
          source: MOBILE,
          stages: [{ ...stage, stage: beyondBudget ? 'raw_mobile (BigQuery) or dead-lettered' : stage.stage }],
          deadLettered: rig.deadLettered(),
          notes: [`answers seen by the app: ${JSON.stringify(rig.mobile.answers)}`, ...rig.cluster.crashes],
          ...(beyondBudget ? {} : { checks: [{ name: 'nothing dead-lettered during an outage inside the budget', ok: rig.deadLetteredIssueIds().length === 0, detail: `${rig.deadLetteredIssueIds().length} dead-lettered` }] }),
        };
      } finally {
        await rig.close();
      }
    },
  };
}

export const b1 = bigQueryDown('B1');
export const b2 = bigQueryDown('B2');
