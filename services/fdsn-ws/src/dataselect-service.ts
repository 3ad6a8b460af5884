import type { FastifyInstance } from 'fastify';
import { Encoding, encodeRecords, type EncodingCode } from '@mine/miniseed';
import type { Channel, StationInventory } from '@mine/station-inventory';
import { CODE_PARAMETERS, DATASELECT_VERSION, FdsnError, TIME_PARAMETERS, codeList, fdsnNumber, fdsnTime, noData, oneOf, readParameters, sendFdsnError } from './fdsn-request.js';
import type { LakeReader, Segment } from './lake-reader.js';
import { optional } from './station-service.js';
import { wadl } from './wadl.js';

const BASE = '/fdsnws/dataselect/1';
const PARAMETERS: Record<string, string> = { ...CODE_PARAMETERS, ...TIME_PARAMETERS, quality: 'quality', minimumlength: 'minimumlength', longestonly: 'longestonly', format: 'format', nodata: 'nodata' };
/** Steim-2 differences hold 30 bits; counts beyond this go out as int32. */
const STEIM2_SAFE = 2 ** 28;

export interface DataselectOptions {
  inventory: StationInventory;
  lake: LakeReader;
  maxSeconds: number;
  maxChannels: number;
}

/**
 * The FDSN dataselect web service: a sensor's waveform from the lake (raw
 * hours, or the spool for hours not yet compacted), each axis as its
 * inventory channel, counts = mm/s × the channel's gain, written as SEED 2.4
 * Steim-2 records of 4096 bytes (int32 where a difference would not fit).
 */
export async function dataselectService(app: FastifyInstance, { inventory, lake, maxSeconds, maxChannels }: DataselectOptions) {
  const documentation = `${BASE}/`;
  app.get(`${BASE}/version`, async (_request, reply) => reply.type('text/plain').send(DATASELECT_VERSION));
  app.get(`${BASE}/application.wadl`, async (request, reply) => reply.type('application/xml').send(wadl(request, BASE, 'dataselect', Object.keys(PARAMETERS), ['miniseed'])));
  app.get(`${BASE}/`, async (_request, reply) =>
    reply.type('text/plain').send(`FDSN dataselect web service ${DATASELECT_VERSION} of the mine platform. Query: ${BASE}/query?network=…&station=…&location=…&channel=…&starttime=…&endtime=…&nodata=204|404\n`),
  );
  app.get(`${BASE}/query`, async (request, reply) => {
    try {
      const params = readParameters(request.query as Record<string, string>, PARAMETERS);
      oneOf(params, 'format', ['miniseed'] as const, 'miniseed');
      oneOf(params, 'quality', ['d', 'r', 'q', 'm', 'b'] as const, 'b');
      if (oneOf(params, 'longestonly', ['true', 'false'] as const, 'false') === 'true') throw new FdsnError(400, 'longestonly=true is not supported');
      const minimumLength = fdsnNumber(params, 'minimumlength', 0, 1e9) ?? 0;
      const startMs = fdsnTime(params, 'starttime');
      const endMs = fdsnTime(params, 'endtime');
      if (startMs === undefined || endMs === undefined) throw new FdsnError(400, 'starttime and endtime are required');
      if (endMs <= startMs) throw new FdsnError(400, 'endtime must be after starttime');
      if (endMs - startMs > maxSeconds * 1000) throw new FdsnError(413, `the time window is ${(endMs - startMs) / 1000} s; this service returns at most ${maxSeconds} s per request`);
      const selection = inventory.select({
        ...optional('network', codeList(params, 'network')),
        ...optional('station', codeList(params, 'station')),
        ...optional('location', codeList(params, 'location')),
        ...optional('channel', codeList(params, 'channel')),
        startTime: startMs,
        endTime: endMs,
      });
      const wanted = (selection?.networks ?? []).flatMap((network) => network.stations.filter((s) => s.sensorId && s.channels.length > 0).map((station) => ({ network, station })));
      const channelCount = wanted.reduce((n, w) => n + w.station.channels.length, 0);
      if (channelCount > maxChannels) throw new FdsnError(413, `the request selects ${channelCount} channels; this service returns at most ${maxChannels} per request`);

      const records: Uint8Array[] = [];
      for (const { network, station } of wanted) {
        const segments = (await lake.readSensor(station.site, station.sensorId!, startMs, endMs)).filter((s) => s.x.length / s.sampleRateHz >= minimumLength);
        for (const channel of station.channels) {
          for (const segment of segments) {
            // The gain of the channel epoch the segment starts in (an epoch ending inside it is rare enough to take the start's).
            const epoch = inventory.channelAt(network.code, station.code, channel.locationCode, channel.code, segment.startTimeUs / 1000);
            if (!epoch) continue;
            records.push(...channelRecords(network.code, station.code, epoch.channel, segment));
          }
        }
      }
      if (records.length === 0) return noData(reply, params, request, DATASELECT_VERSION, documentation, 'data');
      return reply.type('application/vnd.fdsn.mseed').header('content-disposition', 'attachment; filename="mine-platform.mseed"').send(Buffer.concat(records));
    } catch (error) {
      if (error instanceof FdsnError) return sendFdsnError(request, reply, error, DATASELECT_VERSION, documentation);
      throw error;
    }
  });
}

function channelRecords(network: string, station: string, channel: Channel, segment: Segment): Uint8Array[] {
  const countsPerMmS = channel.gain / 1000;
  const velocities = segment[channel.axis];
  const counts = new Int32Array(velocities.length);
  let largest = 0;
  for (let i = 0; i < velocities.length; i++) {
    counts[i] = Math.round(velocities[i]! * countsPerMmS);
    largest = Math.max(largest, Math.abs(counts[i]!));
  }
  const encoding: EncodingCode = largest < STEIM2_SAFE ? Encoding.STEIM2 : Encoding.INT32;
  return encodeRecords({ network, station, location: channel.locationCode, channel: channel.code, startTimeUs: segment.startTimeUs, sampleRateHz: segment.sampleRateHz, samples: counts }, { format: 2, encoding, recordLength: 4096 });
}
