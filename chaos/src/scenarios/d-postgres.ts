import { createHash } from 'node:crypto';
import { PrivatePostgres } from '../dependencies.js';
import { sharedEndpoints } from '../env.js';
import { Rig, evaluatorPacketKey } from '../rig.js';
import type { Scenario } from '../scenario.js';
import { alarmsOf, asReading, blastStreams, publishReadings, sleep } from '../traffic.js';
import { DEVICES, packetKey } from '../workload.js';
import { decodeSensorReadings } from '@mine/contracts';

const VIEWER = 'chaos-viewer-token';

/** A control-room client: reads the SSE stream and, like EventSource, reconnects when it ends. */
class ControlRoom {
  readonly events: { event: string; data: string; at: number }[] = [];
  reconnects = 0;
  private running = true;
  private controller = new AbortController();
  private loop?: Promise<void>;

  constructor(private readonly url: () => string | undefined) {}

  start(): void {
    this.loop = (async () => {
      while (this.running) {
        const base = this.url();
        if (!base) {
          await sleep(500);
          continue;
        }
        try {
          // A bearer header: the stream no longer takes a token in the URL (issue 18).
          const response = await fetch(`${base}/alarms/stream`, { headers: { authorization: `Bearer ${VIEWER}` }, signal: this.controller.signal });
          const reader = response.body!.getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += Buffer.from(value).toString('utf8');
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
              const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
              this.events.push({ event, data, at: Date.now() });
            }
          }
        } catch {
          // connection lost: reconnect below
        }
        if (!this.running) break;
        this.reconnects += 1;
        await sleep(1_000);
      }
    })();
  }

  /** Whether an alarm of this subject was shown (as a transition, or in a snapshot after a reconnect). */
  saw(subject: string): boolean {
    return this.events.some((e) => e.data.includes(`"${subject}"`));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.controller.abort();
    await this.loop;
  }
}

/** D1: the alert-evaluator's PostgreSQL (a private one) restarted while a control-room stream is open. */
export const d1: Scenario = {
  id: 'D1',
  title: 'PostgreSQL restarted while a control-room stream is open',
  guarantee: 'the control room (reconnecting as EventSource does) is shown the alarm raised after the restart, and no packet published is left unevaluated',
  sabotage: 'the blast after the restart is never published, though counted acknowledged: the control room never shows it and its packets are counted lost',
  async run({ sabotage, log }) {
    const postgres = await PrivatePostgres.create();
    const rig = await Rig.create({ prefix: 'd1', sensors: 2, endpoints: { ...sharedEndpoints(), databaseUrl: postgres.url } });
    rig.onClose(() => postgres.stop());
    const room = new ControlRoom(() => rig.cluster.urls('alert-evaluator')[0]);
    try {
      await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600', API_TOKENS: `chaos:viewer:${createHash('sha256').update(VIEWER).digest('hex')}` }));
      room.start();
      await sleep(2_000);
      const start = Math.floor(Date.now() / 1000) - 30;
      const streams = blastStreams(rig.sensors, start, () => 3);
      const [first, second] = rig.sensors;
      for (let k = 0; k < 6; k++) await publishReadings(rig, [asReading(first!, streams[0]!.packet(start + k))]);
      await sleep(3_000);
      const before = room.saw(first!.sensorId);
      await postgres.restart();
      log(`PostgreSQL restarted; stream saw the first alarm: ${before}`);
      const readings = Array.from({ length: 6 }, (_, k) => asReading(second!, streams[1]!.packet(start + k)));
      if (sabotage) for (const r of readings) {
        rig.ledger.attempt(DEVICES, packetKey(r.sensorId, r.sequence));
        rig.ledger.settle(DEVICES, packetKey(r.sensorId, r.sequence), 'acknowledged');
      }
      else await publishReadings(rig, readings);
      const deadline = Date.now() + 45_000;
      while (!room.saw(second!.sensorId) && Date.now() < deadline) await sleep(500);
      const alarms = await alarmsOf(rig, 'vibration-limit', second!.sensorId);
      return {
        ledger: rig.ledger,
        source: DEVICES,
        stages: [await rig.until(() => rig.evaluatorStage(), 30_000)],
        deadLettered: rig.deadLettered(),
        checks: [
          { name: 'the stream showed the alarm raised before the restart', ok: before },
          { name: 'the stream showed the alarm raised after the restart', ok: room.saw(second!.sensorId), detail: `${room.reconnects} reconnects; alarm in PostgreSQL: ${alarms.map((a) => a.level).join(', ') || 'none'}` },
        ],
        notes: [`${room.events.length} stream events, ${room.reconnects} reconnects`, ...rig.cluster.crashes],
        knownCause:
          'the live feed\'s LISTEN connection is dropped by the restart and never re-established, and open streams are not ended, so the control room stays connected but silent (services/alert-evaluator/src/live.ts; issue 16)',
      };
    } finally {
      await room.stop();
      await rig.close();
    }
  },
};

