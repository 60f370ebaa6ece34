// Link impairments and rate limits: the spec and its words, the per-direction impairer with its
// delay line, the bridge's timer wheel, the seedable PRNG.
export * from './spec.js';
export * from './impairer.js';
export { ImpairWheel } from './wheel.js';
export { Prng } from './prng.js';
