import { randomUUID } from 'node:crypto';
import { sharedEndpoints } from '../env.js';
import type { IssueEventDraft } from '../mobile.js';
import { MOBILE } from '../mobile.js';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { countStage } from '../checker.js';
import { Toxiproxy } from '../toxiproxy.js';
import { sleep } from '../traffic.js';

/**
 * K4: mobile-issues-api SIGKILLed after it published an event and before its
 * transaction committed. The window is widened with 2 s of Toxiproxy latency on
 * its PostgreSQL connection; the kill comes when the event shows on the topic.
 * The app, never answered, resends the same eventId.
 */
export const k4: Scenario = {
  id: 'K4',
  title: 'mobile-issues-api killed between its publish and its commit',
  guarantee: 'each event the app sent is once in raw_mobile and evaluated once, though it may be published twice',
  sabotage: 'a row of raw_mobile is inserted a second time: counted duplicated',
  async run({ fast, sabotage, log }) {
    const toxiproxy = await Toxiproxy.start();
    const proxy = await toxiproxy.proxy('postgres', sharedEndpoints().databaseUrl.replace(/^postgres:\/\/[^@]+@/, 'tcp://').replace(/\/[^/]*$/, ''));
    const rig = await Rig.create({ prefix: 'k4' });
    rig.onClose(() => toxiproxy.stop());
    try {
      const pgUrl = sharedEndpoints().databaseUrl.replace(/@[^/]+\//, `@${proxy.hostPort}/`);
      const [api] = await rig.cluster.start('mobile-issues-api', rig.mobileApiEnv({ DATABASE_URL: pgUrl }));
      await rig.cluster.start('mobile-issues-sink', rig.sinkEnv());
      await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600' }));
      let kills = 0;
      for (let i = 0; i < (fast ? 3 : 6); i++) {
        const event: IssueEventDraft = { eventId: randomUUID(), issueId: `I-${randomUUID().slice(0, 8)}`, type: 'created', occurredAt: new Date().toISOString(), machineId: 'HT-7', siteId: 'north-pit', severity: 'high', title: `k4 ${i}` };
        await proxy.inject({ kind: 'latency', ms: 2_000 });
        const seen = rig.issues.messages.length;
        const sending = rig.mobile.send(event);
        const deadline = Date.now() + 20_000;
        while (rig.issues.messages.length === seen && Date.now() < deadline) await sleep(10);
        if (rig.issues.messages.length > seen) {
          await api!.kill();
          kills += 1;
        }
        await proxy.heal();
        await api!.restart();
        await sending;
      }
      log(`${kills} kills; answers ${JSON.stringify(rig.mobile.answers)}`);
      await sleep(3_000);
      await rig.settle();
      if (sabotage) {
        const table = `\`${rig.project.projectId}.raw_mobile.machinery_issue_events\``;
        await rig.project.bigquery.query({ query: `INSERT INTO ${table} SELECT * FROM ${table} LIMIT 1`, location: 'EU' });
      }
      const bq = await rig.until(() => rig.bigQueryEventsStage(), 60_000);
      const processed = await rig.project.pg.query<{ key: string }>(`SELECT key FROM ${rig.project.schema('alert-evaluator')}.processed_messages WHERE source = 'machinery-issues'`);
      const evaluated = countStage('alert-evaluator (PostgreSQL)', rig.ledger.acknowledged(MOBILE), rig.ledger.sentKeys(MOBILE), processed.rows.map((r) => ({ key: r.key })));
      const topic = countStage('machinery-issues topic', rig.ledger.acknowledged(MOBILE), rig.ledger.sentKeys(MOBILE), rig.issues.json('eventId'), { duplicatesCount: false });
      return {
        ledger: rig.ledger,
        source: MOBILE,
        stages: [topic, bq, evaluated],
        deadLettered: rig.deadLettered(),
        checks: [{ name: 'the API was killed inside the window', ok: kills > 0, detail: `${kills} kills` }],
        notes: [`${kills} SIGKILLs between publish and commit; answers seen by the app: ${JSON.stringify(rig.mobile.answers)}`, ...rig.cluster.crashes],
        knownCause:
          'the API publishes before it commits, so after a crash in between the app\'s resend is published again; the sink relies on insertId, a best-effort dedupe (none in the emulator), so raw_mobile.machinery_issue_events holds the event twice though the topology declares it one row per eventId (the marts views dedupe) (services/mobile-issues-api/src/sink/sink.ts)',
      };
    } finally {
      await rig.close();
    }
  },
};
