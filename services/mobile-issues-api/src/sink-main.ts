import { createBigQuery, createLogger, createPubSub, describeConfig, loadConfig, runService } from '@mine/platform';
import { SinkEnv } from './config.js';
import { SINK_SERVICE, buildSink } from './sink/service.js';

const config = loadConfig(SinkEnv);
const logger = createLogger({ service: SINK_SERVICE, level: config.LOG_LEVEL });
logger.info({ config: describeConfig(SinkEnv, config) }, 'starting');

await runService({
  logger,
  start: async () => {
    const sink = await buildSink({
      config,
      logger,
      pubsub: createPubSub(config.GCP_PROJECT_ID),
      bigquery: createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION }),
    });
    sink.start();
    await sink.app.listen({ port: config.PORT, host: config.HOST });
    return sink;
  },
});
