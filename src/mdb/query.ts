// The queries the bridge sends as querier (multicast_querier): IGMPv2 and MLDv1, general (to
// 224.0.0.1 / ff02::1) or for one group (after a leave, to that group). IPv4 from 0.0.0.0 as the
// kernel's bridge without an address does; IPv6 from the link-local address of the bridge MAC
// (EUI-64). Both carry the router alert option their RFCs ask for. Built off the fast path.
import { writeMac } from '../frame/mac.js';
import { onesSum, checksumOf } from '../frame/checksum.js';

/** Max response time of a general query (10 s) and a group-specific one (last member interval, 1 s). */
const GENERAL_RESPONSE_MS = 10_000;
const GROUP_RESPONSE_MS = 1_000;

/** An IGMPv2 query frame; group (4 bytes) for a group-specific one, else general. */
export function buildIgmpQuery(srcMac: number, group: Uint8Array | null): Uint8Array {
  const f = new Uint8Array(14 + 24 + 8);
  const dst = group ?? Uint8Array.of(224, 0, 0, 1);
  f.set([0x01, 0x00, 0x5e, dst[1]! & 0x7f, dst[2]!, dst[3]!], 0);
  writeMac(f, 6, srcMac);
  f[12] = 0x08; f[13] = 0x00;
  const ip = 14;
  f.set([0x46, 0xc0, 0, 32, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0], ip);
  f.set(dst, ip + 16);
  f.set([0x94, 0x04, 0, 0], ip + 20); // router alert
  const c = checksumOf(onesSum(f, ip, 24));
  f[ip + 10] = c >> 8; f[ip + 11] = c & 0xff;
  const q = ip + 24;
  f[q] = 0x11;
  f[q + 1] = (group ? GROUP_RESPONSE_MS : GENERAL_RESPONSE_MS) / 100;
  if (group) f.set(group, q + 4);
  const qc = checksumOf(onesSum(f, q, 8));
  f[q + 2] = qc >> 8; f[q + 3] = qc & 0xff;
  return f;
}

/** An MLDv1 query frame; group (16 bytes) for a group-specific one, else general. */
export function buildMldQuery(srcMac: number, group: Uint8Array | null): Uint8Array {
  const f = new Uint8Array(14 + 40 + 8 + 24);
  const dst = group ?? Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  f.set([0x33, 0x33, dst[12]!, dst[13]!, dst[14]!, dst[15]!], 0);
  writeMac(f, 6, srcMac);
  f[12] = 0x86; f[13] = 0xdd;
  const ip = 14;
  f.set([0x60, 0, 0, 0, 0, 32, 0, 1], ip);
  // fe80::/64 + EUI-64 of the MAC (universal/local bit flipped, ff:fe in the middle)
  const s = ip + 8;
  f[s] = 0xfe; f[s + 1] = 0x80;
  writeMac(f, s + 8, srcMac);
  f.copyWithin(s + 13, s + 11, s + 14);
  f[s + 8] ^= 0x02; f[s + 11] = 0xff; f[s + 12] = 0xfe;
  f.set(dst, ip + 24);
  const h = ip + 40;
  f.set([58, 0, 0x05, 0x02, 0, 0, 0x01, 0x00], h); // next ICMPv6; router alert (MLD); PadN
  const m = h + 8;
  f[m] = 130;
  const resp = group ? GROUP_RESPONSE_MS : GENERAL_RESPONSE_MS;
  f[m + 4] = resp >> 8; f[m + 5] = resp & 0xff;
  if (group) f.set(group, m + 8);
  let sum = onesSum(f, ip + 8, 32);
  sum = onesSum(f, m, 24, sum + 24 + 58);
  const c = checksumOf(sum);
  f[m + 2] = c >> 8; f[m + 3] = c & 0xff;
  return f;
}
