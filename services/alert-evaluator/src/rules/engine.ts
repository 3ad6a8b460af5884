import type { AlarmLevel, MachineryIssueEvent, SensorReading } from '@mine/contracts';
import { StaLtaDetector, packetFeatures, type StaLtaEvent, type StaLtaSnapshot } from '@mine/vibration';
import { advance, continuityOf, type Continuity, type StreamPosition } from './continuity.js';
import { inverseRateForecast, eventRates } from './forecast.js';
import { PACKET_RULES } from './packet/index.js';
import type { Rules } from './rules-config.js';

export const RULES = {
  vibrationLimit: 'vibration-limit',
  seismicRate: 'seismic-rate',
  collapseForecast: 'collapse-forecast',
  sensorSilent: 'sensor-silent',
  sequenceGap: 'sensor-sequence-gap',
  flatLine: 'sensor-flatline',
  clipping: 'sensor-clipping',
  machineryCritical: 'machinery-critical',
  machinerySla: 'machinery-sla',
  deliveryFailing: 'notification-failing',
} as const;

/** An abnormal condition seen at a moment: raises or refreshes an alarm. */
export interface Observation {
  ruleId: string;
  subject: string;
  site: string;
  zone?: string;
  level: Exclude<AlarmLevel, 'green'>;
  message: string;
  details: Record<string, unknown>;
  atMs: number;
  /** replaces the open alarm's level, message and details even when lower (a corrected observation, not a repeat) */
  revise?: boolean;
}

/** The condition was normal at a moment: after the hold time, its alarm clears. */
export interface Normal {
  ruleId: string;
  subject: string;
  atMs: number;
  /** clear at once, without waiting for the hold time (a resolved issue) */
  immediate?: boolean;
}

export interface SeismicEvent {
  sensorId: string;
  site: string;
  zone: string;
  onTimeMs: number;
  peakRatio: number;
}

export interface Evaluation {
  observations: Observation[];
  normals: Normal[];
  events: SeismicEvent[];
  /** largest component PPV of the packet, mm/s */
  ppvMmS?: number;
}

/** A sensor's memory between packets: where its stream stands and its STA/LTA detector. */
export interface SensorMemory {
  position?: StreamPosition;
  detector?: StaLtaSnapshot;
}

export interface PacketEvaluation extends Evaluation {
  continuity: Continuity;
  /** the memory to store for the sensor's next packet */
  memory: Required<SensorMemory> | { position: StreamPosition; detector?: StaLtaSnapshot };
}

/**
 * The mine's alarm rules over sensor packets and machinery issues. Holds no
 * state: a sensor's memory (stream position, detector) is passed in and the
 * new memory handed back, so it is stored with the sensor's row and any
 * replica continues exactly where another stopped.
 */
export class RuleEngine {
  constructor(private readonly rules: Rules) {}

  /** Per-packet rules (PACKET_RULES: vibration limit, signal health, sequence gaps), then the STA/LTA trigger. */
  evaluatePacket(reading: SensorReading, memory: SensorMemory = {}): PacketEvaluation {
    const rules = this.rules.for(reading.site, reading.zone);
    const atMs = Date.parse(reading.startTime);
    const base = { subject: reading.sensorId, site: reading.site, zone: reading.zone, atMs };
    const observations: Observation[] = [];
    const normals: Normal[] = [];
    const events: SeismicEvent[] = [];

    const features = packetFeatures(reading);
    const continuity = continuityOf(memory.position, reading);
    const context = { reading, features, continuity, previousSequence: memory.position?.lastSequence, settings: rules, base };
    for (const rule of PACKET_RULES) {
      const result = rule.evaluate(context);
      observations.push(...(result.observations ?? []));
      normals.push(...(result.normals ?? []));
    }
    const peak = Math.max(features.ppvX, features.ppvY, features.ppvZ);

    // STA/LTA needs packets in order; an old packet arriving late is judged on its amplitude only.
    let detector = memory.detector;
    if (continuity !== 'late') {
      const staLta = StaLtaDetector.restore(
        { staSeconds: rules.seismic.staSeconds, ltaSeconds: rules.seismic.ltaSeconds, triggerRatio: rules.seismic.triggerRatio, detriggerRatio: rules.seismic.detriggerRatio },
        continuity === 'reset' ? undefined : memory.detector,
      );
      for (const event of staLta.processPacket(reading, atMs)) {
        if (event.type === 'on') events.push({ sensorId: reading.sensorId, site: reading.site, zone: reading.zone, onTimeMs: event.timeMs, peakRatio: event.ratio });
        else this.updatePeak(events, event);
      }
      detector = staLta.snapshot();
    }
    const position = advance(memory.position, reading, continuity);
    return { observations, normals, events, ppvMmS: peak, continuity, memory: detector ? { position, detector } : { position } };
  }

  private updatePeak(events: SeismicEvent[], off: Extract<StaLtaEvent, { type: 'off' }>) {
    const on = events.find((e) => e.onTimeMs === off.onTimeMs);
    if (on) on.peakRatio = Math.max(on.peakRatio, off.peakRatio);
  }

