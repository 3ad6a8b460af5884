import type { FastifyReply, FastifyRequest } from 'fastify';

export const STATION_VERSION = '1.1.0';
export const DATASELECT_VERSION = '1.1.0';

/** An FDSN web-service error: the status and the detail line of the specified text body. */
export class FdsnError extends Error {
  constructor(
    readonly status: 400 | 404 | 413 | 414 | 500 | 503,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 413: 'Request Entity Too Large', 414: 'Request-URI Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** The error body the FDSN web service specifications prescribe (plain text, fixed sections). */
export function sendFdsnError(request: FastifyRequest, reply: FastifyReply, error: FdsnError, version: string, documentation: string): FastifyReply {
  const body = [
    `Error ${error.status}: ${TITLES[error.status]}`,
    '',
    error.detail,
    '',
    `Usage details are available from ${documentation}`,
    '',
    'Request:',
    `${request.protocol}://${request.headers.host ?? 'localhost'}${request.url}`,
    '',
    'Request Submitted:',
    new Date().toISOString(),
    '',
    'Service version:',
    version,
    '',
  ].join('\n');
  return reply.code(error.status).type('text/plain; charset=utf-8').send(body);
}

/** Query parameters with their FDSN aliases folded to one name; unknown parameters are an error, as the specification asks. */
export function readParameters(query: Record<string, string | string[] | undefined>, known: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, raw] of Object.entries(query)) {
    const canonical = known[name.toLowerCase()];
    if (!canonical) throw new FdsnError(400, `unknown parameter ${JSON.stringify(name)}; this service takes ${[...new Set(Object.values(known))].join(', ')}`);
    const value = Array.isArray(raw) ? raw[raw.length - 1]! : (raw ?? '');
    if (out.has(canonical)) throw new FdsnError(400, `parameter ${canonical} is given twice`);
    out.set(canonical, value.trim());
  }
  return out;
}

export const CODE_PARAMETERS: Record<string, string> = { network: 'network', net: 'network', station: 'station', sta: 'station', location: 'location', loc: 'location', channel: 'channel', cha: 'channel' };
export const TIME_PARAMETERS: Record<string, string> = { starttime: 'starttime', start: 'starttime', endtime: 'endtime', end: 'endtime' };

/** A comma list of SEED codes with wildcards (`--` is the empty location). */
export function codeList(params: Map<string, string>, name: string): string[] | undefined {
  const value = params.get(name);
  if (value === undefined || value === '') return undefined;
  const codes = value.split(',').map((c) => c.trim());
  for (const code of codes) if (!/^[A-Za-z0-9*?]{1,8}$/.test(code) && !(name === 'location' && code === '--')) throw new FdsnError(400, `${name} ${JSON.stringify(code)} is not a code (letters, digits, * and ?)`);
  return codes.map((c) => c.toUpperCase());
}

/** FDSN times: YYYY-MM-DDThh:mm:ss[.ssssss], UTC, a trailing Z allowed; a date alone is midnight. Returns ms since 1970. */
export function fdsnTime(params: Map<string, string>, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined || value === '') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?Z?$/.exec(value);
  if (!m) throw new FdsnError(400, `${name} ${JSON.stringify(value)} is not an FDSN time (YYYY-MM-DDThh:mm:ss[.ssssss])`);
  const [year, month, day, hour = '0', minute = '0', second = '0'] = m.slice(1, 7) as string[];
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  const date = new Date(ms);
  if (date.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) throw new FdsnError(400, `${name} ${JSON.stringify(value)} is not a real time`);
  return ms + Number((m[7] ?? '').padEnd(6, '0')) / 1000;
}

export function fdsnNumber(params: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const value = params.get(name);
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new FdsnError(400, `${name} ${JSON.stringify(value)} is not a number in ${min}…${max}`);
  return n;
}

export function oneOf<T extends string>(params: Map<string, string>, name: string, allowed: readonly T[], fallback: T): T {
  const value = (params.get(name) ?? fallback).toLowerCase();
  if (!(allowed as readonly string[]).includes(value)) throw new FdsnError(400, `${name} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** `nodata=204` (default) or `nodata=404`: what an empty result answers. */
export function noData(reply: FastifyReply, params: Map<string, string>, request: FastifyRequest, version: string, documentation: string, what: string): FastifyReply {
  if (oneOf(params, 'nodata', ['204', '404'] as const, '204') === '404') return sendFdsnError(request, reply, new FdsnError(404, `no ${what} matches the request`), version, documentation);
  return reply.code(204).send();
}
