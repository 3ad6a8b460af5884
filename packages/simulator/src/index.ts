export * from './signals.js';
export * from './simulator.js';
