export * from './types.js';
export * from './topology.js';
export * from './provision.js';
export * from './views.js';
export * from './dictionary.js';
export * from './dead-letters.js';
export * from './quality.js';
export * from './schedules.js';
