// IPv4 addresses as 32-bit numbers (host byte order), the form the UDP addon reports and takes,
// and back to dotted quads for people. Off the fast path: parse and format allocate strings.
import { isIPv4 } from 'node:net';

/** 10.200.0.1 → 0x0ac80001; throws RangeError for anything but a dotted-quad IPv4 address. */
export function ipv4ToNumber(s: string): number {
  if (!isIPv4(s)) throw new RangeError(`'${s}' is not an IPv4 address`);
  const p = s.split('.');
  return ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]);
}

export function numberToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** 224.0.0.0/4. */
export function isMulticastIpv4(n: number): boolean {
  return n >>> 28 === 0xe;
}
