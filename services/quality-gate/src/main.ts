import { createBigQuery, createLogger, createPubSub, describeConfig, loadConfig, runService } from '@mine/platform';
import { QualityGateEnv } from './config.js';
import { SERVICE, buildQualityGate } from './app.js';

const config = loadConfig(QualityGateEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
logger.info({ config: describeConfig(QualityGateEnv, config) }, 'starting');

await runService({
  logger,
  start: async () => {
    const gate = await buildQualityGate({
      config,
      logger,
      pubsub: createPubSub(config.GCP_PROJECT_ID),
      bigquery: createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION }),
    });
    gate.start();
    await gate.app.listen({ port: config.PORT, host: config.HOST });
    return gate;
  },
});
