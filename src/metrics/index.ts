// Public surface of the metrics layer: the prom-client registry over the engine and its HTTP server.
export * from './metrics.js';
export * from './server.js';
