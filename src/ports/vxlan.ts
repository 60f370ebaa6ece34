// VXLAN (RFC 7348) tunnel endpoints. A VxlanSocket is one UDP socket per local address and port,
// read with recvmmsg and written with sendmmsg (src/native/udp.cc); it serves many VxlanPorts,
// one per VNI, and hands each the frames of its VNI as one batch per read.
// A VxlanPort is what the kernel's vxlan device is: its own forwarding table of inner MAC →
// remote VTEP ("self" entries in `bridge fdb show`), learned from the outer source address of
// what arrives and programmed with `fdb add MAC dev PORT dst IP`; known unicast goes to that
// VTEP only, everything else to the flood list (head-end replication: `fdb append
// 00:00:00:00:00:00 … dst IP`, the remote= option) or to the multicast group. The table is the
// engine's Fdb, with the index of a remote VTEP in the place of a port number, so learning, ageing
// and static entries behave as the bridge's own. Per remote VTEP it counts frames and bytes each way.
import { networkInterfaces } from 'node:os';
import type { DriverDrops, PortIO, RxSink } from '../bridge/port-io.js';
import { Fdb, type FdbEntry } from '../fdb/fdb.js';
import { readMacHi, readMacLo, formatMac, randomLocalMac, isMulticast } from '../frame/mac.js';
import { bufferCopy } from '../frame/bytes.js';
import { classifyTxDrops, native, type NativeUdpPoller, type NativeUdpWriter } from '../native/index.js';
import { dropIndex, parseVxlan, writeVxlan, VXLAN_DROP_REASONS, VXLAN_HDR_LEN, VXLAN_OVERHEAD, VXLAN_PORT, type VxlanDropReason } from './vxlan-header.js';
import { ipv4ToNumber, isMulticastIpv4, numberToIpv4 } from './ipv4.js';

/** Datagrams per recvmmsg, and batches per wakeup before other ports get the loop. */
const RX_BATCH = 64;
const RX_BATCHES = 4;
/** A receive slot: the largest datagram the underlay carries (jumbo frames included). */
const SLOT_BYTES = 9216 + 64;
/** Datagrams per sendmmsg (a flood to N remotes queues N), and the bytes they may occupy. */
const TX_ENTRIES = 256;
const TX_BYTES = 64 * SLOT_BYTES;
/** Outer IPv4 + UDP + VXLAN headers: what a datagram adds to the inner frame within the underlay MTU. */
const OUTER_IP_BYTES = VXLAN_OVERHEAD - 14;
/** How often learned entries age and the port's clock advances without traffic. */
const TICK_MS = 1000;

export interface VxlanOptions {
  name: string;
  vni: number;
  /** The local VTEP address (an address of this host). */
  local: string;
  /** UDP port, default 4789. */
  port?: number;
  /** Head-end replication: the flood list. */
  remotes?: readonly string[];
  /** Multicast group mode: the group and the underlay device it is joined on. */
  group?: string;
  groupDev?: string;
  /** Inner MTU; default the underlay's MTU less the 50 bytes of the overlay. */
  mtu?: number;
  mac?: number;
  /** Learned entries age after this (seconds); default 300, as the kernel's vxlan. */
  ageingSec?: number;
  log?: (m: string) => void;
}

/** Frames and bytes to and from one remote VTEP. */
export interface VtepCounters {
  remote: string;
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
}

/** One row of the port's own table, as `bridge fdb show dev vx0` lists it (self entries). */
export interface TunnelFdbRow {
  mac: string;
  dst: string;
  /** The underlay device of a multicast group entry (`via eth0`). */
  via?: string;
  permanent: boolean;
  usedSec: number;
  updatedSec: number;
}

/** What the daemon's views and fdb commands use of a port with a tunnel table (duck-typed: `tunnel` in io). */
export interface TunnelPort {
  readonly tunnel: VxlanPort;
}

/** The name of the interface that holds IPv4 address ip here, or undefined. */
function deviceOf(ip: string): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => a.family === 'IPv4' && a.address === ip)) return name;
  }
  return undefined;
}

/** The shared socket of one local address and port (see the file header). */
class VxlanSocket {
  private static readonly open = new Map<string, VxlanSocket>();
  readonly key: string;
  readonly fd: number;
  readonly group: string;
  private readonly ports = new Map<number, VxlanPort>();
  // receive side
  readonly rxBuf = new Uint8Array(SLOT_BYTES * RX_BATCH);
  private readonly rxOffs = new Int32Array(RX_BATCH);
  private readonly rxLens = new Int32Array(RX_BATCH);
  private readonly rxAddrs = new Uint32Array(RX_BATCH);
  private readonly poller: NativeUdpPoller;
  private touched: VxlanPort[] = [];
  // transmit side
  readonly txBuf = new Uint8Array(TX_BYTES);
  readonly txOffs = new Int32Array(TX_ENTRIES);
  readonly txLens = new Int32Array(TX_ENTRIES);
  readonly txAddrs = new Uint32Array(TX_ENTRIES);
  txCount = 0;
  txPos = 0;
  private readonly writer: NativeUdpWriter;
  /** Datagrams dropped before any port saw them, by reason. */
  readonly rxDrops: Record<VxlanDropReason | 'unknown_vni', number> = { short: 0, no_i_flag: 0, reserved: 0, unknown_vni: 0 };
  rxErrors = 0;

