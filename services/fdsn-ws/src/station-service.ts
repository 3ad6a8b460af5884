import type { FastifyInstance } from 'fastify';
import { toStationXml, type InventoryDocument, type StationInventory } from '@mine/station-inventory';
import { CODE_PARAMETERS, FdsnError, STATION_VERSION, TIME_PARAMETERS, codeList, fdsnNumber, fdsnTime, noData, oneOf, readParameters, sendFdsnError } from './fdsn-request.js';
import { wadl } from './wadl.js';

const BASE = '/fdsnws/station/1';
const PARAMETERS: Record<string, string> = {
  ...CODE_PARAMETERS,
  ...TIME_PARAMETERS,
  startbefore: 'startbefore',
  startafter: 'startafter',
  endbefore: 'endbefore',
  endafter: 'endafter',
  minlatitude: 'minlatitude',
  minlat: 'minlatitude',
  maxlatitude: 'maxlatitude',
  maxlat: 'maxlatitude',
  minlongitude: 'minlongitude',
  minlon: 'minlongitude',
  maxlongitude: 'maxlongitude',
  maxlon: 'maxlongitude',
  level: 'level',
  format: 'format',
  nodata: 'nodata',
  includerestricted: 'includerestricted',
  includeavailability: 'includeavailability',
};
const LEVELS = ['network', 'station', 'channel', 'response'] as const;

/** The FDSN station web service over the station inventory: StationXML or the text format. */
export async function stationService(app: FastifyInstance, { inventory }: { inventory: StationInventory }) {
  const documentation = `${BASE}/`;
  app.get(`${BASE}/version`, async (_request, reply) => reply.type('text/plain').send(STATION_VERSION));
  app.get(`${BASE}/application.wadl`, async (request, reply) =>
    reply.type('application/xml').send(wadl(request, BASE, 'station', Object.keys(PARAMETERS), ['xml', 'text'])),
  );
  app.get(`${BASE}/`, async (_request, reply) =>
    reply.type('text/plain').send(`FDSN station web service ${STATION_VERSION} of the mine platform. Query: ${BASE}/query?network=…&station=…&location=…&channel=…&starttime=…&endtime=…&level=network|station|channel|response&format=xml|text&nodata=204|404\n`),
  );
  app.get(`${BASE}/query`, async (request, reply) => {
    try {
      const params = readParameters(request.query as Record<string, string>, PARAMETERS);
      const level = oneOf(params, 'level', LEVELS, 'station');
      const format = oneOf(params, 'format', ['xml', 'text'] as const, 'xml');
      oneOf(params, 'includerestricted', ['true', 'false'] as const, 'true');
      if (oneOf(params, 'includeavailability', ['true', 'false'] as const, 'false') === 'true') throw new FdsnError(400, 'includeavailability=true is not supported');
      const selection = inventory.select({
        ...optional('network', codeList(params, 'network')),
        ...optional('station', codeList(params, 'station')),
        ...optional('location', codeList(params, 'location')),
        ...optional('channel', codeList(params, 'channel')),
        ...optional('startTime', fdsnTime(params, 'starttime')),
        ...optional('endTime', fdsnTime(params, 'endtime')),
        ...optional('startBefore', fdsnTime(params, 'startbefore')),
        ...optional('startAfter', fdsnTime(params, 'startafter')),
        ...optional('endBefore', fdsnTime(params, 'endbefore')),
        ...optional('endAfter', fdsnTime(params, 'endafter')),
        ...optional('minLatitude', fdsnNumber(params, 'minlatitude', -90, 90)),
        ...optional('maxLatitude', fdsnNumber(params, 'maxlatitude', -90, 90)),
        ...optional('minLongitude', fdsnNumber(params, 'minlongitude', -180, 180)),
        ...optional('maxLongitude', fdsnNumber(params, 'maxlongitude', -180, 180)),
      });
      if (!selection) return noData(reply, params, request, STATION_VERSION, documentation, 'station');
      if (format === 'text') return reply.type('text/plain; charset=utf-8').send(stationText(selection, level));
      return reply.type('application/xml').send(toStationXml(selection, level));
    } catch (error) {
      if (error instanceof FdsnError) return sendFdsnError(request, reply, error, STATION_VERSION, documentation);
      throw error;
    }
  });
}

/** The FDSN station text format: one `|`-separated line per network, station or channel. */
function stationText(doc: InventoryDocument, level: (typeof LEVELS)[number]): string {
  const lines: string[] = [];
  if (level === 'network') {
    lines.push('#Network|Description|StartTime|EndTime|TotalStations');
    for (const n of doc.networks) lines.push([n.code, n.description ?? '', n.startDate ?? '', n.endDate ?? '', n.stations.length].join('|'));
  } else if (level === 'station') {
    lines.push('#Network|Station|Latitude|Longitude|Elevation|SiteName|StartTime|EndTime');
    for (const n of doc.networks) for (const s of n.stations) lines.push([n.code, s.code, s.latitude, s.longitude, s.elevation, s.site, s.startDate, s.endDate ?? ''].join('|'));
  } else {
    lines.push('#Network|Station|Location|Channel|Latitude|Longitude|Elevation|Depth|Azimuth|Dip|SensorDescription|Scale|ScaleFreq|ScaleUnits|SampleRate|StartTime|EndTime');
    for (const n of doc.networks)
      for (const s of n.stations)
        for (const c of s.channels)
          lines.push([n.code, s.code, c.locationCode, c.code, c.latitude, c.longitude, c.elevation, c.depth, c.azimuth, c.dip, c.sensorDescription ?? '', c.gain, c.gainFrequencyHz, 'M/S', c.sampleRateHz, c.startDate, c.endDate ?? ''].join('|'));
  }
  return `${lines.join('\n')}\n`;
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
