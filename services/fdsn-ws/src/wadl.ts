import type { FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  starttime: 'xsd:dateTime', endtime: 'xsd:dateTime', startbefore: 'xsd:dateTime', startafter: 'xsd:dateTime', endbefore: 'xsd:dateTime', endafter: 'xsd:dateTime',
  minlatitude: 'xsd:double', maxlatitude: 'xsd:double', minlongitude: 'xsd:double', maxlongitude: 'xsd:double', minimumlength: 'xsd:double',
  includerestricted: 'xsd:boolean', includeavailability: 'xsd:boolean', longestonly: 'xsd:boolean',
};
const ALIASES = new Set(['net', 'sta', 'loc', 'cha', 'start', 'end', 'minlat', 'maxlat', 'minlon', 'maxlon']);

/** The service's WADL: what FDSN clients (ObsPy among them) read to learn which parameters it takes. */
export function wadl(request: FastifyRequest, base: string, service: 'station' | 'dataselect', parameters: string[], formats: string[]): string {
  const url = `${request.protocol}://${request.headers.host ?? 'localhost'}${base}/`;
  const params = [...new Set(parameters)]
    .filter((name) => !ALIASES.has(name))
    .map((name) => {
      if (name === 'format') return `<param name="format" style="query" type="xsd:string" default="${formats[0]}">${formats.map((f) => `<option value="${f}"/>`).join('')}</param>`;
      if (name === 'nodata') return `<param name="nodata" style="query" type="xsd:int" default="204"><option value="204"/><option value="404"/></param>`;
      if (name === 'level') return `<param name="level" style="query" type="xsd:string" default="station"><option value="network"/><option value="station"/><option value="channel"/><option value="response"/></param>`;
      return `<param name="${name}" style="query" type="${TYPES[name] ?? 'xsd:string'}"/>`;
    })
    .join('\n          ');
  const media = service === 'station' ? 'application/xml' : 'application/vnd.fdsn.mseed';
  return `<?xml version="1.0" encoding="UTF-8"?>
<application xmlns="http://wadl.dev.java.net/2009/02" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <resources base="${url}">
    <resource path="">
      <method name="GET" id="root"><response><representation mediaType="text/plain"/></response></method>
      <resource path="query">
        <method name="GET" id="query">
          <request>
          ${params}
          </request>
          <response status="200"><representation mediaType="${media}"/></response>
          <response status="204 400 404 413 414 500 503"><representation mediaType="text/plain"/></response>
        </method>
      </resource>
      <resource path="version">
        <method name="GET"><response><representation mediaType="text/plain"/></response></method>
      </resource>
      <resource path="application.wadl">
        <method name="GET"><response><representation mediaType="application/xml"/></response></method>
      </resource>
    </resource>
  </resources>
</application>
`;
}
