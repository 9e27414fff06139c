/** The discrete-event kernel: calendar, random streams, distributions, monitors, units. */
export * from './scheduler.js';
export * from './rng.js';
export * from './distributions.js';
export * from './monitor.js';
export * from './units.js';
