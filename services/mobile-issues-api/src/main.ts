import { createLogger, createPubSub, describeConfig, loadConfig, runService } from '@mine/platform';
import { MobileIssuesEnv } from './config.js';
import { SERVICE, buildMobileIssuesApi } from './app.js';

const config = loadConfig(MobileIssuesEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
logger.info({ config: describeConfig(MobileIssuesEnv, config) }, 'starting');

await runService({
  logger,
  start: async () => {
    const api = await buildMobileIssuesApi({ config, logger, pubsub: createPubSub(config.GCP_PROJECT_ID) });
    await api.app.listen({ port: config.PORT, host: config.HOST });
    return api;
  },
});
