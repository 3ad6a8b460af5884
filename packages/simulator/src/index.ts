export * from './signals.js';
export * from './simulator.js';
export * from './layout.js';
export * from './seismic.js';
