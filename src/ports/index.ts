// The port drivers softbr ships, behind the engine's PortIO interface (bridge/port-io.ts).
// TapPort, PacketPort and VhostUserPort load the native addon on first open(); MemoryPort and the
// socket ports for QEMU guests (StreamPort, DgramPort) need nothing native.
export { TapPort, type TapPortOptions } from './tap.js';
export { PacketPort, type PacketPortOptions, type OffloadChange } from './packet.js';
export {
  MemoryPort,
  MemoryLink,
  MemoryNet,
  type MemoryPortOptions,
  type MemoryNetOptions,
  type MemoryNetMode,
} from './memory.js';
export {
  StreamPort,
  DgramPort,
  StreamDeframer,
  STREAM_MIN_FRAME,
  STREAM_MAX_FRAME,
  type StreamPortOptions,
  type StreamPortStats,
  type DgramPortOptions,
  type FrameBatchSink,
} from './qemu-socket.js';
export { VhostUserPort, type VhostUserPortOptions, type VhostRole } from './vhost-user.js';
