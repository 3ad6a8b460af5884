import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv, Secret } from '@mine/platform';

export const SensorGatewayEnv = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  SENSOR_TOPIC: Type.String({ default: 'sensor-readings' }),
  DEVICES_FILE: Type.String({ default: '', description: 'device registry file (a Secret mounted as a volume), JSON array of {sensorId, site, zone, tokenSha256, nextTokenSha256?, revoked?}; reloaded while running' }),
  DEVICES_RELOAD_SECONDS: Type.Integer({ minimum: 1, default: 10, description: 'how often DEVICES_FILE is read for changes' }),
  DEVICES_JSON: Secret(
    Type.String({
      default: '',
      description: 'the same registry inline (local stack and tests); used when DEVICES_FILE is not set. An environment string is limited to 128 KiB (about 900 devices)',
    }),
  ),
  STATIONXML_PATH: Type.Optional(Type.String({ minLength: 1, description: 'station inventory (FDSN StationXML); needed for miniSEED ingest, which is refused (415) without it' })),
  DEVICE_REQUESTS_PER_SECOND: Type.Number({ exclusiveMinimum: 0, default: 5, description: 'sustained requests per second per device (a device posts about one a second)' }),
  DEVICE_REQUEST_BURST: Type.Integer({ minimum: 1, default: 30, description: 'requests a device may send at once above the rate (catching up after an outage)' }),
  DEVICE_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 4, description: 'requests of one device handled at the same time' }),
  MAX_BODY_BYTES: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
  MAX_PACKETS_PER_REQUEST: Type.Integer({ minimum: 1, default: 100 }),
  CLOCK_SKEW_SECONDS: Type.Integer({ minimum: 0, default: 120, description: 'how far in the future a packet may start' }),
  MAX_PACKET_AGE_SECONDS: Type.Integer({ minimum: 1, default: 6 * 3600, description: 'how old a (buffered) packet may be' }),
  MAX_PENDING_PUBLISH_BYTES: Type.Integer({ minimum: 1, default: 64 * 1024 * 1024, description: 'unacknowledged publish bytes above which requests get 503' }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 1, default: 200, description: 'event-loop delay above which requests get 503' }),
  SEQUENCE_JUMP_SLACK: Type.Integer({ minimum: 0, default: 1000, description: 'packets a sequence may run ahead of the last accepted one beyond what the time between them explains' }),
  RETRY_AFTER_SECONDS: Type.Integer({ minimum: 1, default: 2 }),
});
export type SensorGatewayConfig = Static<typeof SensorGatewayEnv>;
