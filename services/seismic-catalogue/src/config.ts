import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv, Secret } from '@mine/platform';

export const SeismicCatalogueEnv = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8087 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  DATABASE_URL: Secret(Type.String({ minLength: 1, description: 'PostgreSQL holding the catalogue, the blast register and the leader lease' })),
  PG_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'seismic_catalogue' }),
  SENSOR_SUBSCRIPTION: Type.String({ default: 'seismic-catalogue.sensor-readings' }),
  SENSOR_DEAD_LETTER_TOPIC: Type.String({ default: 'sensor-readings-dead-letter' }),
  EVENTS_TOPIC: Type.String({ default: 'seismic-events' }),
  EVENTS_TABLE: Type.String({ pattern: '^([A-Za-z0-9_]+\\.[A-Za-z0-9_]+)?$', default: 'ops.seismic_events', description: 'dataset.table, empty to skip' }),
  STATIONXML_PATH: Type.String({ minLength: 1, description: 'the station inventory (StationXML with mine-grid positions)' }),
  VELOCITY_MODELS_JSON: Type.String({
    default: '{"default":{"vpMps":5900,"vsMps":3400}}',
    description: 'homogeneous P and S velocities, m/s: "default" and per-site overrides',
  }),
  MAGNITUDE_JSON: Type.String({ default: '{}', description: 'local-magnitude coefficients a, b, c, referenceDistanceM (see packages/seismology)' }),
  BLAST_MATCH_RADIUS_M: Type.Number({ exclusiveMinimum: 0, default: 150, description: 'a located event this close to a planned blast, inside its window, is that blast' }),
  BLAST_WINDOW_SLACK_SECONDS: Type.Number({ minimum: 0, default: 5 }),
  API_TOKENS: Secret(Type.String({ default: '', description: 'comma-separated name:role:sha256(token); operators may register blasts' })),
  MAX_IN_FLIGHT: Type.Integer({ minimum: 100, default: 2000, description: 'packets held unacknowledged: all stations × the seconds an undecided event may need' }),
  LEASE_RETRY_SECONDS: Type.Number({ exclusiveMinimum: 0, default: 5, description: 'how often a standby replica tries to become the leader' }),
});
export type SeismicCatalogueConfig = Static<typeof SeismicCatalogueEnv>;
