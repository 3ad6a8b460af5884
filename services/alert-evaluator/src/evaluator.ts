import type { MachineryIssueEvent, SeismicEvent, SensorReading } from '@mine/contracts';
import { seismicEventObservation } from './rules/seismic-event.js';
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
  /** Per sensor: the tail of its queue, and whether a packet in it failed. */
  private readonly sensorQueues = new Map<string, { tail: Promise<void>; failed: boolean }>();

  constructor(
    private readonly store: AlarmStore,
    private readonly engine: RuleEngine,
    private readonly rules: Rules,
    /** silentSensors: sensors past their silence limit, per site (the SRE's view of the sensor-health alarms). */
    private readonly metrics?: { evaluated?: Counter<'source' | 'outcome'>; continuity?: Counter<'continuity'>; silentSensors?: Gauge<'site'> },
  ) {}

  /**
   * Packets of one sensor are evaluated one at a time, in the order they were handed over
   * (the subscription delivers a sensor's messages in publish order). Once one fails, the
   * packets queued behind it fail too, so they come back after it on redelivery instead of
   * overtaking it.
   */
  handleReading(reading: SensorReading): Promise<void> {
    let queue = this.sensorQueues.get(reading.sensorId);
    if (!queue) {
      queue = { tail: Promise.resolve(), failed: false };
      this.sensorQueues.set(reading.sensorId, queue);
    }
    const current = queue;
    const next = current.tail.then(async () => {
      if (current.failed) throw new Error(`an earlier packet of ${reading.sensorId} failed; ${reading.sequence} waits for its redelivery`);
      try {
        await this.evaluateReading(reading);
      } catch (error) {
        current.failed = true;
        throw error;
      }
    });
    const tail = next.catch(() => undefined);
    current.tail = tail;
    // Nothing queued behind it once it settles: forget the queue, and a failure with it.
    void tail.then(() => {
      if (current.tail === tail) this.sensorQueues.delete(reading.sensorId);
    });
    return next;
  }

  private async evaluateReading(reading: SensorReading): Promise<void> {
    const rules = this.rules.for(reading.site, reading.zone);
    const outcome = await this.store.transaction(async (tx) => {
      await tx.lockStream('sensor', reading.sensorId);
      const key = `${reading.sensorId}:${reading.bootId ?? ''}:${reading.sequence}:${reading.startTime}`;
      if (!(await tx.firstDelivery('sensor-readings', key))) return undefined;
      const packet = this.engine.evaluatePacket(reading, await tx.telemetry.sensorMemory(reading.sensorId));
      await tx.telemetry.recordPacket(
        { sensorId: reading.sensorId, site: reading.site, zone: reading.zone, ppv: packet.ppvMmS ?? 0, newest: packet.continuity !== 'late', reset: packet.continuity === 'reset' },
        packet.memory,
      );
      await tx.telemetry.recordZonePpv(reading.site, reading.zone, reading.startTime, packet.ppvMmS ?? 0);
      // New events and the zone rules that count them are serialised per zone, so two sensors'
      // simultaneous events are never each counted without the other.
      if (packet.events.length > 0) await tx.lockStream('zone', `${reading.site}/${reading.zone}`);
      await tx.telemetry.recordEvents(packet.events);
      await this.apply(tx, packet, rules.holdSeconds * 1000);

      const packetEndMs = Date.parse(reading.startTime) + (reading.samples.x.length / reading.sampleRateHz) * 1000;
      const lookbackMs = Math.max(rules.seismic.rateWindowSeconds, rules.forecast.windowSeconds * rules.forecast.windows) * 1000;
      const times = await tx.telemetry.zoneEventTimes(reading.site, reading.zone, packetEndMs - lookbackMs);
      await this.apply(tx, this.engine.evaluateZone(reading.site, reading.zone, times, packetEndMs), rules.holdSeconds * 1000);
      return packet.continuity;
    }, 'packet');
    this.metrics?.evaluated?.inc({ source: 'sensor-readings', outcome: outcome ? 'evaluated' : 'duplicate' });
    if (outcome) this.metrics?.continuity?.inc({ continuity: outcome });
  }

  async handleIssue(event: MachineryIssueEvent): Promise<void> {
    const holdMs = this.rules.for(event.siteId).holdSeconds * 1000;
    const outcome = await this.store.transaction(async (tx) => {
      if (!(await tx.firstDelivery('machinery-issues', event.eventId))) return 'duplicate';
      if (!(await tx.newestIssueEvent(event))) return 'superseded';
      await tx.trackIssue(event);
      await this.apply(tx, this.engine.evaluateIssue(event), holdMs);
      return 'evaluated';
    });
    this.metrics?.evaluated?.inc({ source: 'machinery-issues', outcome });
  }

  /** A catalogue event (or its relabel): one alarm per event; a redelivery of the same decision changes nothing. */
  async handleSeismicEvent(event: SeismicEvent): Promise<void> {
    const outcome = await this.store.transaction(async (tx) => {
      if (!(await tx.firstDelivery('seismic-events', `${event.eventId}@${event.decidedAt}`))) return 'duplicate';
      await tx.observe(seismicEventObservation(event, this.rules.for(event.site, event.zone).seismic));
      return 'evaluated';
    });
    this.metrics?.evaluated?.inc({ source: 'seismic-events', outcome });
  }

  /** Time-driven rules: silent sensors and overdue high-severity issues. */
  async sweep(nowMs: number): Promise<void> {
    const silentBySite = new Map<string, number>();
    for (const sensor of await this.store.telemetry.sensors()) {
      const observation = this.engine.silentSensorObservation({ ...sensor, lastPacketAtMs: Date.parse(sensor.receivedAt) }, nowMs);
      silentBySite.set(sensor.site, (silentBySite.get(sensor.site) ?? 0) + (observation ? 1 : 0));
      if (observation) await this.store.transaction((tx) => tx.observe(observation));
    }
    for (const [site, count] of silentBySite) this.metrics?.silentSensors?.set({ site }, count);
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
