// Public surface of the STP layer: the engines (802.1D, RSTP, the per-bridge choice), their host
// contract and the BPDU codec.
export { Stp } from './stp.js';
export { Rstp } from './rstp.js';
export { SpanningTree, STP_PROTOCOLS } from './spanning-tree.js';
export * from './types.js';
export * from './bpdu.js';
export * from './bridge-id.js';
export * from './constants.js';
export * from './port-state.js';
