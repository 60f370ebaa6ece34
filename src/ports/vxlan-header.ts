// The VXLAN header of RFC 7348 §5: 8 bytes before the inner Ethernet frame in a UDP datagram.
//   flags (8: R R R R I R R R) | reserved (24) | VNI (24) | reserved (8)
// Parsing is as strict as the Linux vxlan driver without extensions: the I flag must be set and
// every other flag and reserved bit clear, else the datagram is dropped and counted by reason.
// Pure functions on a buffer and an offset, so that the fast path allocates nothing.

export const VXLAN_HDR_LEN = 8;
/** The IANA port (RFC 7348 §5). */
export const VXLAN_PORT = 4789;
/** What the overlay adds on an IPv4 underlay: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
export const VXLAN_OVERHEAD = 50;
/** VNIs are 24 bits; 0 is a valid VNI (the kernel accepts `id 0`). */
export const VNI_MAX = 0xffffff;

const FLAG_I = 0x08;
const ETH_HDR = 14;

// parseVxlan's refusals (negative, so that a VNI ≥ 0 is the only success)
export const VX_SHORT = -1;
export const VX_NO_I_FLAG = -2;
export const VX_RESERVED = -3;

/** The drop reasons by refusal code, as the port's counters and metrics name them. */
export const VXLAN_DROP_REASONS = ['short', 'no_i_flag', 'reserved'] as const;
export type VxlanDropReason = (typeof VXLAN_DROP_REASONS)[number];

/** Index into VXLAN_DROP_REASONS of a refusal code from parseVxlan. */
export function dropIndex(code: number): number {
  return -code - 1;
}

/**
 * The VNI of the VXLAN datagram buf[off .. off+len), or a refusal: VX_SHORT (no room for the
 * header and an inner Ethernet header), VX_NO_I_FLAG (the VNI is not valid), VX_RESERVED (a
 * reserved bit or another flag is set).
 */
export function parseVxlan(buf: Uint8Array, off: number, len: number): number {
  if (len < VXLAN_HDR_LEN + ETH_HDR) return VX_SHORT;
  const flags = buf[off]!;
  if ((flags & FLAG_I) === 0) return VX_NO_I_FLAG;
  if (flags !== FLAG_I || (buf[off + 1]! | buf[off + 2]! | buf[off + 3]! | buf[off + 7]!) !== 0) return VX_RESERVED;
  return (buf[off + 4]! << 16) | (buf[off + 5]! << 8) | buf[off + 6]!;
}

/** Writes the header for vni at buf[off .. off+8). */
export function writeVxlan(buf: Uint8Array, off: number, vni: number): void {
  buf[off] = FLAG_I;
  buf[off + 1] = 0;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  buf[off + 4] = (vni >>> 16) & 0xff;
  buf[off + 5] = (vni >>> 8) & 0xff;
  buf[off + 6] = vni & 0xff;
  buf[off + 7] = 0;
}
