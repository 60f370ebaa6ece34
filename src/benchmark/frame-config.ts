// The frames the generator sends: one IPv4/UDP frame from h1 to h2 of an exact length, written as
// a trafgen packet config of literal bytes (no --cpp, no trafgen functions, so any trafgen reads it).
import { onesSum, checksumOf } from '../frame/checksum.js';

export interface FrameEndpoints { srcMac: string; dstMac: string; srcIp: string; dstIp: string; udpPort: number }

const ETH = 14;
const IP = 20;
const UDP = 8;
export const MIN_FRAME = ETH + IP + UDP;
/** the largest frame on a 1500-byte MTU link (without FCS) */
export const MAX_FRAME = 1514;

function macBytes(mac: string): number[] {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new RangeError(`bad MAC ${mac}`);
  return parts.map((p) => parseInt(p, 16));
}

function ipBytes(ip: string): number[] {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`bad IPv4 address ${ip}`);
  return parts;
}

/** RFC 1071 checksum of an IPv4 header. */
export function ipv4HeaderChecksum(h: Uint8Array): number {
  return checksumOf(onesSum(h, 0, h.length));
}

/** An Ethernet + IPv4 + UDP frame of `length` bytes (UDP checksum 0: none, allowed on IPv4). */
export function udpFrame(e: FrameEndpoints, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < MIN_FRAME || length > MAX_FRAME) {
    throw new RangeError(`frame length ${length}: allowed ${MIN_FRAME}–${MAX_FRAME}`);
  }
  const f = new Uint8Array(length);
  f.set(macBytes(e.dstMac), 0);
  f.set(macBytes(e.srcMac), 6);
  f[12] = 0x08; f[13] = 0x00;
  const ipLen = length - ETH;
  const ip = f.subarray(ETH, ETH + IP);
  ip[0] = 0x45;
  ip[2] = ipLen >> 8; ip[3] = ipLen & 0xff;
  ip[6] = 0x40; // don't fragment
  ip[8] = 64; // TTL
  ip[9] = 17; // UDP
  ip.set(ipBytes(e.srcIp), 12);
  ip.set(ipBytes(e.dstIp), 16);
  const ck = ipv4HeaderChecksum(ip);
  ip[10] = ck >> 8; ip[11] = ck & 0xff;
  const udp = ETH + IP;
  const udpLen = length - udp;
  f[udp] = e.udpPort >> 8; f[udp + 1] = e.udpPort & 0xff;
  f[udp + 2] = e.udpPort >> 8; f[udp + 3] = e.udpPort & 0xff;
  f[udp + 4] = udpLen >> 8; f[udp + 5] = udpLen & 0xff;
  return f;
}

/** trafgen's config syntax: one packet in braces, bytes as hex literals. */
export function trafgenConfig(frame: Uint8Array): string {
  const bytes = Array.from(frame, (b) => `0x${b.toString(16).padStart(2, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) lines.push('  ' + bytes.slice(i, i + 16).join(', '));
  return `{\n${lines.join(',\n')}\n}\n`;
}
