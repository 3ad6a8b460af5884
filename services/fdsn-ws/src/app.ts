import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Storage } from '@google-cloud/storage';
import { createMetrics, observability, type Logger } from '@mine/platform';
import type { StationInventory } from '@mine/station-inventory';
import type { FdsnWsConfig } from './config.js';
import { dataselectService } from './dataselect-service.js';
import { LakeReader } from './lake-reader.js';
import { stationService } from './station-service.js';

export const SERVICE = 'fdsn-ws';

export interface FdsnWsDependencies {
  config: FdsnWsConfig;
  logger: Logger;
  storage: Storage;
  inventory: StationInventory;
}

export const lakeBucketName = (config: FdsnWsConfig) => config.LAKE_BUCKET || `${config.GCP_PROJECT_ID}-lake`;

/**
 * The FDSN web services of the mine: station (the station inventory as
 * StationXML or text) and dataselect (waveforms from the lake as miniSEED),
 * so ObsPy, SeisComP or seisplotjs read the platform's data directly.
 */
export async function buildFdsnWs({ config, logger, storage, inventory }: FdsnWsDependencies) {
  const { registry } = createMetrics(SERVICE);
  const bucket = storage.bucket(lakeBucketName(config));
  const lake = new LakeReader({ bucket, workDir: config.WORK_DIR, memoryLimit: config.DUCKDB_MEMORY_LIMIT, spoolDays: config.SPOOL_DAYS });
  let draining = false;
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(observability, { registry, isDraining: () => draining, readiness: [{ name: 'lake-bucket', check: async () => (await bucket.exists())[0] }] });
  await app.register(stationService, { inventory });
  await app.register(dataselectService, { inventory, lake, maxSeconds: config.MAX_DATASELECT_SECONDS, maxChannels: config.MAX_DATASELECT_CHANNELS });
  return {
    app,
    async close() {
      draining = true;
      await app.close();
      lake.close();
    },
  };
}
