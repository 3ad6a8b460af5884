export * from './signals.js';
export * from './simulator.js';
export * from './seismic.js';
export * from './sources.js';
export * from './layout.js';
export * from './seismic-events.js';
