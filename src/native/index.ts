// The thin TypeScript wrapper over the native addon: the typed binding (binding.ts), what the
// errnos it reports mean for a port (errno-policy.ts), and the batched fd I/O the TAP and
// AF_PACKET drivers share (fd-io.ts), link events by device name (link-events.ts), and the
// super-frame side arrays drivers hand beside their batches (super-frames.ts), and the busy-poll
// window (busy-poll.ts).
export * from './binding.js';
export * from './errno-policy.js';
export * from './fd-io.js';
export * from './link-events.js';
export * from './busy-poll.js';
export { deliverBatch, SuperFrames } from './super-frames.js';