/** D3: the alert-evaluator's PostgreSQL down longer than the subscription's (shortened) retry budget. */
export const d3: Scenario = {
  id: 'D3',
  title: 'PostgreSQL down longer than the retry budget',
  guarantee: 'every packet published is evaluated or held on the dead-letter topic with a reason once PostgreSQL is back; nothing vanishes',
  sabotage: 'the evaluator\'s dedupe records of one sensor are deleted and dead letters are not counted as held: those packets count lost',
  budgetNote: 'budget shortened from 10 attempts at 5–300 s backoff (≈ 20 min) to 4 attempts at 1–2 s (≈ 6 s); outage 30 s, ≈ 5× the budget',
  async run({ sabotage, log }) {
    const postgres = await PrivatePostgres.create();
    const rig = await Rig.create({ prefix: 'd3', sensors: 4, endpoints: { ...sharedEndpoints(), databaseUrl: postgres.url }, retry: { maxDeliveryAttempts: 4, minimumBackoffSeconds: 1, maximumBackoffSeconds: 2 } });
    rig.onClose(() => postgres.stop());
    try {
      await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600' }));
      const start = Math.floor(Date.now() / 1000) - 60;
      const streams = blastStreams(rig.sensors, start, (i) => 10 + i);
      for (let k = 0; k < 5; k++) await publishReadings(rig, streams.map((s) => asReading(s.sensor, s.packet(start + k))));
      await sleep(2_000);
      await postgres.kill();
      log('PostgreSQL down for 30 s');
      for (let k = 5; k < 25; k++) await publishReadings(rig, streams.map((s) => asReading(s.sensor, s.packet(start + k))));
      await sleep(30_000);
      await postgres.start();
      log('PostgreSQL back');
      await sleep(10_000);
      await rig.settle();
      if (sabotage) await rig.project.pg.query(`DELETE FROM ${rig.project.schema('alert-evaluator')}.processed_messages WHERE key LIKE 'geo-001:%'`);
      const watch = rig.deadLetters.find((w) => w.topic === 'sensor-readings-dead-letter');
      const held = sabotage
        ? []
        : (watch?.messages ?? []).flatMap((m) => (decodeSensorReadings(m.data, m.attributes).readings as { sensorId: string; sequence: number }[]).map((r) => ({ key: packetKey(r.sensorId, r.sequence) })));
      const evaluated = await rig.until(async () => rig.stage('alert-evaluator or dead-lettered', [...(await evaluatedKeys(rig)), ...held]), 60_000);
      return { ledger: rig.ledger, source: DEVICES, stages: [evaluated], deadLettered: rig.deadLettered(), notes: [...rig.cluster.crashes] };
    } finally {
      await rig.close();
    }
  },
};

async function evaluatedKeys(rig: Rig): Promise<{ key: string }[]> {
  const stage = await rig.project.pg.query<{ key: string }>(`SELECT key FROM ${rig.project.schema('alert-evaluator')}.processed_messages WHERE source = 'sensor-readings'`).catch(() => ({ rows: [] as { key: string }[] }));
  return stage.rows.map((r) => ({ key: evaluatorPacketKey(r.key) }));
}
