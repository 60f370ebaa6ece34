// One-line, tcpdump-like descriptions of captured frames for `softbr capture` without -w:
// Ethernet addresses, 802.1Q tag, and a short decode of ARP, IPv4 (ICMP/TCP/UDP), IPv6 and STP.
// Off the fast path: runs in the CLI on frames the daemon streamed.
import { formatMac, readMac } from '../frame/mac.js';
import { splitTimestamp } from './pcap.js';

const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply', 3: 'destination unreachable', 5: 'redirect', 8: 'echo request', 11: 'time exceeded',
};
const ICMP6_TYPES: Record<number, string> = {
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 128: 'echo request', 129: 'echo reply',
  133: 'router solicitation', 134: 'router advertisement', 135: 'neighbor solicitation', 136: 'neighbor advertisement',
};
const IP_PROTOS: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 58: 'ICMP6', 132: 'SCTP' };

function u16(b: Uint8Array, o: number): number { return (b[o]! << 8) | b[o + 1]!; }

function ipv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form: lower case, longest run of zero groups (≥ 2) as '::'. */
export function formatIpv6(b: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(u16(b, o + 2 * i));
  let bestAt = -1; let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

function ethertypeName(t: number): string {
  switch (t) {
    case 0x0800: return 'IPv4';
    case 0x0806: return 'ARP';
    case 0x86dd: return 'IPv6';
    case 0x8100: return '802.1Q';
    case 0x88a8: return '802.1ad';
    case 0x88cc: return 'LLDP';
    case 0x8809: return 'Slow Protocols';
    default: return `ethertype 0x${t.toString(16).padStart(4, '0')}`;
  }
}

function describeArp(b: Uint8Array, o: number, end: number): string {
  if (end - o < 28) return 'truncated';
  const op = u16(b, o + 6);
  const sha = formatMac(readMac(b, o + 8));
  const spa = ipv4(b, o + 14);
  const tpa = ipv4(b, o + 24);
  if (op === 1) return `Request who-has ${tpa} tell ${spa}, length ${end - o}`;
  if (op === 2) return `Reply ${spa} is-at ${sha}, length ${end - o}`;
  return `op ${op}, length ${end - o}`;
}

function describeIpv4(b: Uint8Array, o: number, end: number): string {
  if (end - o < 20 || b[o]! >> 4 !== 4) return 'truncated IPv4';
  const ihl = (b[o]! & 0x0f) * 4;
  const proto = b[o + 9]!;
  const src = ipv4(b, o + 12);
  const dst = ipv4(b, o + 16);
  const payloadLen = u16(b, o + 2) - ihl;
  const p = o + ihl;
  const first = (u16(b, o + 6) & 0x1fff) === 0;
  const name = IP_PROTOS[proto] ?? `ip-proto-${proto}`;
  if (first && (proto === 6 || proto === 17) && end - p >= 8) {
    const len = proto === 17 ? u16(b, p + 4) - 8 : payloadLen - ((b[p + 12]! >> 4) * 4);
    return `${src}.${u16(b, p)} > ${dst}.${u16(b, p + 2)}: ${name}, length ${len}`;
  }
  if (first && proto === 1 && end - p >= 8) {
    const type = b[p]!;
    let what = `ICMP ${ICMP_TYPES[type] ?? `type ${type}`}`;
    if (type === 0 || type === 8) what += `, id ${u16(b, p + 4)}, seq ${u16(b, p + 6)}`;
    return `${src} > ${dst}: ${what}, length ${payloadLen}`;
  }
  return `${src} > ${dst}: ${name}, length ${payloadLen}`;
}

function describeIpv6(b: Uint8Array, o: number, end: number): string {
  if (end - o < 40) return 'truncated IPv6';
  const next = b[o + 6]!;
  const src = formatIpv6(b, o + 8);
  const dst = formatIpv6(b, o + 24);
  const plen = u16(b, o + 4);
  const p = o + 40;
  const name = IP_PROTOS[next] ?? `next-header ${next}`;
  if (next === 58 && end - p >= 1) return `${src} > ${dst}: ICMP6, ${ICMP6_TYPES[b[p]!] ?? `type ${b[p]}`}, length ${plen}`;
  if ((next === 6 || next === 17) && end - p >= 4) return `${src}.${u16(b, p)} > ${dst}.${u16(b, p + 2)}: ${name}, length ${plen}`;
  return `${src} > ${dst}: ${name}, length ${plen}`;
}

function describeLlc(b: Uint8Array, o: number, end: number): string {
  if (end - o < 3) return 'truncated LLC';
  if (b[o] === 0x42 && b[o + 1] === 0x42 && b[o + 2] === 0x03) {
    const t = end - o >= 7 ? b[o + 6]! : -1;
    const kind = t === 0x00 ? 'Config' : t === 0x80 ? 'Topology Change' : t === 0x02 ? 'Rapid STP' : t < 0 ? 'truncated' : `type 0x${t.toString(16)}`;
    return `STP 802.1d, ${kind}`;
  }
  return `LLC dsap 0x${b[o]!.toString(16).padStart(2, '0')} ssap 0x${b[o + 1]!.toString(16).padStart(2, '0')}`;
}

export interface FrameSummary {
  /** `src > dst, ethertype IPv4 (0x0800)` (with `vlan N` when tagged). */
  link: string;
  /** What the payload is: `10.0.0.1 > 10.0.0.2: ICMP echo request, id 7, seq 1, length 64`. */
  payload: string;
}

function typeText(t: number): string {
  const hex = `0x${t.toString(16).padStart(4, '0')}`;
  const name = ethertypeName(t);
  return name.startsWith('ethertype ') ? `ethertype Unknown (${hex})` : `ethertype ${name} (${hex})`;
}

/** Splits a frame of incl captured bytes into its link-layer and payload descriptions. */
export function summarizeFrame(b: Uint8Array, incl = b.length): FrameSummary {
  if (incl < 14) return { link: `runt frame (${incl} bytes)`, payload: '' };
  let link = `${formatMac(readMac(b, 6))} > ${formatMac(readMac(b, 0))}`;
  let o = 12;
  let t = u16(b, o);
  while ((t === 0x8100 || t === 0x88a8) && incl >= o + 6) {
    const tci = u16(b, o + 2);
    link += `, ${t === 0x8100 ? '802.1Q' : '802.1ad'} vlan ${tci & 0x0fff}${tci >> 13 ? ` p ${tci >> 13}` : ''}`;
    o += 4;
    t = u16(b, o);
  }
  const p = o + 2;
  if (t <= 1500) return { link: `${link}, 802.3`, payload: describeLlc(b, p, incl) };
  link += `, ${typeText(t)}`;
  switch (t) {
    case 0x0806: return { link, payload: `ARP, ${describeArp(b, p, incl)}` };
    case 0x0800: return { link, payload: describeIpv4(b, p, incl) };
    case 0x86dd: return { link, payload: describeIpv6(b, p, incl) };
    default: return { link, payload: '' };
  }
}

/** Local time of day with µs, as tcpdump prints it: 14:03:07.123456. */
export function formatTimeOfDay(tsMs: number): string {
  // the same rounding as the pcap record, so a line and the file agree to the microsecond
  const { sec, usec } = splitTimestamp(tsMs);
  const d = new Date(sec * 1000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(usec).padStart(6, '0')}`;
}

/** The line `softbr capture` prints per frame, in tcpdump -e's shape: time, direction, addresses, type, length, payload. */
export function formatCaptureLine(tsMs: number, dir: 'in' | 'out', data: Uint8Array, origLen: number, port?: string): string {
  const { link, payload } = summarizeFrame(data, data.length);
  // with every port captured, the port comes first, as tcpdump -i any prints the interface
  return `${formatTimeOfDay(tsMs)} ${port !== undefined ? `${port} ` : ''}${dir.padEnd(3)} ${link}, length ${origLen}${payload ? `: ${payload}` : ''}`;
}
