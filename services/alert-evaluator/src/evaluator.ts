import type { MachineryIssueEvent, SensorReading } from '@mine/contracts';
import type { Counter, Gauge } from '@mine/platform';
import type { Evaluation, RuleEngine } from './rules/engine.js';
import type { Rules } from './rules/rules-config.js';
import type { AlarmStore, AlarmTx } from './store.js';

/**
 * Turns messages into alarm state: each message's effects (its own dedupe
 * record, sensor memory, events, alarm changes and their transitions) commit
 * in one transaction, so a redelivered message changes nothing and a crash
 * loses nothing that was acknowledged.
 */
export class Evaluator {
  private readonly sensorQueues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: AlarmStore,
    private readonly engine: RuleEngine,
    private readonly rules: Rules,
    private readonly evaluated?: Counter<'source' | 'outcome'>,
    /** Sensors past their silence limit, per site: the SRE's view of what the sensor-health alarms say. */
    private readonly silentSensors?: Gauge<'site'>,
  ) {}

  /** Packets of one sensor are evaluated one at a time (STA/LTA and sequence checks need order). */
  handleReading(reading: SensorReading): Promise<void> {
    const previous = this.sensorQueues.get(reading.sensorId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.evaluateReading(reading));
    this.sensorQueues.set(reading.sensorId, next);
    void next.finally(() => {
      if (this.sensorQueues.get(reading.sensorId) === next) this.sensorQueues.delete(reading.sensorId);
    }).catch(() => undefined);
    return next;
  }

  private async evaluateReading(reading: SensorReading): Promise<void> {
    const rules = this.rules.for(reading.site, reading.zone);
    const outcome = await this.store.transaction(async (tx) => {
      if (!(await tx.firstDelivery('sensor-readings', `${reading.sensorId}:${reading.sequence}`))) return 'duplicate';
      const sensor = await tx.lockSensor(reading.sensorId);
      const packet = this.engine.evaluatePacket(reading, sensor?.lastSequence);
      await tx.recordPacket({ ...reading, ppv: packet.ppvMmS ?? 0 });
      await tx.recordZonePpv(reading.site, reading.zone, reading.startTime, packet.ppvMmS ?? 0);
      await tx.recordEvents(packet.events);
      await this.apply(tx, packet, rules.holdSeconds * 1000);

      const packetEndMs = Date.parse(reading.startTime) + (reading.samples.x.length / reading.sampleRateHz) * 1000;
      const lookbackMs = Math.max(rules.seismic.rateWindowSeconds, rules.forecast.windowSeconds * rules.forecast.windows) * 1000;
      const times = await tx.zoneEventTimes(reading.site, reading.zone, packetEndMs - lookbackMs);
      await this.apply(tx, this.engine.evaluateZone(reading.site, reading.zone, times, packetEndMs), rules.holdSeconds * 1000);
      return 'evaluated';
    });
    this.evaluated?.inc({ source: 'sensor-readings', outcome });
  }

  async handleIssue(event: MachineryIssueEvent): Promise<void> {
    const holdMs = this.rules.for(event.siteId).holdSeconds * 1000;
    const outcome = await this.store.transaction(async (tx) => {
      if (!(await tx.firstDelivery('machinery-issues', event.eventId))) return 'duplicate';
      await tx.trackIssue(event);
      await this.apply(tx, this.engine.evaluateIssue(event), holdMs);
      return 'evaluated';
    });
    this.evaluated?.inc({ source: 'machinery-issues', outcome });
  }

  /** Time-driven rules: silent sensors and overdue high-severity issues. */
  async sweep(nowMs: number): Promise<void> {
    const silentBySite = new Map<string, number>();
    for (const sensor of await this.store.sensors()) {
      const observation = this.engine.silentSensorObservation({ ...sensor, lastPacketAtMs: Date.parse(sensor.receivedAt) }, nowMs);
      silentBySite.set(sensor.site, (silentBySite.get(sensor.site) ?? 0) + (observation ? 1 : 0));
      if (observation) await this.store.transaction((tx) => tx.observe(observation));
    }
    for (const [site, count] of silentBySite) this.silentSensors?.set({ site }, count);
    // The store returns every open high-severity issue; the rules decide, per site, which are past their SLA.
    for (const issue of await this.store.openHighSeverityIssues()) {
      const observation = this.engine.evaluateOverdueIssue(issue, nowMs);
      if (observation) await this.store.transaction((tx) => tx.observe(observation));
    }
  }

  private async apply(tx: AlarmTx, evaluation: Evaluation, holdMs: number): Promise<void> {
    for (const observation of evaluation.observations) await tx.observe(observation);
    for (const normal of evaluation.normals) await tx.normal(normal, holdMs);
  }
}
