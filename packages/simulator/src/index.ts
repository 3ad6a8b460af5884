export * from './signals.js';
export * from './simulator.js';
export * from './seismic.js';
export * from './sources.js';
