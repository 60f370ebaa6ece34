// Ethernet II / 802.1Q / LLC header layout: offsets, EtherTypes, and allocation-free readers.
import { readMac, writeMac } from './mac.js';

export const ETH_HLEN = 14;
export const ETH_MIN_LEN = 14;
/** Header + 802.1Q tag + FCS room: a frame may be at most MTU + 18 bytes on the wire we accept. */
export const ETH_OVERHEAD = 18;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Largest 802.1Q VLAN id (12 bits); 0 means untagged. */
export const VLAN_ID_MAX = 4095;
/** Largest VLAN a port can be a member of: 4095 is reserved (802.1Q), as 0 means untagged. */
export const VLAN_MEMBER_MAX = 4094;
/** Values ≤ 1500 in the type field are an 802.3 length (LLC follows). */
export const ETH_MAX_LENGTH_FIELD = 1500;

export function dstMac(buf: Uint8Array, off: number): number { return readMac(buf, off); }
export function srcMac(buf: Uint8Array, off: number): number { return readMac(buf, off + 6); }
export function etherTypeAt(buf: Uint8Array, off: number): number { return (buf[off + 12]! << 8) | buf[off + 13]!; }

/** VLAN id of an 802.1Q-tagged frame, or -1 when untagged (or too short to carry a tag). */
export function vlanIdOf(buf: Uint8Array, off: number, len: number): number {
  if (len < 18) return -1;
  if (etherTypeAt(buf, off) !== ETHERTYPE_VLAN) return -1;
  return ((buf[off + 14]! << 8) | buf[off + 15]!) & 0x0fff;
}

/** The EtherType after any 802.1Q tag; for an 802.3 frame, its length field. */
export function innerEtherType(buf: Uint8Array, off: number, len: number): number {
  const t = etherTypeAt(buf, off);
  if (t === ETHERTYPE_VLAN && len >= 18) return (buf[off + 16]! << 8) | buf[off + 17]!;
  return t;
}

export function isLlc(buf: Uint8Array, off: number): boolean {
  return etherTypeAt(buf, off) <= ETH_MAX_LENGTH_FIELD;
}

export interface EthernetFields {
  dst: number;
  src: number;
  etherType: number;
  vlan?: number;
  pcp?: number;
  payload?: Uint8Array;
}

/** Builds a frame (for tests, traces, BPDUs); not used on the fast path. */
export function buildEthernet(f: EthernetFields): Uint8Array {
  const payload = f.payload ?? new Uint8Array(46);
  const tagged = f.vlan !== undefined;
  const hlen = tagged ? 18 : 14;
  const out = new Uint8Array(hlen + payload.length);
  writeMac(out, 0, f.dst);
  writeMac(out, 6, f.src);
  let o = 12;
  if (tagged) {
    out[12] = 0x81; out[13] = 0x00;
    const tci = ((f.pcp ?? 0) << 13) | (f.vlan! & 0x0fff);
    out[14] = tci >> 8; out[15] = tci & 0xff;
    o = 16;
  }
  out[o] = (f.etherType >> 8) & 0xff;
  out[o + 1] = f.etherType & 0xff;
  out.set(payload, hlen);
  return out;
}

/** LLC header for STP: DSAP 0x42, SSAP 0x42, control 0x03 (UI). */
export const LLC_STP = [0x42, 0x42, 0x03] as const;

export function isStpLlc(buf: Uint8Array, off: number, len: number): boolean {
  return len >= 17 && buf[off + 14] === 0x42 && buf[off + 15] === 0x42 && buf[off + 16] === 0x03;
}
