// IGMP, MLD and multicast data frames for snooping tests, built byte by byte from the RFCs
// (checksums included) so the parser is tested against what hosts send, not against itself.
import { onesSum, checksumOf } from '../../src/frame/checksum.js';
import { writeMac } from '../../src/frame/mac.js';

export function ip4(s: string): number[] { return s.split('.').map(Number); }

export function ip6(s: string): number[] {
  const [head, tail] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = [...h, ...Array(8 - h.length - t.length).fill('0'), ...(tail !== undefined ? t : [])].map((w) => parseInt(w, 16));
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

function eth(dst: number[], src: number, type: number, payload: number[]): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(dst, 0);
  writeMac(f, 6, src);
  f[12] = type >> 8; f[13] = type & 0xff;
  f.set(payload, 14);
  return f;
}

function groupMac4(g: number[]): number[] { return [0x01, 0x00, 0x5e, g[1]! & 0x7f, g[2]!, g[3]!]; }
function groupMac6(g: number[]): number[] { return [0x33, 0x33, g[12]!, g[13]!, g[14]!, g[15]!]; }

/** An IPv4 packet (with router alert when ra) carrying payload; the header checksum filled in. */
function ipv4(src: number[], dst: number[], proto: number, payload: number[], ra: boolean): number[] {
  const ihl = ra ? 24 : 20;
  const h = new Uint8Array(ihl);
  h.set([0x40 | (ihl / 4), 0, (ihl + payload.length) >> 8, (ihl + payload.length) & 0xff, 0, 0, 0, 0, 1, proto, 0, 0, ...src, ...dst]);
  if (ra) h.set([0x94, 4, 0, 0], 20);
  const c = checksumOf(onesSum(h, 0, ihl));
  h[10] = c >> 8; h[11] = c & 0xff;
  return [...h, ...payload];
}

function withChecksum(m: number[], at = 2): number[] {
  const b = Uint8Array.from(m);
  const c = checksumOf(onesSum(b, 0, b.length));
  b[at] = c >> 8; b[at + 1] = c & 0xff;
  return [...b];
}

const SRC4 = ip4('10.1.0.9');

/** IGMPv2 membership report (0x16) for group, to the group. */
export function igmpV2Report(src: number, group: string): Uint8Array {
  const g = ip4(group);
  return eth(groupMac4(g), src, 0x0800, ipv4(SRC4, g, 2, withChecksum([0x16, 0, 0, 0, ...g]), true));
}

/** IGMPv2 leave (0x17) for group, to 224.0.0.2. */
export function igmpLeave(src: number, group: string): Uint8Array {
  const g = ip4(group);
  const d = ip4('224.0.0.2');
  return eth(groupMac4(d), src, 0x0800, ipv4(SRC4, d, 2, withChecksum([0x17, 0, 0, 0, ...g]), true));
}

/** IGMPv2 query: general (group null) to 224.0.0.1 or group-specific to the group. */
export function igmpQuery(src: number, group: string | null = null): Uint8Array {
  const g = group ? ip4(group) : [0, 0, 0, 0];
  const d = group ? g : ip4('224.0.0.1');
  return eth(groupMac4(d), src, 0x0800, ipv4(SRC4, d, 2, withChecksum([0x11, 100, 0, 0, ...g]), true));
}

/** IGMPv3 report to 224.0.0.22 with records [type, group, sources]. */
export function igmpV3Report(src: number, records: [number, string, string[]][]): Uint8Array {
  const body: number[] = [0x22, 0, 0, 0, 0, 0, records.length >> 8, records.length & 0xff];
  for (const [t, g, ss] of records) body.push(t, 0, ss.length >> 8, ss.length & 0xff, ...ip4(g), ...ss.flatMap(ip4));
  const d = ip4('224.0.0.22');
  return eth(groupMac4(d), src, 0x0800, ipv4(SRC4, d, 2, withChecksum(body), true));
}

/** A UDP datagram to group (IPv4) with n bytes of payload. */
export function udp4(src: number, group: string, n = 18): Uint8Array {
  const g = ip4(group);
  const u = [0x13, 0x88, 0x13, 0x88, 0, 8 + n, 0, 0, ...Array(n).fill(0x61)];
  return eth(groupMac4(g), src, 0x0800, ipv4(SRC4, g, 17, u, false));
}

const SRC6 = ip6('fe80::1');

/** An IPv6 packet with a hop-by-hop router alert before ICMPv6 message m (checksum filled in) when icmp, else a UDP payload. */
function ipv6(dst: number[], next: number, payload: number[], hbh: boolean): number[] {
  const body = hbh ? [next, 0, 5, 2, 0, 0, 1, 0, ...payload] : payload;
  const len = body.length;
  const h = [0x60, 0, 0, 0, len >> 8, len & 0xff, hbh ? 0 : next, 1, ...SRC6, ...dst];
  if (next === 58) {
    const off = 40 + (hbh ? 8 : 0);
    const all = Uint8Array.from([...h, ...body]);
    const n = payload.length;
    let s = onesSum(all, 8, 32);
    s = onesSum(all, off, n, s + n + 58);
    const c = checksumOf(s);
    all[off + 2] = c >> 8; all[off + 3] = c & 0xff;
    return [...all];
  }
  return [...h, ...body];
}

/** MLDv1 report (131) for group. */
export function mldV1Report(src: number, group: string): Uint8Array {
  const g = ip6(group);
  return eth(groupMac6(g), src, 0x86dd, ipv6(g, 58, [131, 0, 0, 0, 0, 0, 0, 0, ...g], true));
}

/** MLDv2 report (143) to ff02::16 with records [type, group]. */
export function mldV2Report(src: number, records: [number, string][]): Uint8Array {
  const body: number[] = [143, 0, 0, 0, 0, 0, records.length >> 8, records.length & 0xff];
  for (const [t, g] of records) body.push(t, 0, 0, 0, ...ip6(g));
  const d = ip6('ff02::16');
  return eth(groupMac6(d), src, 0x86dd, ipv6(d, 58, body, true));
}

/** A UDP datagram to an IPv6 group. */
export function udp6(src: number, group: string, n = 18): Uint8Array {
  const g = ip6(group);
  return eth(groupMac6(g), src, 0x86dd, ipv6(g, 17, [0x13, 0x88, 0x13, 0x88, 0, 8 + n, 0, 0, ...Array(n).fill(0x61)], false));
}
