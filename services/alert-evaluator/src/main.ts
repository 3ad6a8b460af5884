import { createBigQuery, createLogger, createPubSub, describeConfig, loadConfig, runService } from '@mine/platform';
import { AlertEvaluatorEnv } from './config.js';
import { SERVICE, buildAlertEvaluator } from './app.js';

const config = loadConfig(AlertEvaluatorEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
logger.info({ config: describeConfig(AlertEvaluatorEnv, config) }, 'starting');

await runService({
  logger,
  start: async () => {
    const service = await buildAlertEvaluator({
      config,
      logger,
      pubsub: createPubSub(config.GCP_PROJECT_ID),
      bigquery: createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION }),
    });
    await service.start();
    await service.app.listen({ port: config.PORT, host: config.HOST });
    return service;
  },
});
