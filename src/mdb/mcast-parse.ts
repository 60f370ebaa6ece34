// What an IP multicast frame is, for IGMP/MLD snooping: not IP (left to flooding), link-local
// (224.0.0.0/24, ff02::1: always flooded), data to a group, an IGMP/MLD message, or malformed.
// Messages are checked whole (lengths, every record, the checksum) before anything is learned
// from them, so a malformed one is counted and dropped having changed nothing. No allocation:
// results go into one McastInfo the caller owns. Reads only inside [off, off+len).
import { onesSum } from '../frame/checksum.js';

/** classifyMcast() results. */
export const MC_NOT_IP = 0;
export const MC_LINK_LOCAL = 1;
export const MC_DATA = 2;
export const MC_CONTROL = 3;
export const MC_MALFORMED = 4;

/** Message kinds of an MC_CONTROL frame. */
export const MSG_QUERY = 1;
/** IGMPv1/v2 report, MLDv1 report: one group joined (McastInfo.group). */
export const MSG_REPORT = 2;
/** IGMPv2 leave, MLDv1 done: one group left. */
export const MSG_LEAVE = 3;
/** IGMPv3 / MLDv2 report: records at McastInfo.l4 + 8, McastInfo.records of them. */
export const MSG_REPORT_V3 = 4;
/** Another IGMP type (DVMRP, PIM v1, mtrace…): flooded, nothing learned. */
export const MSG_OTHER = 5;

export class McastInfo {
  /** 4 or 6. */
  family = 0;
  /** Offset in the frame of the destination address (4 or 16 bytes). */
  dst = 0;
  /** Offset of the IGMP / ICMPv6 message and its length. */
  l4 = 0;
  l4len = 0;
  msg = 0;
  /** Offset of the group address a query, v1/v2 report or leave names (all-zero in a general query). */
  group = 0;
  /** A general query (group 0 / ::). */
  general = false;
  /** Records of a v3 report. */
  records = 0;
}

const IGMP = 2;
const ICMPV6 = 58;

/**
 * Classifies the frame buf[off .. off+len) whose destination MAC is a group address: IPv4 or
 * IPv6 (after at most one 802.1Q tag) to a multicast address. Fills info for MC_DATA and MC_CONTROL.
 */
export function classifyMcast(buf: Uint8Array, off: number, len: number, info: McastInfo): number {
  if (len < 14) return MC_MALFORMED;
  let l3 = off + 14;
  let et = (buf[off + 12]! << 8) | buf[off + 13]!;
  if (et === 0x8100) {
    if (len < 18) return MC_NOT_IP;
    et = (buf[off + 16]! << 8) | buf[off + 17]!;
    l3 = off + 18;
  }
  const end = off + len;
  if (et === 0x0800) return classify4(buf, l3, end, info);
  if (et === 0x86dd) return classify6(buf, l3, end, info);
  return MC_NOT_IP;
}

function classify4(buf: Uint8Array, l3: number, end: number, info: McastInfo): number {
  if (end - l3 < 20) return MC_MALFORMED;
  const vihl = buf[l3]!;
  const ihl = (vihl & 15) * 4;
  const total = (buf[l3 + 2]! << 8) | buf[l3 + 3]!;
  if (vihl >> 4 !== 4 || ihl < 20 || total < ihl || l3 + total > end) return MC_MALFORMED;
  const d = l3 + 16;
  if ((buf[d]! & 0xf0) !== 0xe0) return MC_NOT_IP; // a group MAC, a unicast IP: not snooped
  info.family = 4;
  info.dst = d;
  const proto = buf[l3 + 9]!;
  const fragmented = (((buf[l3 + 6]! << 8) | buf[l3 + 7]!) & 0x3fff) !== 0;
  if (proto === IGMP && !fragmented) return igmp(buf, l3 + ihl, total - ihl, info);
  if (buf[d] === 224 && buf[d + 1] === 0 && buf[d + 2] === 0) return MC_LINK_LOCAL;
  return MC_DATA;
}

function igmp(buf: Uint8Array, p: number, n: number, info: McastInfo): number {
  if (n < 8 || onesSum(buf, p, n) !== 0xffff) return MC_MALFORMED;
  info.l4 = p;
  info.l4len = n;
  info.group = p + 4;
  const type = buf[p]!;
  const g0 = buf[p + 4]!;
  const zero = (g0 | buf[p + 5]! | buf[p + 6]! | buf[p + 7]!) === 0;
  const isGroup = (g0 & 0xf0) === 0xe0;
  info.general = zero;
  switch (type) {
    case 0x11: // query: v1/v2 8 bytes, v3 at least 12 with its sources
      if (n > 8 && (n < 12 || 12 + 4 * ((buf[p + 10]! << 8) | buf[p + 11]!) > n)) return MC_MALFORMED;
      if (!zero && !isGroup) return MC_MALFORMED;
      info.msg = MSG_QUERY;
      return MC_CONTROL;
    case 0x12: case 0x16: // v1, v2 report
      if (!isGroup) return MC_MALFORMED;
      info.msg = MSG_REPORT;
      return MC_CONTROL;
    case 0x17: // v2 leave
      if (!isGroup) return MC_MALFORMED;
      info.msg = MSG_LEAVE;
      return MC_CONTROL;
    case 0x22: { // v3 report
      const nrec = (buf[p + 6]! << 8) | buf[p + 7]!;
      let r = p + 8;
      for (let i = 0; i < nrec; i++) {
        if (r + 8 > p + n) return MC_MALFORMED;
        if ((buf[r + 4]! & 0xf0) !== 0xe0) return MC_MALFORMED;
        r += 8 + 4 * ((buf[r + 2]! << 8) | buf[r + 3]!) + 4 * buf[r + 1]!;
      }
      if (r > p + n) return MC_MALFORMED;
      info.records = nrec;
      info.msg = MSG_REPORT_V3;
      return MC_CONTROL;
    }
    default:
      info.msg = MSG_OTHER;
      return MC_CONTROL;
  }
}

