import { createLogger, createPubSub, createStorage, describeConfig, loadConfig, runService } from '@mine/platform';
import { LakeCompactorEnv } from './config.js';
import { SERVICE, buildSpoolService } from './app.js';

const config = loadConfig(LakeCompactorEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
logger.info({ config: describeConfig(LakeCompactorEnv, config) }, 'starting');

await runService({
  logger,
  start: async () => {
    const service = await buildSpoolService({
      config,
      logger,
      pubsub: createPubSub(config.GCP_PROJECT_ID),
      storage: createStorage({ projectId: config.GCP_PROJECT_ID, storageApiEndpoint: config.STORAGE_API_ENDPOINT }),
    });
    service.start();
    await service.app.listen({ port: config.PORT, host: config.HOST });
    return service;
  },
});
