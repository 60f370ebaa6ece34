// The Internet checksum (RFC 1071) over byte ranges, for the IP headers, IGMP and MLD messages
// the engine checks and builds. Not per frame: only control messages are summed.

/** The 16-bit one's-complement sum of buf[off .. off+len) added to sum, folded (an odd last byte is padded with zero). */
export function onesSum(buf: Uint8Array, off: number, len: number, sum = 0): number {
  let s = sum;
  const end = off + len;
  let i = off;
  for (; i + 1 < end; i += 2) s += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) s += buf[i]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The checksum to write into a header whose bytes (checksum field zero) sum to sum. */
export function checksumOf(sum: number): number {
  return ~sum & 0xffff;
}
