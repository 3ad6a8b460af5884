import { createLogger, createPubSub, describeConfig, loadConfig, runService } from '@mine/platform';
import { SensorGatewayEnv } from './config.js';
import { readFileSync } from 'node:fs';
import { DeviceRegistry } from './devices.js';
import { StationInventory } from '@mine/station-inventory';
import { SERVICE, buildSensorGateway } from './app.js';

const config = loadConfig(SensorGatewayEnv);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
if (!config.DEVICES_FILE && !config.DEVICES_JSON) throw new Error('one of DEVICES_FILE or DEVICES_JSON is required');
const devices = DeviceRegistry.fromJson(config.DEVICES_FILE ? readFileSync(config.DEVICES_FILE, 'utf8') : config.DEVICES_JSON);
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
