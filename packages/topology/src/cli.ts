#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { Type } from '@sinclair/typebox';
import { PlatformEnv, createBigQuery, createPubSub, createLogger, createStorage, loadConfig } from '@mine/platform';
import { provision } from './provision.js';
import { topology } from './topology.js';

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } });
const config = loadConfig(Type.Object(PlatformEnv));
const logger = createLogger({ service: 'provision', level: config.LOG_LEVEL });
const clients = {
  pubsub: createPubSub(config.GCP_PROJECT_ID),
  bigquery: createBigQuery({ projectId: config.GCP_PROJECT_ID, bigqueryApiEndpoint: config.BIGQUERY_API_ENDPOINT, location: config.BIGQUERY_LOCATION }),
  storage: createStorage({ projectId: config.GCP_PROJECT_ID, storageApiEndpoint: config.STORAGE_API_ENDPOINT }),
};
try {
  const steps = await provision(topology, clients, {
    projectId: config.GCP_PROJECT_ID,
    location: config.BIGQUERY_LOCATION,
    dryRun: values['dry-run'] ?? false,
    logger,
  });
  const changed = steps.filter((s) => s.action !== 'unchanged').length;
  logger.info({ total: steps.length, changed }, 'provisioning done');
} catch (error) {
  logger.fatal({ err: error }, (error as Error).message);
  process.exitCode = 1;
} finally {
  await clients.pubsub.close();
}
