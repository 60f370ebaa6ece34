// Public surface of the bridge layer.
export * from './bridge.js';
export * from './port.js';
export * from './port-io.js';
export * from './clock.js';
export * from './events.js';
