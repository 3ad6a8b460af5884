import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { sleep } from '../traffic.js';
import { lakeOutcome, pastHour, publishSpan } from './lake.js';

/** L1: devices that buffered two hours (no network underground) flush it all at once through the gateway. */
export const l1: Scenario = {
  id: 'L1',
  title: 'devices buffer 2 h, then flush',
  guarantee: 'every buffered packet the gateway acknowledges is evaluated, spooled and compacted into its own (past) hour, once',
  sabotage: 'one spool object of the late hour is deleted before the compaction: its packets are counted lost',
  async run({ fast, sabotage, log }) {
    const rig = await Rig.create({ prefix: 'l1', sensors: 4 });
    try {
      await rig.cluster.start('sensor-gateway', await rig.gatewayEnv());
      await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600' }));
      await rig.cluster.start('lake-compactor', rig.compactorEnv());
      const startS = Math.floor(Date.now() / 1000) - 2 * 3600;
      // Twenty buffered packets a request, every sensor at once.
      await rig.devices.run({ seconds: fast ? 60 : 240, startS, paced: false, perRequest: 20 });
      log(`answers ${JSON.stringify(rig.devices.answers)}; hours ${[...rig.devices.hours].join(', ')}`);
      const evaluated = await rig.until(() => rig.evaluatorStage(), 90_000);
      await rig.until(() => rig.spoolStage(), 90_000);
      if (sabotage) {
        const [files] = await rig.project.bucket('lake').getFiles({ prefix: 'spool/' });
        await files[0]?.delete();
      }
      const job = await rig.compact([...rig.devices.hours]);
      const outcome = await lakeOutcome(rig, { notes: [`compaction of ${[...rig.devices.hours].join(', ')} exited ${job.code}`, ...rig.cluster.crashes] });
      return { ...outcome, stages: [evaluated, ...outcome.stages] };
    } finally {
      await rig.close();
    }
  },
};

/** L2: the lake-compactor is down while an hour ends; it comes back to a backlog on both sides of the boundary. */
export const l2: Scenario = {
  id: 'L2',
  title: 'lake-compactor down across an hour boundary',
  guarantee: 'after the spooler catches up, a compaction run with no hours given (state-driven) compacts both hours completely, each packet once',
  sabotage: 'the spool objects of the hour after the boundary are deleted before the run (as a spooler acknowledging before its upload would lose them): their packets are counted lost',
  async run({ fast, sabotage, log }) {
    const rig = await Rig.create({ prefix: 'l2', sensors: 4 });
    try {
      const boundary = pastHour(2).startS;
      const seconds = fast ? 40 : 120;
      // Packets from before to after the boundary, published while no lake-compactor runs.
      await publishSpan(rig, boundary - seconds / 2, seconds);
      await sleep(2_000);
      await rig.cluster.start('lake-compactor', rig.compactorEnv());
      await rig.until(() => rig.spoolStage(), 120_000);
      if (sabotage) {
        const after = new Date(boundary * 1000).toISOString();
        const [files] = await rig.project.bucket('lake').getFiles({ prefix: `spool/date=${after.slice(0, 10)}/hour=${after.slice(11, 13)}/` });
        await Promise.all(files.map((f) => f.delete()));
      }
      const job = await rig.compact([]);
      log(`compaction exited ${job.code}`);
      return lakeOutcome(rig, { notes: [`packets ${seconds / 2} s each side of ${new Date(boundary * 1000).toISOString()}; one state-driven run exited ${job.code}`, ...rig.cluster.crashes] });
    } finally {
      await rig.close();
    }
  },
};
