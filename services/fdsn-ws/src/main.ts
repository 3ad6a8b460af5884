import { createLogger, createStorage, describeConfig, loadConfig, runService } from '@mine/platform';
import { StationInventory } from '@mine/station-inventory';
import { FdsnWsEnv } from './config.js';
import { SERVICE, buildFdsnWs } from './app.js';

const config = loadConfig(FdsnWsEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const inventory = StationInventory.fromFile(config.STATIONXML_PATH);
logger.info({ config: describeConfig(FdsnWsEnv, config), stations: inventory.stationCount }, 'starting');

await runService({
  logger,
  start: async () => {
    const service = await buildFdsnWs({ config, logger, storage: createStorage({ projectId: config.GCP_PROJECT_ID, storageApiEndpoint: config.STORAGE_API_ENDPOINT }), inventory });
    await service.app.listen({ port: config.PORT, host: config.HOST });
    return service;
  },
});
