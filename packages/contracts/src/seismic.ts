import { Type, type Static } from '@sinclair/typebox';

const Metres = (description: string) => Type.Number({ description: `${description}, m` });

/** One arrival used by a location. */
export const SeismicArrival = Type.Object(
  {
    sensorId: Type.String(),
    phase: Type.Union([Type.Literal('P'), Type.Literal('S')]),
    time: Type.String({ format: 'date-time', description: 'arrival time (ISO, sub-millisecond digits kept)' }),
    residualMs: Type.Number({ description: 'observed − computed arrival time, ms' }),
    distanceM: Metres('hypocentral distance'),
  },
  { additionalProperties: false },
);

/** A station's amplitudes and size estimates for one event. */
export const SeismicStationAmplitude = Type.Object(
  {
    sensorId: Type.String(),
    zone: Type.Optional(Type.String()),
    distanceM: Metres('hypocentral distance'),
    ppvMmS: Type.Number({ description: 'largest component velocity in the 0.4 s after P, mm/s' }),
    pvsMmS: Type.Number({ description: 'peak vector sum in the same window, mm/s' }),
    magnitude: Type.Number({ description: 'station local magnitude' }),
    energyJ: Type.Number({ description: 'station radiated-energy estimate, J' }),
  },
  { additionalProperties: false },
);

/**
 * One located seismic event of the catalogue: published to `seismic-events` and kept in
 * `ops.seismic_events`. Grid coordinates are the site's mine grid; latitude, longitude and
 * depth (below sea level) are WGS84, as QuakeML needs them.
 */
export const SeismicEvent = Type.Object(
  {
    eventId: Type.String({ description: 'stable id: the site, the first pick station and its P time' }),
    site: Type.String(),
    zone: Type.String({ description: 'zone of the station nearest the hypocentre' }),
    kind: Type.Union([Type.Literal('natural'), Type.Literal('blast')], { description: 'blast when it matches a register entry' }),
    originTime: Type.String({ format: 'date-time' }),
    easting: Metres('hypocentre, mine grid'),
    northing: Metres('hypocentre, mine grid'),
    elevation: Metres('hypocentre, mine grid elevation (up)'),
    latitude: Type.Number({ description: 'WGS84 degrees' }),
    longitude: Type.Number({ description: 'WGS84 degrees' }),
    depthM: Metres('hypocentre below sea level'),
    originTimeErrorMs: Type.Number(),
    horizontalErrorMaxM: Metres('semi-major axis of the horizontal error ellipse'),
    horizontalErrorMinM: Metres('semi-minor axis'),
    horizontalErrorAzimuthDeg: Type.Number({ description: 'azimuth of the semi-major axis, degrees from grid north' }),
    errorConfidence: Type.Number({ description: 'confidence level of the ellipse, e.g. 0.95' }),
    depthErrorM: Metres('standard error of the elevation'),
    rmsResidualMs: Type.Number(),
    azimuthalGapDeg: Type.Number(),
    stationCount: Type.Integer({ minimum: 1 }),
    magnitude: Type.Number({ description: 'local magnitude ML (median of stations)' }),
    magnitudeSpread: Type.Number({ description: 'median absolute deviation of the station magnitudes' }),
    energyJ: Type.Number({ description: 'radiated energy, J' }),
    blastId: Type.Optional(Type.String({ description: 'the register entry a blast matched' })),
    blastOffsetM: Type.Optional(Metres('distance between the located and the planned blast position')),
    arrivals: Type.Array(SeismicArrival),
    stations: Type.Array(SeismicStationAmplitude),
    decidedAt: Type.String({ format: 'date-time', description: 'when the catalogue decided the event' }),
  },
  { additionalProperties: false, $id: 'SeismicEvent' },
);
export type SeismicEvent = Static<typeof SeismicEvent>;

/** A planned blast in the register. */
export const PlannedBlast = Type.Object(
  {
    blastId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$' }),
    site: Type.String({ minLength: 1 }),
    windowStart: Type.String({ format: 'date-time', description: 'the blast is fired inside [windowStart, windowEnd]' }),
    windowEnd: Type.String({ format: 'date-time' }),
    easting: Metres('planned position, mine grid'),
    northing: Metres('planned position, mine grid'),
    elevation: Metres('planned position, mine grid elevation'),
    chargeKg: Type.Number({ exclusiveMinimum: 0, description: 'explosive charge, kg' }),
  },
  { additionalProperties: false, $id: 'PlannedBlast' },
);
export type PlannedBlast = Static<typeof PlannedBlast>;
