import { createLogger, createPubSub, describeConfig, loadConfig, runService } from '@mine/platform';
import { SensorGatewayEnv } from './config.js';
import { DeviceRegistry } from './devices.js';
import { StationInventory } from '@mine/station-inventory';
import { SERVICE, buildSensorGateway } from './app.js';

const config = loadConfig(SensorGatewayEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const devices = DeviceRegistry.fromJson(config.DEVICES_JSON);
const inventory = config.STATIONXML_PATH ? StationInventory.fromFile(config.STATIONXML_PATH) : undefined;
logger.info({ config: describeConfig(SensorGatewayEnv, config), devices: devices.size, stations: inventory?.stationCount ?? 0 }, 'starting');

await runService({
  logger,
  start: async () => {
    const gateway = await buildSensorGateway({ config, logger, pubsub: createPubSub(config.GCP_PROJECT_ID), devices, ...(inventory ? { inventory } : {}) });
    await gateway.app.listen({ port: config.PORT, host: config.HOST });
    return gateway;
  },
});
