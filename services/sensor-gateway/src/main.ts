import { createLogger, createPubSub, describeConfig, loadConfig, runService } from '@mine/platform';
import { SensorGatewayEnv } from './config.js';
import { DeviceRegistry } from './devices.js';
import { SERVICE, buildSensorGateway } from './app.js';

const config = loadConfig(SensorGatewayEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const devices = DeviceRegistry.fromJson(config.DEVICES_JSON);
logger.info({ config: describeConfig(SensorGatewayEnv, config), devices: devices.size }, 'starting');

await runService({
  logger,
  start: async () => {
    const gateway = await buildSensorGateway({ config, logger, pubsub: createPubSub(config.GCP_PROJECT_ID), devices });
    await gateway.app.listen({ port: config.PORT, host: config.HOST });
    return gateway;
  },
});
