import { createBigQuery, createLogger, createPubSub, describeConfig, loadConfig, runService } from '@mine/platform';
import { SeismicCatalogueEnv } from './config.js';
import { SERVICE, buildSeismicCatalogue } from './app.js';

const config = loadConfig(SeismicCatalogueEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
logger.info({ config: describeConfig(SeismicCatalogueEnv, config) }, 'starting');

await runService({
  logger,
  start: async () => {
    const service = await buildSeismicCatalogue({
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
