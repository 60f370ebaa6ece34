// The port drivers softbr ships, behind the engine's PortIO interface (bridge/port-io.ts).
// TapPort and PacketPort load the native addon on first open(); MemoryPort needs nothing.
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