  private constructor(key: string, local: string, port: number, group: string, ifindex: number) {
    this.key = key;
    this.group = group;
    const n = native();
    this.fd = n.udpOpen(local, port, group, ifindex, 4 << 20, 4 << 20);
    this.writer = new n.UdpWriter(this.fd, this.txBuf, this.txOffs, this.txLens, this.txAddrs, port);
    this.poller = new n.UdpPoller(this.fd, this.rxBuf, this.rxOffs, this.rxLens, this.rxAddrs, SLOT_BYTES, RX_BATCH, RX_BATCHES,
      (count) => this.onBatch(count), () => { this.rxErrors++; });
    this.poller.start();
  }

  /** The socket for local:port (opened on first use); a second group on one address and port is refused. */
  static acquire(local: string, port: number, group: string, groupDev: string | undefined): VxlanSocket {
    const key = `${local}:${port}`;
    const had = VxlanSocket.open.get(key);
    if (had) {
      if (had.group !== group) throw new RangeError(`${key} already serves ${had.group ? `group ${had.group}` : 'unicast VTEPs'}; one local address and port takes one group`);
      return had;
    }
    const ifindex = groupDev === undefined ? 0 : native().ifIndex(groupDev);
    const s = new VxlanSocket(key, local, port, group, ifindex);
    VxlanSocket.open.set(key, s);
    return s;
  }

  attach(p: VxlanPort): void {
    const had = this.ports.get(p.vni);
    if (had) throw new RangeError(`VNI ${p.vni} on ${this.key} is already port ${had.name}`);
    this.ports.set(p.vni, p);
  }

  detach(p: VxlanPort): void {
    if (this.ports.get(p.vni) === p) this.ports.delete(p.vni);
    if (this.ports.size > 0) return;
    this.poller.close();
    native().closeFd(this.fd);
    VxlanSocket.open.delete(this.key);
  }

  private onBatch(count: number): void {
    const buf = this.rxBuf;
    let nt = 0;
    const touched = this.touched;
    const now = performance.now();
    for (let i = 0; i < count; i++) {
      const off = this.rxOffs[i]!;
      const len = this.rxLens[i]!;
      const vni = parseVxlan(buf, off, len);
      if (vni < 0) { this.rxDrops[VXLAN_DROP_REASONS[dropIndex(vni)]!]++; continue; }
      const p = this.ports.get(vni);
      if (p === undefined || !p.receiving) { this.rxDrops.unknown_vni++; continue; }
      if (p.rxCount === 0) touched[nt++] = p;
      p.take(buf, off + VXLAN_HDR_LEN, len - VXLAN_HDR_LEN, this.rxAddrs[i]!, now);
    }
    for (let k = 0; k < nt; k++) touched[k]!.deliver(buf);
  }

  /** Room for one frame of len bytes with its header, sending what is queued first when full. */
  reserve(len: number, copies: number): number {
    const need = (len + VXLAN_HDR_LEN + 7) & ~7;
    if (this.txPos + need > TX_BYTES || this.txCount + copies > TX_ENTRIES) this.flush();
    const at = this.txPos;
    this.txPos += need;
    return at;
  }

  flush(): void {
    if (this.txCount > 0) this.writer.send(this.txCount);
    this.txCount = 0;
    this.txPos = 0;
  }

  txDrops(): { no_buffer: number; tx_error: number } {
    return classifyTxDrops(this.writer.stats().errors);
  }
}

/** One VNI on a shared socket (see the file header). */
export class VxlanPort implements PortIO, TunnelPort {
  readonly kind = 'vxlan';
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps = 10000;
  readonly vni: number;
  readonly local: string;
  readonly udpPort: number;
  readonly group: string | undefined;
  readonly groupDev: string | undefined;
  /** The underlay device's MTU: a datagram longer than this is not sent (too_big). */
  readonly underlayMtu: number;
  readonly tunnel = this;
  private readonly sock: VxlanSocket;
  private readonly fdb: Fdb;
  private sink: RxSink | null = null;
  private closed = false;
  /** Set by start(): frames of this VNI are handed up. */
  receiving = false;
  // remote VTEPs: index → address; what the table stores in the place of a port number
  private readonly remoteIdx = new Map<number, number>();
  private remoteAddr = new Uint32Array(16);
  private remoteCount = 0;
  private rxF = new Float64Array(16);
  private rxB = new Float64Array(16);
  private txF = new Float64Array(16);
  private txB = new Float64Array(16);
  /** Flood list: remote indexes that BUM traffic goes to (the group, in group mode). */
  private flood = new Int32Array(16);
  private floodCount = 0;
  // this batch's frames (offsets into the socket's rx buffer)
  private readonly offs = new Int32Array(RX_BATCH);
  private readonly lens = new Int32Array(RX_BATCH);
  rxCount = 0;
  private now = performance.now();
  private readonly timer: ReturnType<typeof setInterval>;
  tooBig = 0;

