// Public surface of the STP layer: the engine, its host contract and the BPDU codec.
export { Stp } from './stp.js';
export * from './types.js';
export * from './bpdu.js';
export * from './bridge-id.js';
export * from './constants.js';
export * from './port-state.js';