function classify6(buf: Uint8Array, l3: number, end: number, info: McastInfo): number {
  if (end - l3 < 40) return MC_MALFORMED;
  const plen = (buf[l3 + 4]! << 8) | buf[l3 + 5]!;
  if (buf[l3]! >> 4 !== 6 || l3 + 40 + plen > end) return MC_MALFORMED;
  const d = l3 + 24;
  if (buf[d] !== 0xff) return MC_NOT_IP;
  info.family = 6;
  info.dst = d;
  // extension headers before ICMPv6: hop-by-hop (MLD's router alert), routing, destination options
  let nh = buf[l3 + 6]!;
  let p = l3 + 40;
  const stop = l3 + 40 + plen;
  for (let k = 0; k < 4 && (nh === 0 || nh === 43 || nh === 60); k++) {
    if (p + 8 > stop) return MC_MALFORMED;
    const next = buf[p]!;
    p += (buf[p + 1]! + 1) * 8;
    nh = next;
  }
  if (p > stop) return MC_MALFORMED;
  const allNodes = buf[d + 1] === 2 && isAllNodesTail(buf, d);
  if (nh === ICMPV6 && stop - p >= 1) {
    const t = buf[p]!;
    if (t === 130 || t === 131 || t === 132 || t === 143) return mld(buf, l3, p, stop - p, info);
  }
  return allNodes ? MC_LINK_LOCAL : MC_DATA;
}

/** ff02::1 (bytes 2–14 zero, last byte 1), given its first two bytes are checked. */
function isAllNodesTail(buf: Uint8Array, d: number): boolean {
  for (let i = 2; i < 15; i++) if (buf[d + i] !== 0) return false;
  return buf[d + 15] === 1;
}

function mld(buf: Uint8Array, l3: number, p: number, n: number, info: McastInfo): number {
  if (n < 8) return MC_MALFORMED;
  // ICMPv6 checksum over the pseudo-header (source, destination, length, next header 58) and the message
  let s = onesSum(buf, l3 + 8, 32);
  s = onesSum(buf, p, n, s + (n >>> 16) + (n & 0xffff) + ICMPV6);
  if (s !== 0xffff) return MC_MALFORMED;
  info.l4 = p;
  info.l4len = n;
  const type = buf[p]!;
  if (type === 143) { // MLDv2 report: 8 bytes, then records of 20 + 16 × sources + 4 × aux words
    const nrec = (buf[p + 6]! << 8) | buf[p + 7]!;
    let r = p + 8;
    for (let i = 0; i < nrec; i++) {
      if (r + 20 > p + n) return MC_MALFORMED;
      if (buf[r + 4] !== 0xff) return MC_MALFORMED;
      r += 20 + 16 * ((buf[r + 2]! << 8) | buf[r + 3]!) + 4 * buf[r + 1]!;
    }
    if (r > p + n) return MC_MALFORMED;
    info.records = nrec;
    info.msg = MSG_REPORT_V3;
    return MC_CONTROL;
  }
  // query (v1 24 bytes, v2 28 + sources), report, done: the group after 8 bytes
  if (n < 24) return MC_MALFORMED;
  const g = p + 8;
  info.group = g;
  let zero = true;
  for (let i = 0; i < 16; i++) if (buf[g + i] !== 0) { zero = false; break; }
  info.general = zero;
  if (type === 130) {
    if (n > 24 && (n < 28 || 28 + 16 * ((buf[p + 26]! << 8) | buf[p + 27]!) > n)) return MC_MALFORMED;
    if (!zero && buf[g] !== 0xff) return MC_MALFORMED;
    info.msg = MSG_QUERY;
    return MC_CONTROL;
  }
  if (buf[g] !== 0xff) return MC_MALFORMED;
  info.msg = type === 131 ? MSG_REPORT : MSG_LEAVE;
  return MC_CONTROL;
}

/**
 * A v3 report record at r: its type (1–6), group offset, and where the next record starts.
 * Only for reports classifyMcast() accepted (their records are known to fit).
 */
export function recordType(buf: Uint8Array, r: number): number { return buf[r]!; }
export function recordGroup(r: number): number { return r + 4; }
export function nextRecord(buf: Uint8Array, r: number, family: number): number {
  const nsrc = (buf[r + 2]! << 8) | buf[r + 3]!;
  return family === 4 ? r + 8 + 4 * nsrc + 4 * buf[r + 1]! : r + 20 + 16 * nsrc + 4 * buf[r + 1]!;
}
/** Sources in a record (IS_INCLUDE / TO_INCLUDE with none is a leave). */
export function recordSources(buf: Uint8Array, r: number): number { return (buf[r + 2]! << 8) | buf[r + 3]!; }
