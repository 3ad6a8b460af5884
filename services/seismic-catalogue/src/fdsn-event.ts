import { XMLBuilder } from 'fast-xml-parser';
import type { SeismicEvent } from '@mine/contracts';
import type { CatalogueStation } from './network-layout.js';
import type { EventQuery } from './store.js';

/** A request the FDSN specification answers with 400 and its plain-text error body. */
export class FdsnRequestError extends Error {}

const ALIASES: Record<string, string> = {
  start: 'starttime',
  end: 'endtime',
  minlat: 'minlatitude',
  maxlat: 'maxlatitude',
  minlon: 'minlongitude',
  maxlon: 'maxlongitude',
  minmag: 'minmagnitude',
  maxmag: 'maxmagnitude',
  lat: 'latitude',
  lon: 'longitude',
};

/** Parameters fdsnws-event 1.2 defines that this catalogue honours; the others it refuses, as the specification asks. */
const SUPPORTED = new Set([
  'starttime', 'endtime', 'minlatitude', 'maxlatitude', 'minlongitude', 'maxlongitude', 'latitude', 'longitude', 'minradius', 'maxradius',
  'mindepth', 'maxdepth', 'minmagnitude', 'maxmagnitude', 'magnitudetype', 'eventtype', 'eventid', 'limit', 'offset', 'orderby',
  'includeallorigins', 'includeallmagnitudes', 'includearrivals', 'format', 'nodata', 'catalog', 'contributor',
]);

export interface FdsnEventQuery {
  query: EventQuery;
  /** radius filter in degrees around a point, applied after the database query */
  circle?: { latitude: number; longitude: number; minRadius: number; maxRadius: number };
  format: 'xml' | 'text';
  nodata: 204 | 404;
  includeArrivals: boolean;
}

const EVENT_TYPES: Record<SeismicEvent['kind'], string> = { natural: 'induced or triggered event', blast: 'mining explosion' };

