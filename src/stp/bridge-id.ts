// Bridge ids and port ids of 802.1D: construction, ordering (the kernel's memcmp of 8 bytes) and
// the text forms brctl prints (`8000.3a34cf199539`, `8001`).
import { formatMacPlain } from '../frame/mac.js';

/**
 * A bridge id: 16-bit priority + 48-bit MAC. Kept as two numbers because priority·2^48 + mac
 * does not fit a double exactly.
 */
export interface BridgeId {
  readonly prio: number;
  readonly mac: number;
}

export function bridgeId(prio: number, mac: number): BridgeId {
  return { prio, mac };
}

/** Order of the kernel's memcmp over the 8 big-endian bytes: priority first, then MAC. */
export function compareBridgeId(a: BridgeId, b: BridgeId): number {
  if (a.prio !== b.prio) return a.prio < b.prio ? -1 : 1;
  if (a.mac !== b.mac) return a.mac < b.mac ? -1 : 1;
  return 0;
}

export function bridgeIdEquals(a: BridgeId, b: BridgeId): boolean {
  return a.prio === b.prio && a.mac === b.mac;
}

/** `8000.3a34cf199539`, as brctl and sysfs print a bridge id. */
export function formatBridgeId(id: BridgeId): string {
  return `${id.prio.toString(16).padStart(4, '0')}.${formatMacPlain(id.mac)}`;
}

/** Kernel port-number width: port id = (priority << 10) | port_no (BR_PORT_BITS). */
export const PORT_BITS = 10;
const PORT_NO_MASK = (1 << PORT_BITS) - 1;

export function makePortId(priority: number, portNo: number): number {
  return ((priority << PORT_BITS) | (portNo & PORT_NO_MASK)) & 0xffff;
}

/** `8001`, as brctl prints a port id. */
export function formatPortId(id: number): string {
  return id.toString(16).padStart(4, '0');
}