  constructor(o: VxlanOptions) {
    this.name = o.name;
    this.vni = o.vni;
    this.local = o.local;
    this.udpPort = o.port ?? VXLAN_PORT;
    this.group = o.group;
    this.groupDev = o.groupDev;
    const dev = o.groupDev ?? deviceOf(o.local);
    if (dev === undefined) throw Object.assign(new Error(`no interface here has address ${o.local}`), { code: 'EADDRNOTAVAIL' });
    this.underlayMtu = native().getIfMtu(dev);
    const fits = this.underlayMtu - VXLAN_OVERHEAD;
    if (o.mtu !== undefined && o.mtu > fits) {
      throw new RangeError(`mtu ${o.mtu} does not fit: ${dev} carries ${this.underlayMtu} bytes and VXLAN takes ${VXLAN_OVERHEAD}, so at most mtu=${fits} (or raise ${dev}'s MTU)`);
    }
    this.mtu = o.mtu ?? fits;
    this.mac = o.mac ?? randomLocalMac();
    this.fdb = new Fdb({ ageingSec: o.ageingSec ?? 300, initialCapacity: 64 });
    if (o.group !== undefined) this.appendFlood(o.group);
    for (const r of o.remotes ?? []) this.appendFlood(r);
    this.sock = VxlanSocket.acquire(o.local, this.udpPort, o.group ?? '', o.groupDev);
    this.sock.attach(this);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  private tick(): void {
    this.now = performance.now();
    this.fdb.age(this.now);
  }

  /** The index of remote address a (host byte order), made on first sight. */
  private remote(a: number): number {
    const k = a | 0;
    const had = this.remoteIdx.get(k);
    if (had !== undefined) return had;
    const i = this.remoteCount++;
    if (i === this.remoteAddr.length) {
      const grow = (x: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => { const y = new Float64Array(x.length * 2); y.set(x); return y; };
      const a2 = new Uint32Array(i * 2); a2.set(this.remoteAddr); this.remoteAddr = a2;
      this.rxF = grow(this.rxF); this.rxB = grow(this.rxB); this.txF = grow(this.txF); this.txB = grow(this.txB);
    }
    this.remoteAddr[i] = a;
    this.remoteIdx.set(k, i);
    return i;
  }

  /** One frame of this batch, from remote address a: learn its source behind that VTEP. */
  take(buf: Uint8Array, off: number, len: number, a: number, now: number): void {
    this.now = now;
    const r = this.remote(a);
    this.rxF[r]!++;
    this.rxB[r] += len;
    // a group source is no VTEP; the bridge validates the frame itself
    if ((buf[off + 6]! & 1) === 0) this.fdb.learnHiLo(0, readMacHi(buf, off + 6), readMacLo(buf, off + 6), r, now);
    this.offs[this.rxCount] = off;
    this.lens[this.rxCount++] = len;
  }

  deliver(buf: Uint8Array): void {
    const n = this.rxCount;
    this.rxCount = 0;
    if (this.sink !== null) this.sink.receiveBatch(buf, this.offs, this.lens, n);
  }

  send(buf: Uint8Array, off: number, len: number): boolean {
    if (this.closed) return false;
    if (len + OUTER_IP_BYTES > this.underlayMtu) { this.tooBig++; return true; }
    let one = -1;
    if ((buf[off]! & 1) === 0) one = this.fdb.lookupHiLo(0, readMacHi(buf, off), readMacLo(buf, off), this.now);
    const copies = one >= 0 ? 1 : this.floodCount;
    if (copies === 0) return true;
    const s = this.sock;
    const at = s.reserve(len, copies);
    writeVxlan(s.txBuf, at, this.vni);
    bufferCopy.call(buf, s.txBuf, at + VXLAN_HDR_LEN, off, off + len);
    const dlen = len + VXLAN_HDR_LEN;
    if (one >= 0) {
      this.queue(at, dlen, one, len);
    } else {
      for (let k = 0; k < copies; k++) this.queue(at, dlen, this.flood[k]!, len);
    }
    return true;
  }

  private queue(at: number, dlen: number, r: number, len: number): void {
    const s = this.sock;
    const i = s.txCount++;
    s.txOffs[i] = at;
    s.txLens[i] = dlen;
    s.txAddrs[i] = this.remoteAddr[r]!;
    this.txF[r]!++;
    this.txB[r] += len;
  }

  flush(): void {
    this.sock.flush();
  }

  start(sink: RxSink): void {
    this.sink = sink;
    this.receiving = true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.receiving = false;
    this.sink = null;
    clearInterval(this.timer);
    this.sock.flush();
    this.sock.detach(this);
  }

  driverDrops(): DriverDrops {
    const d = this.sock.txDrops();
    return { malformed: 0, no_buffer: d.no_buffer, tx_error: d.tx_error, too_big: this.tooBig };
  }

  /** Datagrams the shared socket dropped before they reached a VNI (shared by every port on it). */
  socketDrops(): Readonly<Record<string, number>> {
    return this.sock.rxDrops;
  }

  // ---- the table, off the fast path (show and edit commands)

  private appendFlood(ip: string): void {
    const r = this.remote(ipv4ToNumber(ip));
    for (let k = 0; k < this.floodCount; k++) if (this.flood[k] === r) return;
    if (this.floodCount === this.flood.length) { const f = new Int32Array(this.flood.length * 2); f.set(this.flood); this.flood = f; }
    this.flood[this.floodCount++] = r;
  }

  /** `fdb append 00:00:00:00:00:00 dev PORT dst IP`: one more VTEP on the flood list. */
  addFlood(ip: string): void {
    if (isMulticastIpv4(ipv4ToNumber(ip)) && this.group === undefined) throw new RangeError(`${ip} is a multicast address; this port has no group (vxlan:…,group=${ip}%DEV)`);
    this.appendFlood(ip);
  }

  /** Takes ip off the flood list; false when it was not on it. */
  removeFlood(ip: string): boolean {
    const r = this.remoteIdx.get(ipv4ToNumber(ip) | 0);
    for (let k = 0; r !== undefined && k < this.floodCount; k++) {
      if (this.flood[k] !== r) continue;
      this.flood.copyWithin(k, k + 1, this.floodCount);
      this.floodCount--;
      return true;
    }
    return false;
  }

  /** `fdb add MAC dev PORT dst IP`: a permanent entry. */
  addStatic(mac: number, ip: string): void {
    this.fdb.addStatic(0, mac, this.remote(ipv4ToNumber(ip)), false, this.now);
  }

  removeEntry(mac: number): boolean {
    return this.fdb.remove(0, mac);
  }

  /** Where a frame to mac goes now, and why (for trace): the VTEPs and the rule. */
  egressFor(mac: number): { remotes: string[]; why: string } {
    const e = isMulticast(mac) ? undefined : this.fdb.get(0, mac);
    if (e !== undefined && !this.fdb.isExpired(e, performance.now())) {
      return { remotes: [numberToIpv4(this.remoteAddr[e.port]!)], why: `${formatMac(mac)} ${e.kind === 'learned' ? 'learned' : 'static'} behind this VTEP` };
    }
    const list: string[] = [];
    for (let k = 0; k < this.floodCount; k++) list.push(numberToIpv4(this.remoteAddr[this.flood[k]!]!));
    const why = this.group !== undefined ? `not known here: to group ${this.group}` : 'not known here: head-end replication to the flood list';
    return { remotes: list, why };
  }

  /** The self entries, as `bridge fdb show dev PORT` lists them: learned and static MACs, then the flood list. */
  fdbRows(): TunnelFdbRow[] {
    const now = performance.now();
    const rows: TunnelFdbRow[] = this.fdb.entries(now).map((e: FdbEntry) => ({
      mac: formatMac(e.mac), dst: numberToIpv4(this.remoteAddr[e.port]!), permanent: e.kind !== 'learned',
      usedSec: Math.max(0, (now - e.used) / 1000), updatedSec: Math.max(0, (now - e.updated) / 1000),
    }));
    for (let k = 0; k < this.floodCount; k++) {
      const dst = numberToIpv4(this.remoteAddr[this.flood[k]!]!);
      rows.push({ mac: '00:00:00:00:00:00', dst, ...(dst === this.group && this.groupDev !== undefined ? { via: this.groupDev } : {}), permanent: true, usedSec: 0, updatedSec: 0 });
    }
    return rows;
  }

  /** Frames and bytes per remote VTEP seen or configured. */
  vteps(): VtepCounters[] {
    const out: VtepCounters[] = [];
    for (let i = 0; i < this.remoteCount; i++) {
      out.push({ remote: numberToIpv4(this.remoteAddr[i]!), rxFrames: this.rxF[i]!, rxBytes: this.rxB[i]!, txFrames: this.txF[i]!, txBytes: this.txB[i]! });
    }
    return out;
  }
}
