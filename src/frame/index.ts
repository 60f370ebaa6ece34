// Public surface of the frame layer.
export * from './mac.js';
export * from './ethernet.js';
