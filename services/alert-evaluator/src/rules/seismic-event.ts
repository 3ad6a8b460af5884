import type { SeismicEvent } from '@mine/contracts';
import type { Observation } from './engine.js';
import type { ZoneRules } from './rules-config.js';

export const SEISMIC_EVENT_RULE = 'seismic-event';

/**
 * One alarm per catalogue event, whatever the number of stations that recorded it: the
 * stations and their PPVs are its details (a blast seen by twelve geophones is one alarm, not
 * twelve). Natural events are graded by local magnitude; a blast from the register is yellow,
 * an expected event the control room only needs to see located. A relabel (a blast registered
 * after the event) updates the same alarm.
 */
export function seismicEventObservation(event: SeismicEvent, rules: ZoneRules['seismic']): Observation {
  const level = event.kind === 'blast' ? 'yellow' : event.magnitude >= rules.eventRedMagnitude ? 'red' : event.magnitude >= rules.eventOrangeMagnitude ? 'orange' : 'yellow';
  const peak = event.stations.reduce((best, s) => (s.ppvMmS > best.ppvMmS ? s : best), event.stations[0]!);
  const where = `${event.zone} (${event.easting.toFixed(0)} E, ${event.northing.toFixed(0)} N, ${event.elevation.toFixed(0)} RL ± ${event.horizontalErrorMaxM.toFixed(0)} m)`;
  const what = event.kind === 'blast' ? `blast ${event.blastId ?? ''} located ${event.blastOffsetM?.toFixed(0) ?? '?'} m from plan` : `seismic event ML ${event.magnitude.toFixed(1)}`;
  return {
    ruleId: SEISMIC_EVENT_RULE,
    subject: event.eventId,
    site: event.site,
    zone: event.zone,
    level,
    message: `${what} in ${where}, ${event.stationCount} stations, largest PPV ${peak.ppvMmS.toFixed(2)} mm/s at ${peak.sensorId}`,
    details: {
      eventId: event.eventId,
      kind: event.kind,
      originTime: event.originTime,
      magnitude: event.magnitude,
      energyJ: event.energyJ,
      location: { easting: event.easting, northing: event.northing, elevation: event.elevation, horizontalErrorM: event.horizontalErrorMaxM },
      ...(event.blastId ? { blastId: event.blastId, blastOffsetM: event.blastOffsetM } : {}),
      stations: event.stations.map((s) => ({ sensorId: s.sensorId, zone: s.zone, ppvMmS: s.ppvMmS, distanceM: s.distanceM })),
    },
    atMs: Date.parse(event.originTime),
    revise: true,
  };
}
