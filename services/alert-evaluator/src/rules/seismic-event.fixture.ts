import type { SeismicEvent } from '@mine/contracts';

/** A located catalogue event in south-decline's zone-2, for tests; pass what the test is about. */
export function locatedEvent(overrides: Partial<SeismicEvent> & Pick<SeismicEvent, 'eventId' | 'originTime' | 'decidedAt'>): SeismicEvent {
  const magnitude = overrides.magnitude ?? 1.3;
  return {
    site: 'south-decline',
    zone: 'zone-2',
    kind: 'natural',
    easting: 12_010,
    northing: 49_330,
    elevation: 985,
    latitude: -30.76,
    longitude: 121.48,
    depthM: 15,
    originTimeErrorMs: 0.5,
    horizontalErrorMaxM: 4,
    horizontalErrorMinM: 2,
    horizontalErrorAzimuthDeg: 30,
    errorConfidence: 0.95,
    depthErrorM: 3,
    rmsResidualMs: 0.8,
    azimuthalGapDeg: 90,
    stationCount: 12,
    magnitude,
    magnitudeSpread: 0.05,
    energyJ: 1e5,
    arrivals: [],
    stations: [],
    ...overrides,
  };
}
