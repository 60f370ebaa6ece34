// MAC addresses as 48-bit numbers (hi16 * 2**32 + lo32): parse, format, read/write in buffers,
// and the address-class tests (broadcast, multicast, link-local) the fast path needs.
import { UserError } from '../user-error.js';

export const MAC_BROADCAST = 0xffffffffffff;
/** 01:80:c2:00:00:00 — the IEEE 802.1D bridge group address (STP BPDUs). */
export const MAC_STP = 0x0180c2000000;
const TWO32 = 0x100000000;

const MAC_RE = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/;

/** Parses `aa:bb:cc:dd:ee:ff` (or with dashes). Anything else throws a UserError naming the bad value. */
export function parseMac(s: string): number {
  const m = MAC_RE.exec(typeof s === 'string' ? s.trim() : '');
  if (!m) throw new UserError(`invalid MAC address '${s}': expected six hex pairs like aa:bb:cc:dd:ee:ff`);
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i]!, 16);
  return v;
}

export function isValidMacString(s: string): boolean {
  return MAC_RE.test(s);
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** Lower-case colon form, as iproute2 and brctl print it. */
export function formatMac(mac: number): string {
  const hi = Math.floor(mac / TWO32);
  const lo = mac >>> 0;
  return `${HEX[(hi >>> 8) & 0xff]}:${HEX[hi & 0xff]}:${HEX[lo >>> 24]}:${HEX[(lo >>> 16) & 0xff]}:${HEX[(lo >>> 8) & 0xff]}:${HEX[lo & 0xff]}`;
}

/** Hex without separators, as in a bridge id (`8000.3a34cf199539`). */
export function formatMacPlain(mac: number): string {
  return formatMac(mac).replace(/:/g, '');
}

/** Reads 6 bytes at off as a 48-bit number; no allocation. */
export function readMac(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 8) | buf[off + 1]!) * TWO32
    + ((buf[off + 2]! << 24) >>> 0) + ((buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]!);
}

// The MAC at off as two small integers, for the per-frame path: hi16 = bytes 0–1, lo32 = bytes
// 2–5 as an int32 (negative when byte 2 ≥ 0x80). Integer math only, and neither is ever a boxed
// double; the 48-bit number is hi16 * 2**32 + (lo32 >>> 0) (macFromHiLo).

/** Top 16 bits of the MAC at off. */
export function readMacHi(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

/** Low 32 bits of the MAC at off, as an int32. */
export function readMacLo(buf: Uint8Array, off: number): number {
  return (buf[off + 2]! << 24) | (buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]!;
}

/** The 48-bit number of a MAC given as hi16 and lo32 (int32 or uint32). */
export function macFromHiLo(hi: number, lo: number): number {
  return (hi & 0xffff) * TWO32 + (lo >>> 0);
}

export function writeMac(buf: Uint8Array, off: number, mac: number): void {
  const hi = Math.floor(mac / TWO32);
  const lo = mac >>> 0;
  buf[off] = (hi >>> 8) & 0xff;
  buf[off + 1] = hi & 0xff;
  buf[off + 2] = lo >>> 24;
  buf[off + 3] = (lo >>> 16) & 0xff;
  buf[off + 4] = (lo >>> 8) & 0xff;
  buf[off + 5] = lo & 0xff;
}

export function macToBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  writeMac(b, 0, mac);
  return b;
}

/** Group bit (I/G) set: multicast or broadcast. */
export function isMulticast(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 1) === 1;
}

export function isBroadcast(mac: number): boolean {
  return mac === MAC_BROADCAST;
}

export function isUnicast(mac: number): boolean {
  return !isMulticast(mac);
}

export function isZeroMac(mac: number): boolean {
  return mac === 0;
}

/** 01:80:c2:00:00:00 … 01:80:c2:00:00:0f — never forwarded by an 802.1D bridge by default. */
export function isLinkLocal(mac: number): boolean {
  return mac >= MAC_STP && mac <= MAC_STP + 0x0f;
}

/** A random locally administered unicast MAC (02:…), for bridges and TAPs softbr creates. */
export function randomLocalMac(rand: () => number = Math.random): number {
  let v = 0x02;
  for (let i = 0; i < 5; i++) v = v * 256 + Math.floor(rand() * 256);
  return v;
}
