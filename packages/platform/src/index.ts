export * from './config.js';
export * from './logger.js';
export * from './metrics.js';
export * from './http.js';
export * from './pubsub.js';
export * from './clients.js';
export * from './service.js';
export * from './lineage.js';
