import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv } from '@mine/platform';

export const FdsnWsEnv = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8088 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  STATIONXML_PATH: Type.String({ minLength: 1, description: 'the station inventory (FDSN StationXML) the station service serves and dataselect calibrates with' }),
  LAKE_BUCKET: Type.String({ default: '', description: 'lake bucket; default <project>-lake' }),
  WORK_DIR: Type.String({ default: '/tmp', description: 'scratch space for the Parquet files a request reads' }),
  DUCKDB_MEMORY_LIMIT: Type.String({ default: '512MB', description: 'DuckDB memory_limit; beyond it DuckDB spills to WORK_DIR' }),
  MAX_DATASELECT_SECONDS: Type.Integer({ minimum: 1, default: 6 * 3600, description: 'longest time window one dataselect request may ask for (413 beyond)' }),
  MAX_DATASELECT_CHANNELS: Type.Integer({ minimum: 1, default: 30, description: 'most channels one dataselect request may select (413 beyond)' }),
  SPOOL_DAYS: Type.Integer({ minimum: 0, default: 7, description: 'how far back the spool (hours not yet or not fully compacted) is read; the lake keeps spool files this long' }),
});
export type FdsnWsConfig = Static<typeof FdsnWsEnv>;