  /** Per-zone rules over the zone's event history: event rate and the inverse-rate collapse forecast. */
  evaluateZone(site: string, zone: string, eventTimesMs: number[], nowMs: number): Evaluation {
    const rules = this.rules.for(site, zone);
    const subject = `${site}/${zone}`;
    const base = { subject, site, zone, atMs: nowMs };
    const observations: Observation[] = [];
    const normals: Normal[] = [];

    const windowMs = rules.seismic.rateWindowSeconds * 1000;
    const recent = eventTimesMs.filter((t) => t > nowMs - windowMs && t <= nowMs).length;
    const rateLevel = recent >= rules.seismic.rateRed ? 'red' : recent >= rules.seismic.rateOrange ? 'orange' : undefined;
    if (rateLevel)
      observations.push({
        ruleId: RULES.seismicRate,
        ...base,
        level: rateLevel,
        message: `${recent} seismic events in zone ${zone} in the last ${rules.seismic.rateWindowSeconds} s`,
        details: { events: recent, windowSeconds: rules.seismic.rateWindowSeconds },
      });
    else normals.push({ ruleId: RULES.seismicRate, ...base });

    const rates = eventRates(eventTimesMs, nowMs, rules.forecast.windowSeconds * 1000, rules.forecast.windows);
    const forecast = inverseRateForecast(rates, rules.forecast.minPoints);
    const horizonMs = rules.forecast.horizonHours * 3_600_000;
    if (forecast && forecast.confidence >= rules.forecast.minConfidence && forecast.failureTimeMs - nowMs <= horizonMs && forecast.failureTimeMs > nowMs - windowMs) {
      const hoursLeft = (forecast.failureTimeMs - nowMs) / 3_600_000;
      observations.push({
        ruleId: RULES.collapseForecast,
        ...base,
        level: 'red',
        message: `possible collapse in zone ${zone}: accelerating seismicity forecasts failure at ${new Date(forecast.failureTimeMs).toISOString()} (in ${hoursLeft.toFixed(1)} h, R² ${forecast.confidence.toFixed(2)})`,
        details: { forecastFailureTime: new Date(forecast.failureTimeMs).toISOString(), confidence: forecast.confidence, points: forecast.points, slopePerHour: forecast.slopePerHour },
      });
    } else normals.push({ ruleId: RULES.collapseForecast, ...base });
    return { observations, normals, events: [] };
  }

  /** Machinery rules: critical raises at once; resolution clears. SLA escalation is checked by `evaluateOverdueIssue`. */
  evaluateIssue(event: MachineryIssueEvent): Evaluation {
    const atMs = Date.parse(event.occurredAt);
    const base = { subject: event.issueId, site: event.siteId, atMs };
    if (event.status === 'resolved' || event.type === 'resolved')
      return {
        observations: [],
        normals: [
          { ruleId: RULES.machineryCritical, ...base, immediate: true },
          { ruleId: RULES.machinerySla, ...base, immediate: true },
        ],
        events: [],
      };
    if (event.severity === 'critical')
      return {
        observations: [
          {
            ruleId: RULES.machineryCritical,
            ...base,
            level: 'red',
            message: `critical issue on machine ${event.machineId}${event.title ? `: ${event.title}` : ''}`,
            details: { machineId: event.machineId, issueId: event.issueId, eventId: event.eventId, status: event.status },
          },
        ],
        normals: [],
        events: [],
      };
    return { observations: [], normals: [{ ruleId: RULES.machineryCritical, ...base, immediate: true }], events: [] };
  }

  evaluateOverdueIssue(issue: { issueId: string; siteId: string; machineId: string; openedAtMs: number }, nowMs: number): Observation | undefined {
    const sla = this.rules.for(issue.siteId).machinery.highSeveritySlaHours * 3_600_000;
    if (nowMs - issue.openedAtMs < sla) return undefined;
    return {
      ruleId: RULES.machinerySla,
      subject: issue.issueId,
      site: issue.siteId,
      level: 'orange',
      message: `high-severity issue on machine ${issue.machineId} unresolved for ${((nowMs - issue.openedAtMs) / 3_600_000).toFixed(1)} h`,
      details: { machineId: issue.machineId, openedAt: new Date(issue.openedAtMs).toISOString() },
      atMs: nowMs,
    };
  }

  silentSensorObservation(sensor: { sensorId: string; site: string; zone: string; lastPacketAtMs: number }, nowMs: number): Observation | undefined {
    const after = this.rules.for(sensor.site, sensor.zone).health.silentAfterSeconds * 1000;
    if (nowMs - sensor.lastPacketAtMs < after) return undefined;
    return {
      ruleId: RULES.sensorSilent,
      subject: sensor.sensorId,
      site: sensor.site,
      zone: sensor.zone,
      level: 'yellow',
      message: `sensor ${sensor.sensorId} silent for ${Math.round((nowMs - sensor.lastPacketAtMs) / 1000)} s`,
      details: { lastPacketAt: new Date(sensor.lastPacketAtMs).toISOString() },
      atMs: nowMs,
    };
  }
}
