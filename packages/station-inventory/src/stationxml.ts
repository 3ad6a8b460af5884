import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { axisOfOrientation, type Channel, type InventoryDocument, type Network, type Station } from './model.js';

export const STATIONXML_NAMESPACE = 'http://www.fdsn.org/xml/station/1';
/** Elements StationXML has no place for (the device's identity, the mine grid), in the schema's extension slot. */
export const MINE_NAMESPACE = 'urn:mine-platform:stationxml:1';

export type StationXmlLevel = 'network' | 'station' | 'channel' | 'response';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['Network', 'Station', 'Channel', 'Comment', 'Identifier'].includes(name),
});

type Node = Record<string, unknown>;

/**
 * Reads an FDSN StationXML document (1.0 or 1.1) into the inventory model.
 * Every problem is collected and reported together: a channel without a
 * sensitivity, a code the platform cannot map to an axis, a missing coordinate.
 */
export function parseStationXml(xml: string): InventoryDocument {
  let root: Node;
  try {
    root = parser.parse(xml) as Node;
  } catch (error) {
    throw new Error(`StationXML is not well-formed XML: ${(error as Error).message}`);
  }
  const doc = root.FDSNStationXML as Node | undefined;
  if (!doc) throw new Error('not a StationXML document: no FDSNStationXML root element');
  const problems: string[] = [];
  const networks = ((doc.Network as Node[] | undefined) ?? []).map((n, i) => readNetwork(n, `Network[${i}]`, problems));
  if (networks.length === 0) problems.push('the document lists no Network');
  if (problems.length) throw new Error(`invalid station inventory:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { source: text(doc.Source) ?? 'unknown', ...(text(doc.Sender) ? { sender: text(doc.Sender)! } : {}), created: text(doc.Created) ?? new Date(0).toISOString(), networks };
}

function readNetwork(n: Node, where: string, problems: string[]): Network {
  const code = attr(n, 'code');
  if (!code) problems.push(`${where}: no code`);
  const at = `network ${code ?? where}`;
  return {
    code: code ?? '',
    ...optional('description', text(n.Description)),
    ...optional('startDate', attr(n, 'startDate')),
    ...optional('endDate', attr(n, 'endDate')),
    stations: ((n.Station as Node[] | undefined) ?? []).map((s, i) => readStation(s, `${at} Station[${i}]`, problems)),
  };
}

function readStation(s: Node, where: string, problems: string[]): Station {
  const code = attr(s, 'code') ?? '';
  const at = code ? where.replace(/Station\[\d+\]$/, `station ${code}`) : where;
  const need = (name: string) => requiredNumber(s, name, at, problems);
  const startDate = attr(s, 'startDate');
  if (!code) problems.push(`${at}: no code`);
  if (!startDate) problems.push(`${at}: no startDate (installation date)`);
  const site = s.Site as Node | undefined;
  const easting = number(s.GridEasting);
  const northing = number(s.GridNorthing);
  const gridElevation = number(s.GridElevation);
  const grid = easting !== undefined && northing !== undefined && gridElevation !== undefined ? { grid: { easting, northing, elevation: gridElevation } } : {};
  const station: Station = {
    code,
    startDate: startDate ?? '',
    ...optional('endDate', attr(s, 'endDate')),
    latitude: need('Latitude'),
    longitude: need('Longitude'),
    elevation: need('Elevation'),
    ...optional('sensorId', text(s.SensorId)),
    site: text(site?.Name) ?? '',
    ...optional('zone', text(s.Zone)),
    ...grid,
    channels: ((s.Channel as Node[] | undefined) ?? []).map((c, i) => readChannel(c, `${at} Channel[${i}]`, problems)),
  };
  if (!station.site) problems.push(`${at}: no Site Name`);
  return station;
}

function readChannel(c: Node, where: string, problems: string[]): Channel {
  const code = attr(c, 'code') ?? '';
  const locationCode = attr(c, 'locationCode') ?? '';
  const at = code ? where.replace(/Channel\[\d+\]$/, `channel ${locationCode}.${code}`) : where;
  const need = (name: string) => requiredNumber(c, name, at, problems);
  const startDate = attr(c, 'startDate');
  if (!/^[A-Z0-9]{3}$/.test(code)) problems.push(`${at}: channel code ${JSON.stringify(code)} is not three SEED letters`);
  if (!startDate) problems.push(`${at}: no startDate`);
  const axis = axisOfOrientation(code.charAt(2));
  if (code && !axis) problems.push(`${at}: orientation code ${JSON.stringify(code.charAt(2))} maps to no axis (Z/N/E or 3/1/2)`);
  const sensitivity = (c.Response as Node | undefined)?.InstrumentSensitivity as Node | undefined;
  const gain = number(sensitivity?.Value);
  const units = text((sensitivity?.InputUnits as Node | undefined)?.Name)?.toUpperCase();
  if (gain === undefined || !(gain > 0)) problems.push(`${at}: no positive Response/InstrumentSensitivity/Value (counts per m/s)`);
  else if (units !== 'M/S') problems.push(`${at}: sensitivity input units are ${JSON.stringify(units)}, the platform needs velocity in M/S`);
  const sampleRateHz = need('SampleRate');
  if (!(sampleRateHz > 0)) problems.push(`${at}: SampleRate must be positive`);
  return {
    locationCode,
    code,
    startDate: startDate ?? '',
    ...optional('endDate', attr(c, 'endDate')),
    latitude: need('Latitude'),
    longitude: need('Longitude'),
    elevation: need('Elevation'),
    depth: need('Depth'),
    azimuth: number(c.Azimuth) ?? 0,
    dip: number(c.Dip) ?? 0,
    sampleRateHz,
    gain: gain ?? 0,
    gainFrequencyHz: number(sensitivity?.Frequency) ?? 0,
    axis: axis ?? 'z',
    ...optional('sensorDescription', text((c.Sensor as Node | undefined)?.Description)),
  };
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });

/**
 * Writes StationXML 1.1 at an FDSN level: `network` (networks only), `station`
 * (stations with coordinates and the mine's extension elements), `channel`
 * (channels with coordinates, depth, orientation, sample rate and the overall
 * sensitivity), `response` (the same: the inventory keeps the overall
 * sensitivity, not the response stages).
 */
export function toStationXml(doc: InventoryDocument, level: StationXmlLevel = 'response'): string {
  const body = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    FDSNStationXML: {
      '@_xmlns': STATIONXML_NAMESPACE,
      '@_xmlns:mine': MINE_NAMESPACE,
      '@_schemaVersion': '1.1',
      Source: doc.source,
      ...(doc.sender ? { Sender: doc.sender } : {}),
      Module: 'mine-platform',
      Created: doc.created,
      Network: doc.networks.map((n) => networkXml(n, level)),
    },
  };
  return builder.build(body) as string;
}

function networkXml(n: Network, level: StationXmlLevel) {
  return {
    '@_code': n.code,
    ...(n.startDate ? { '@_startDate': n.startDate } : {}),
    ...(n.endDate ? { '@_endDate': n.endDate } : {}),
    ...(n.description ? { Description: n.description } : {}),
    ...(level === 'network' ? { TotalNumberStations: n.stations.length } : { Station: n.stations.map((s) => stationXml(s, level)) }),
  };
}

function stationXml(s: Station, level: StationXmlLevel) {
  return {
    '@_code': s.code,
    '@_startDate': s.startDate,
    ...(s.endDate ? { '@_endDate': s.endDate } : {}),
    Latitude: s.latitude,
    Longitude: s.longitude,
    Elevation: s.elevation,
    Site: { Name: s.site, ...(s.zone ? { Description: `zone ${s.zone}` } : {}) },
    TotalNumberChannels: s.channels.length,
    ...(level === 'station' ? {} : { Channel: s.channels.map((c) => channelXml(c)) }),
    ...(s.sensorId ? { 'mine:SensorId': s.sensorId } : {}),
    ...(s.zone ? { 'mine:Zone': s.zone } : {}),
    ...(s.grid ? { 'mine:GridEasting': s.grid.easting, 'mine:GridNorthing': s.grid.northing, 'mine:GridElevation': s.grid.elevation } : {}),
  };
}

function channelXml(c: Channel) {
  return {
    '@_code': c.code,
    '@_locationCode': c.locationCode,
    '@_startDate': c.startDate,
    ...(c.endDate ? { '@_endDate': c.endDate } : {}),
    Latitude: c.latitude,
    Longitude: c.longitude,
    Elevation: c.elevation,
    Depth: c.depth,
    Azimuth: c.azimuth,
    Dip: c.dip,
    Type: 'CONTINUOUS',
    SampleRate: c.sampleRateHz,
    ...(c.sensorDescription ? { Sensor: { Description: c.sensorDescription } } : {}),
    Response: {
      InstrumentSensitivity: {
        Value: c.gain,
        Frequency: c.gainFrequencyHz,
        InputUnits: { Name: 'M/S', Description: 'velocity in metres per second' },
        OutputUnits: { Name: 'COUNTS', Description: 'digital counts' },
      },
    },
  };
}

function attr(node: Node, name: string): string | undefined {
  const value = node[`@_${name}`];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && '#text' in value) return text((value as Node)['#text']);
  return undefined;
}

function number(value: unknown): number | undefined {
  const t = text(value);
  if (t === undefined || t.trim() === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function requiredNumber(node: Node, name: string, where: string, problems: string[]): number {
  const n = number(node[name]);
  if (n === undefined) {
    problems.push(`${where}: no ${name}`);
    return Number.NaN;
  }
  return n;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
