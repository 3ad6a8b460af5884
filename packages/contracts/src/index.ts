import './formats.js';

export * from './bigquery-schema.js';
export * from './validate.js';
export * from './timestamp.js';
export * from './sensor.js';
export * from './sensor-wire.js';
export * from './sensor-mseed.js';
export * from './avro-bounds.js';
export * from './machinery.js';
export * from './alarm.js';
export * from './lineage.js';
export * from './pipeline.js';
export { registerFormats } from './formats.js';
export * from './seismic.js';
