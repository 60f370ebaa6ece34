// The thin TypeScript wrapper over the native addon: the typed binding (binding.ts) and the
// batched fd I/O the TAP and AF_PACKET drivers share (fd-io.ts).
export * from './binding.js';
export * from './fd-io.js';
