import { encodeSensorReadings, type SensorReading } from '@mine/contracts';
import { SensorStream, blastSource, microseismicSource, mineLayout, seededRandom } from '@mine/simulator';
import { waitFor } from '@mine/testkit';
import { alarmState, difference, processedCount, type AlarmState } from '../alarm-state.js';
import { Rig } from '../rig.js';
import type { Scenario } from '../scenario.js';

/** The same recorded input for every run: quiet ground, microseismic events on every sensor, one blast. */
function recordedInput(fast: boolean): SensorReading[] {
  const sensors = mineLayout(fast ? 16 : 24, ['north-pit'], 2);
  const seconds = fast ? 50 : 90;
  const start = Math.floor(Date.now() / 1000) - seconds - 30;
  const random = seededRandom(7);
  const readings: SensorReading[] = [];
  const streams = sensors.map((sensor, i) => {
    const stream = new SensorStream(sensor, { sampleRateHz: 250, packetSeconds: 1, noiseMmS: 0.05, seed: 70 + i });
    // After the detectors' 30 s warm-up, an event every 3–8 s on each sensor.
    for (let t = start + 32 + random() * 5; t < start + seconds - 2; t += 3 + random() * 5) stream.add(microseismicSource(t, 3 + random() * 4));
    if (i === 0) stream.add(blastSource(start + seconds - 10.5, 40, 12, 0.8));
    return stream;
  });
  for (let k = 0; k < seconds; k++)
    streams.forEach((stream) => {
      const packet = stream.packet(start + k);
      readings.push({ ...packet, site: stream.sensor.site, zone: stream.sensor.zone, receivedAt: new Date((start + k + 1) * 1000).toISOString() });
    });
  return readings;
}

/** Packets one replica evaluated, from its Prometheus metrics. */
async function evaluatedBy(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => /messages_evaluated_total\{[^}]*source="sensor-readings"[^}]*outcome="evaluated"/.test(line))
    .reduce((n, line) => n + Number(line.split(' ').at(-1)), 0);
}

async function evaluateWith(replicas: number, input: SensorReading[], log: (m: string) => void): Promise<AlarmState & { shares: number[] }> {
  const rig = await Rig.create({ prefix: `r1-${replicas}` });
  try {
    // No time-driven sweep: the comparison is of what the input decides.
    await rig.cluster.start('alert-evaluator', rig.evaluatorEnv({ SWEEP_INTERVAL_SECONDS: '3600' }), replicas);
    const topic = rig.project.pubsub.topic('sensor-readings');
    // One message per device request; each second's requests go out together and are evaluated before the next
    // second's, as live traffic is. The emulator hands a burst out round-robin over every open stream (the Node
    // client opens five per subscriber), so with more sensors than streams a sensor's consecutive packets land on
    // different replicas, as Pub/Sub spreads them too, while each sensor's packets stay in order.
    const perSecond = new Set(input.map((r) => r.sensorId)).size;
    for (let i = 0; i < input.length; i += perSecond) {
      await Promise.all(input.slice(i, i + perSecond).flatMap((reading) => encodeSensorReadings([reading]).map((m) => topic.publishMessage({ data: m.data, attributes: { ...m.attributes } }))));
      await waitFor(async () => ((await processedCount(rig.project)) >= i + perSecond ? true : undefined), { timeoutMs: 60_000, intervalMs: 25, what: `second ${i / perSecond} evaluated` });
      if ((i / perSecond) % 10 === 9) log(`${replicas} replica(s): ${i / perSecond + 1} s of input evaluated`);
    }
    const state = await alarmState(rig.project);
    const shares = await Promise.all(rig.cluster.of('alert-evaluator').map((r) => evaluatedBy(r.url)));
    log(`${replicas} replica(s) evaluated ${shares.join(' + ')} packets: ${state.seismicEvents.length} seismic events, ${state.alarms.length} alarms`);
    if (rig.cluster.crashes.length) log(rig.cluster.crashes.join('\n'));
    return { ...state, shares };
  } finally {
    await rig.close();
  }
}

/** R1: three alert-evaluator replicas against one, on identical input. */
export const r1: Scenario = {
  id: 'R1',
  title: 'three alert-evaluator replicas against one',
  guarantee: 'on identical input, three replicas record the same seismic events and the same alarms as one',
  sabotage: 'the one-replica run is compared with a one-replica run whose input lacks one packet of the blast sensor: events and alarms differ',
  async run({ fast, sabotage, log }) {
    const input = recordedInput(fast);
    const reference = await evaluateWith(1, input, log);
    const altered = sabotage ? input.filter((r, i) => !(r.sensorId === input[0]!.sensorId && i === input.length - 10 * (fast ? 16 : 24))) : input;
    const replicated = await evaluateWith(sabotage ? 1 : 3, altered, log);
    const events = difference(reference.seismicEvents, replicated.seismicEvents);
    const alarms = difference(reference.alarms, replicated.alarms);
    const show = (d: { onlyA: string[]; onlyB: string[] }) => `only with one: ${d.onlyA.length} (${d.onlyA.slice(0, 3).join('; ')}), only with three: ${d.onlyB.length} (${d.onlyB.slice(0, 3).join('; ')})`;
    return {
      stages: [],
      checks: [
        { name: 'seismic events identical', ok: events.onlyA.length + events.onlyB.length === 0 && reference.seismicEvents.length > 0, detail: `${reference.seismicEvents.length} vs ${replicated.seismicEvents.length}; ${show(events)}` },
        { name: 'alarms identical', ok: alarms.onlyA.length + alarms.onlyB.length === 0 && reference.alarms.length > 0, detail: `${reference.alarms.length} vs ${replicated.alarms.length}; ${show(alarms)}` },
      ],
      notes: [`packets evaluated per replica: one replica ${reference.shares.join(' + ')}, ${sabotage ? 'one replica (sabotaged input)' : 'three replicas'} ${replicated.shares.join(' + ')}`, `${input.length} packets of ${new Set(input.map((r) => r.sensorId)).size} sensors (microseismic events and one 40 mm/s blast), published once to each project`],
      knownCause:
        'STA/LTA detector state lives in each replica\'s memory, so with three replicas each sees a third of a sensor\'s packets and triggers differently (services/alert-evaluator/src/rules/engine.ts; issue 16)',
    };
  },
};