/** Parses the standard query parameters (case as the specification writes them, aliases included). */
export function parseFdsnEventQuery(params: Record<string, string | string[] | undefined>): FdsnEventQuery {
  const values = new Map<string, string>();
  for (const [rawKey, rawValue] of Object.entries(params)) {
    if (rawValue === undefined) continue;
    const key = ALIASES[rawKey] ?? rawKey;
    if (!SUPPORTED.has(key)) throw new FdsnRequestError(`unsupported parameter: ${rawKey}`);
    values.set(key, Array.isArray(rawValue) ? rawValue[rawValue.length - 1]! : rawValue);
  }
  const num = (key: string) => {
    const v = values.get(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new FdsnRequestError(`${key} must be a number, got "${v}"`);
    return n;
  };
  const time = (key: string) => {
    const v = values.get(key);
    if (v === undefined) return undefined;
    // FDSN times are UTC, with or without the Z.
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
    if (!Number.isFinite(ms)) throw new FdsnRequestError(`${key} must be an ISO time, got "${v}"`);
    return ms;
  };
  const query: EventQuery = {};
  const set = <K extends keyof EventQuery>(key: K, value: EventQuery[K] | undefined) => {
    if (value !== undefined) query[key] = value;
  };
  set('startMs', time('starttime'));
  set('endMs', time('endtime'));
  set('minLatitude', num('minlatitude'));
  set('maxLatitude', num('maxlatitude'));
  set('minLongitude', num('minlongitude'));
  set('maxLongitude', num('maxlongitude'));
  // FDSN depths are kilometres.
  const minDepth = num('mindepth');
  const maxDepth = num('maxdepth');
  set('minDepthM', minDepth === undefined ? undefined : minDepth * 1000);
  set('maxDepthM', maxDepth === undefined ? undefined : maxDepth * 1000);
  set('minMagnitude', num('minmagnitude'));
  set('maxMagnitude', num('maxmagnitude'));
  set('eventId', values.get('eventid'));
  const magnitudeType = values.get('magnitudetype');
  if (magnitudeType !== undefined && magnitudeType.toUpperCase() !== 'ML') throw new FdsnRequestError(`magnitudetype ${magnitudeType} is not in this catalogue (ML)`);
  const eventType = values.get('eventtype');
  if (eventType !== undefined) {
    const kinds = eventType.split(',').map((t) => t.trim().toLowerCase());
    const matching = (Object.entries(EVENT_TYPES) as [SeismicEvent['kind'], string][]).filter(([, type]) => kinds.some((k) => k === type || (k.includes('*') && new RegExp(`^${k.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(type))));
    if (matching.length === 0) query.kind = 'none' as SeismicEvent['kind'];
    else if (matching.length === 1) query.kind = matching[0]![0];
  }
  const limit = num('limit');
  const offset = num('offset');
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new FdsnRequestError('limit must be a positive integer');
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 1)) throw new FdsnRequestError('offset must be an integer ≥ 1');
  set('limit', limit);
  // FDSN offsets count from 1.
  set('offset', offset === undefined ? undefined : offset - 1);
  const orderBy = values.get('orderby') ?? 'time';
  if (!['time', 'time-asc', 'magnitude', 'magnitude-asc'].includes(orderBy)) throw new FdsnRequestError(`orderby must be time, time-asc, magnitude or magnitude-asc, got ${orderBy}`);
  query.orderBy = orderBy as EventQuery['orderBy'];
  const format = values.get('format') ?? 'xml';
  if (format !== 'xml' && format !== 'text') throw new FdsnRequestError(`format must be xml or text, got ${format}`);
  const nodata = values.get('nodata') ?? '204';
  if (nodata !== '204' && nodata !== '404') throw new FdsnRequestError('nodata must be 204 or 404');
  if (query.startMs !== undefined && query.endMs !== undefined && query.endMs < query.startMs) throw new FdsnRequestError('endtime is before starttime');
  const latitude = num('latitude');
  const longitude = num('longitude');
  const result: FdsnEventQuery = { query, format, nodata: Number(nodata) as 204 | 404, includeArrivals: (values.get('includearrivals') ?? 'false') === 'true' };
  if (latitude !== undefined || longitude !== undefined || values.has('maxradius') || values.has('minradius')) {
    result.circle = { latitude: latitude ?? 0, longitude: longitude ?? 0, minRadius: num('minradius') ?? 0, maxRadius: num('maxradius') ?? 180 };
  }
  return result;
}

/** Great-circle distance in degrees. */
export function degreesBetween(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(a)))) / r;
}

/** The specification's error body. */
export function fdsnErrorBody(status: number, description: string, url: string): string {
  const titles: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 413: 'Request Entity Too Large', 500: 'Internal Server Error' };
  return `Error ${status}: ${titles[status] ?? ''}\n\n${description}\n\nUsage details are available from /fdsnws/event/1/\n\nRequest:\n${url}\n\nRequest Submitted:\n${new Date().toISOString()}\n\nService version:\n${FDSN_EVENT_VERSION}\n`;
}

export const FDSN_EVENT_VERSION = '1.2.0';
const ID_PREFIX = 'smi:mine-platform';

/**
 * Energy magnitude from radiated energy, Me = (2/3)·(log10 E − 4.4) (Choy & Boatwright 1995,
 * E in J), given beside ML so a catalogue reader sees the energy.
 */
export function energyMagnitude(energyJ: number): number | undefined {
  return energyJ > 0 ? (2 / 3) * (Math.log10(energyJ) - 4.4) : undefined;
}

/** QuakeML 1.2 (BED) for events, with picks and arrivals when asked. */
export function toQuakeMl(events: SeismicEvent[], stations: ReadonlyMap<string, CatalogueStation>, includeArrivals: boolean): string {
  const id = (kind: string, eventId: string, extra = '') => `${ID_PREFIX}/${kind}/${encodeURIComponent(eventId)}${extra}`;
  const value = (v: number, uncertainty?: number) => ({ value: round(v, 6), ...(uncertainty !== undefined && Number.isFinite(uncertainty) ? { uncertainty: round(uncertainty, 6) } : {}) });
  const metresPerDegree = 111_195;
  const eventNodes = events.map((e) => {
    const originId = id('origin', e.eventId);
    const me = energyMagnitude(e.energyJ);
    const picks = includeArrivals
      ? e.arrivals.map((a, i) => {
          const s = stations.get(a.sensorId);
          return {
            '@_publicID': id('pick', e.eventId, `/${i}`),
            time: { value: a.time },
            waveformID: { '@_networkCode': s?.network ?? '', '@_stationCode': s?.station ?? a.sensorId, '@_locationCode': s?.location ?? '', '@_channelCode': s?.channel ?? '' },
            phaseHint: a.phase,
            evaluationMode: 'automatic',
          };
        })
      : [];
    const arrivals = includeArrivals
      ? e.arrivals.map((a, i) => ({
          '@_publicID': id('arrival', e.eventId, `/${i}`),
          pickID: id('pick', e.eventId, `/${i}`),
          phase: a.phase,
          distance: round(a.distanceM / metresPerDegree, 8),
          timeResidual: round(a.residualMs / 1000, 6),
        }))
      : [];
    return {
      '@_publicID': id('event', e.eventId),
      preferredOriginID: originId,
      preferredMagnitudeID: id('magnitude', e.eventId, '/ML'),
      type: EVENT_TYPES[e.kind],
      typeCertainty: e.kind === 'blast' ? 'known' : 'suspected',
      description: { text: `${e.site} ${e.zone}${e.blastId ? ` (blast ${e.blastId}, located ${e.blastOffsetM?.toFixed(1)} m from plan)` : ''}`, type: 'region name' },
      pick: picks,
      origin: {
        '@_publicID': originId,
        time: { value: e.originTime, uncertainty: round(e.originTimeErrorMs / 1000, 6) },
        latitude: { value: round(e.latitude, 7), uncertainty: round(e.horizontalErrorMaxM / metresPerDegree, 9) },
        longitude: { value: round(e.longitude, 7), uncertainty: round(e.horizontalErrorMaxM / metresPerDegree / Math.cos((e.latitude * Math.PI) / 180), 9) },
        depth: value(e.depthM, e.depthErrorM),
        depthType: 'from location',
        methodID: `${ID_PREFIX}/method/geiger-homogeneous`,
        quality: {
          associatedPhaseCount: e.arrivals.length,
          usedPhaseCount: e.arrivals.length,
          associatedStationCount: e.stationCount,
          usedStationCount: e.stationCount,
          standardError: round(e.rmsResidualMs / 1000, 6),
          azimuthalGap: round(e.azimuthalGapDeg, 2),
        },
        originUncertainty: {
          horizontalUncertainty: round(e.horizontalErrorMaxM, 2),
          minHorizontalUncertainty: round(e.horizontalErrorMinM, 2),
          maxHorizontalUncertainty: round(e.horizontalErrorMaxM, 2),
          azimuthMaxHorizontalUncertainty: round(e.horizontalErrorAzimuthDeg, 2),
          confidenceLevel: round(e.errorConfidence * 100, 1),
          preferredDescription: 'uncertainty ellipse',
        },
        evaluationMode: 'automatic',
        arrival: arrivals,
      },
      magnitude: [
        { '@_publicID': id('magnitude', e.eventId, '/ML'), mag: value(e.magnitude, e.magnitudeSpread), type: 'ML', originID: originId, stationCount: e.stations.length, evaluationMode: 'automatic' },
        ...(me === undefined ? [] : [{ '@_publicID': id('magnitude', e.eventId, '/Me'), mag: value(me), type: 'Me', originID: originId, stationCount: e.stations.length, evaluationMode: 'automatic' }]),
      ],
    };
  });
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  const body = builder.build({
    'q:quakeml': {
      '@_xmlns:q': 'http://quakeml.org/xmlns/quakeml/1.2',
      '@_xmlns': 'http://quakeml.org/xmlns/bed/1.2',
      eventParameters: { '@_publicID': `${ID_PREFIX}/fdsnws/event/1/query`, event: eventNodes },
    },
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

/** The specification's text format: one line per event. */
export function toFdsnText(events: SeismicEvent[]): string {
  const header = '#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|Magnitude|MagAuthor|EventLocationName|EventType';
  const lines = events.map((e) =>
    [e.eventId, e.originTime.replace(/Z$/, ''), round(e.latitude, 6), round(e.longitude, 6), round(e.depthM / 1000, 4), 'seismic-catalogue', 'mine-platform', '', '', 'ML', round(e.magnitude, 2), 'seismic-catalogue', `${e.site} ${e.zone}`, EVENT_TYPES[e.kind]].join('|'),
  );
  return `${[header, ...lines].join('\n')}\n`;
}

/** WADL describing the query method, which FDSN clients read to learn the service's parameters. */
export function eventWadl(baseUrl: string): string {
  const param = (name: string, type: string) => `        <param name="${name}" style="query" type="xsd:${type}"/>`;
  const params = [
    ['starttime', 'dateTime'], ['endtime', 'dateTime'], ['minlatitude', 'double'], ['maxlatitude', 'double'], ['minlongitude', 'double'], ['maxlongitude', 'double'],
    ['latitude', 'double'], ['longitude', 'double'], ['minradius', 'double'], ['maxradius', 'double'], ['mindepth', 'double'], ['maxdepth', 'double'],
    ['minmagnitude', 'double'], ['maxmagnitude', 'double'], ['magnitudetype', 'string'], ['eventtype', 'string'], ['includeallorigins', 'boolean'], ['includeallmagnitudes', 'boolean'],
    ['includearrivals', 'boolean'], ['eventid', 'string'], ['limit', 'int'], ['offset', 'int'], ['orderby', 'string'], ['catalog', 'string'], ['contributor', 'string'], ['format', 'string'], ['nodata', 'int'],
  ].map(([n, t]) => param(n!, t!));
  return `<?xml version="1.0" encoding="UTF-8"?>
<application xmlns="http://wadl.dev.java.net/2009/02" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <resources base="${baseUrl}/fdsnws/event/1/">
    <resource path="query">
      <method name="GET" id="query">
        <request>
${params.join('\n')}
        </request>
        <response status="200"><representation mediaType="application/xml"/><representation mediaType="text/plain"/></response>
        <response status="204 400 404 413 500 503"><representation mediaType="text/plain"/></response>
      </method>
    </resource>
    <resource path="version"><method name="GET"><response><representation mediaType="text/plain"/></response></method></resource>
    <resource path="catalogs"><method name="GET"><response><representation mediaType="application/xml"/></response></method></resource>
    <resource path="contributors"><method name="GET"><response><representation mediaType="application/xml"/></response></method></resource>
    <resource path="application.wadl"><method name="GET"><response><representation mediaType="application/xml"/></response></method></resource>
  </resources>
</application>
`;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
