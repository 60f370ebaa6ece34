// The Bridge: ports, the ingress pipeline (validate → link-local → port state → learn → decide →
// egress; its rules are the predicates of ingress.ts and egress.ts), flooding, counters and
// events. A flood walks a list kept per flood class of the ports it may go to (floodListed:
// up, forwarding, flag on, not an analyser), rebuilt when a port reports a change, and checks
// only ingress/hairpin and VLAN membership per port and frame (mayFloodListed). No I/O: drivers
// are handed in as PortIO objects and time comes from the injected clock.
import { formatMac, randomLocalMac, macFromHiLo } from '../frame/mac.js';
import {
  Fdb, type FdbOptions, FDB_TO_HOST,
  LEARN_NEW, LEARN_MOVED, LEARN_REFUSED_PORT, LEARN_REFUSED_TABLE, LEARN_PINNED,
} from '../fdb/fdb.js';
import { SpanningTree, type StpProtocol, type StpSnapshot } from '../stp/index.js';
import type { Clock } from './clock.js';
import { EventBudget, MAC_EVENTS_PER_SECOND } from './event-budget.js';
import type { PortIO, RxOffload, RxSink } from './port-io.js';
import { PORT_FORWARDING, PORT_DISABLED, PORT_STATE_NAMES } from '../stp/port-state.js';
import {
  sourceInvalid, linkLocalGroup, linkLocalAction, LL_STP, LL_FORWARD, bpduAccepted,
  stateReceives, stateForwards, ingressVid, vlanMember,
} from './ingress.js';
import {
  mayForward, mayFloodListed, floodListed, egressCheck, EG_VLAN, groupClass, localInAnyVlan, CLASS_KNOWN_UNICAST, CLASS_UNKNOWN_UNICAST,
  FLOOD_KIND_NAMES, type FloodKindName,
} from './egress.js';
import { BridgePort, type PortFlags, type PortOwner } from './port.js';
import { countersAsDoubles } from './counters.js';
import { StormControl } from './storm.js';
import type { BridgeEvent, EventListener } from './events.js';
import { isName, NAME_RULE } from './names.js';
import { UserError } from '../user-error.js';
import { Mdb, formatGroup, MDB_DEFAULTS, type MdbGroup } from '../mdb/mdb.js';
import { classifyMcast, McastInfo, MC_NOT_IP, MC_LINK_LOCAL, MC_MALFORMED, MC_CONTROL, MSG_QUERY, MSG_LEAVE, MSG_OTHER } from '../mdb/mcast-parse.js';
import { learnFromMessage, type SnoopListener } from '../mdb/snoop.js';
import { buildIgmpQuery, buildMldQuery } from '../mdb/query.js';
import { MirrorSession, checkMirror, MIRROR_BUDGET, type MirrorInfo } from './mirror.js';
import { attachCapture, detachCapture, type Direction } from './port-capture.js';
import { egressTagAction, hasTag, writeRetagged, retaggedLength, TAG_KEEP } from './vlan-tag.js';
import { Impairer, OFFER_PASS, OFFER_QUEUED } from '../impair/impairer.js';
import { ImpairWheel } from '../impair/wheel.js';
import { isEmptySpec, type ImpairSpec } from '../impair/spec.js';

/** Storm-control limits by flood class name, frames per second; 0 or absent = no limit (storm.ts). */
export type StormRates = Partial<Record<FloodKindName, number>>;

export interface BridgeOptions extends FdbOptions {
  name: string;
  clock: Clock;
  /** Bridge MAC (bridge id and host port); random locally administered if absent. */
  mac?: number;
  /** Learn and forward per 802.1Q VLAN (vid from the tag, else the port's pvid). Off: one table, vid 0. */
  vlanFiltering?: boolean;
  /** Bits 0–15: which 01:80:c2:00:00:0X groups to forward (the kernel's group_fwd_mask). */
  groupFwdMask?: number;
  stpPriority?: number;
  helloSec?: number;
  maxAgeSec?: number;
  forwardDelaySec?: number;
  /** Which spanning tree runs when it is on: 'stp' (802.1D, default) or 'rstp'. */
  stpProtocol?: StpProtocol;
}

export interface AddPortOptions extends Partial<PortFlags> {
  /** The bridge's own host port (br0): port 0, carries the bridge MAC, outside STP. */
  host?: boolean;
  /** Bridge-side MAC of the port; defaults to the driver's MAC. */
  mac?: number;
  pathCost?: number;
  priority?: number;
  /** RSTP edge port (AdminEdge): leads to hosts only, forwards at once. */
  edge?: boolean;
}

/** The bridge's counter fields, Double from the start (counters.ts). */
const BRIDGE_COUNTERS = [
  'rxFrames', 'forwarded', 'flooded', 'unknownUnicastFlooded', 'filtered', 'learned', 'aged', 'moved', 'evicted', 'flushed',
  'notLearnedTableFull', 'pinnedSourceSeen', 'mcastMalformed', 'mcastForwarded',
] as const;

export class Bridge {
  readonly name: string;
  readonly clock: Clock;
  readonly fdb: Fdb;
  readonly stp: SpanningTree;
  mac: number;
  vlanFiltering: boolean;
  groupFwdMask: number;

  /** Ports by number (index 0 = host port); undefined where free. */
  readonly ports: (BridgePort | undefined)[] = [];
  /** The same ports, compact. */
  private portList: BridgePort[] = [];
  /** portList without mirror analysers: the candidates for snooped group frames and queries. */
  private floodList: BridgePort[] = [];
  /**
   * By flood class (CLASS_UNKNOWN_UNICAST, _BROADCAST, _MULTICAST): the ports floodListed() admits
   * (which leaves analysers out). New arrays on each rebuild, so a loop over the old ones is unaffected.
   */
  private classLists: BridgePort[][] = [[], [], []];
  /** What this bridge's ports tell when their up/state/flags/analyser role change. */
  private readonly portOwner: PortOwner = { portChanged: () => this.rebuildFloodLists() };
  /** Mirror sessions by name (mirror.ts). */
  readonly mirrors = new Map<string, MirrorSession>();
  /** IGMP/MLD snooping (the kernel's multicast_snooping): group frames go by the mdb. Off: flooded. */
  private snooping = false;
  /** Group memberships and router ports learned while snooping (src/mdb/). */
  readonly mdb = new Mdb();
  private readonly mcInfo = new McastInfo();
  /** When the querier sends its next general query, and how many startup queries are left. */
  private nextQueryAt = 0;
  private startupQueries = 0;
  private readonly snoopEvents: SnoopListener = {
    joined: (fam, buf, g, port) => this.emit({ type: 'mdb-added', bridge: this.name, port: this.portName(port), group: formatGroup(fam, buf.subarray(g)) }),
    left: (fam, buf, g, port) => this.emit({ type: 'mdb-leave', bridge: this.name, port: this.portName(port), group: formatGroup(fam, buf.subarray(g)) }),
  };
  private dirty: BridgePort[] = [];
  private ndirty = 0;
  /** True while receiveBatch runs: sends queue until its single flush. */
  private inBatch = false;
  /** The clock read once per batch: performance.now() costs more than a forwarding decision. */
  private batchNow = 0;
  /** The time for a frame: the batch's reading inside a batch, else the clock. */
  private now(): number {
    return this.inBatch ? this.batchNow : this.clock.now();
  }
  /** While a batch with super-frames runs: its RxOffload, and the frame in hand if it is one (else -1). */
  private offload: RxOffload | null = null;
  private superIdx = -1;
  /** The VLAN of the frame in hand (VLAN filtering on), for the egress tag rule. */
  private frameVid = 0;

  // counters
  rxFrames = 0;
  forwarded = 0;
  flooded = 0;
  unknownUnicastFlooded = 0;
  filtered = 0;
  learned = 0;
  aged = 0;
  moved = 0;
  evicted = 0;
  flushed = 0;
  notLearnedTableFull = 0;
  /** Frames from a MAC that is static/local on another port (not moved). */
  pinnedSourceSeen = 0;
  /** Snooping: IGMP/MLD messages or IP multicast headers that did not parse (dropped, also counted as the port's malformed). */
  mcastMalformed = 0;
  /** Snooping: group frames sent to members and router ports instead of being flooded. */
  mcastForwarded = 0;
  /** fdb.lazilyAged already counted into `aged`. */
  private fdbLazilyAged = 0;

  private listeners: EventListener[] = [];
  /** The per-MAC event budget: a random-source flood must not hand every listener an event per frame. */
  private readonly macEvents = new EventBudget();

  // impairments (src/impair/): one wheel for every delay line of the bridge
  private readonly wheel = new ImpairWheel();
  /** Impairers on this bridge's ports: 0 keeps flushDirty() to one comparison. */
  private impairCount = 0;
  /** Impairers taken off the wheel in one release run (preallocated, one per impairer). */
  private readonly dueList: Impairer[] = [];
  private releasing = false;
  /** When the timer asked for last will fire (Infinity: none asked for). */
  private armedDue = Infinity;
  /**
   * Asked to call runImpairTimers() at clock time dueMs (the daemon: one setTimeout per bridge;
   * a test on a virtual clock calls it itself). A later request replaces an earlier one.
   */
  timerRequest: ((dueMs: number) => void) | null = null;

  constructor(opts: BridgeOptions) {
    if (!isName(opts.name)) {
      throw new RangeError(`bridge name '${opts.name}': ${NAME_RULE}`);
    }
    this.name = opts.name;
    countersAsDoubles(this, BRIDGE_COUNTERS);
    this.clock = opts.clock;
    this.mac = opts.mac ?? randomLocalMac();
    this.fdb = new Fdb(opts);
    this.vlanFiltering = opts.vlanFiltering ?? false;
    this.groupFwdMask = opts.groupFwdMask ?? 0;
    if (!Number.isInteger(this.groupFwdMask) || this.groupFwdMask < 0 || this.groupFwdMask > 0xffff || (this.groupFwdMask & 0x7) !== 0) {
      // as the kernel: STP, pause and LACP groups (bits 0–2) are never forwarded
      throw new RangeError(`group forward mask ${this.groupFwdMask}: a 16-bit mask without bits 0–2 (STP, pause, LACP)`);
    }
    this.stp = new SpanningTree(this.stpHost(), {
      protocol: opts.stpProtocol,
      bridgeMac: this.mac,
      priority: opts.stpPriority,
      helloMs: opts.helloSec !== undefined ? opts.helloSec * 1000 : undefined,
      maxAgeMs: opts.maxAgeSec !== undefined ? opts.maxAgeSec * 1000 : undefined,
      forwardDelayMs: opts.forwardDelaySec !== undefined ? opts.forwardDelaySec * 1000 : undefined,
    });
  }

  // ---------------------------------------------------------------- events

  on(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => { this.listeners = this.listeners.filter((l) => l !== listener); };
  }

  get hasListeners(): boolean { return this.listeners.length > 0; }

  emit(e: BridgeEvent): void {
    if (this.listeners.length === 0) return;
    const ev = { ...e, time: Date.now() };
    for (const l of this.listeners) l(ev);
  }

  private portName(no: number): string {
    const p = this.ports[no];
    return p ? p.name : no === 0 ? this.name : `port${no}`;
  }

  // ---------------------------------------------------------------- ports

  /** Attaches a driver as a port and starts it; returns the port (numbered like the kernel). */
  addPort(io: PortIO, opts: AddPortOptions = {}): BridgePort {
    if (this.portByName(io.name)) throw new Error(`port '${io.name}' is already on bridge ${this.name}`);
    let no = 0;
    if (opts.host) {
      if (this.ports[0]) throw new Error(`bridge ${this.name} already has a host port`);
    } else {
      no = 1;
      while (this.ports[no]) no++;
      if (no > 1023) throw new RangeError(`bridge ${this.name} has no free port number (max 1023)`);
    }
    const mac = opts.host ? this.mac : (opts.mac ?? io.mac);
    const port = new BridgePort(no, io, mac, !!opts.host, opts);
    this.ports[no] = port;
    this.portList.push(port);
    port.owner = this.portOwner;
    this.rebuildFloodLists();
    this.fdb.addStatic(0, mac, no, true, this.clock.now());
    this.emit({ type: 'port-added', bridge: this.name, port: io.name, no, kind: io.kind });
    if (opts.host) {
      port.setState(PORT_FORWARDING);
    } else {
      this.stp.addPort(no, { mac, speedMbps: io.speedMbps, priority: opts.priority, pathCost: opts.pathCost, edge: opts.edge, up: true });
    }
    io.start(this.sinkFor(port));
    return port;
  }

  /** Detaches and closes a port; its learned entries go with it. */
  removePort(name: string): BridgePort {
    const port = this.portByName(name);
    if (!port) throw new Error(`port '${name}' is not on bridge ${this.name}`);
    this.dropMirrorsOf(port);
    if (!port.isHost) this.stp.removePort(port.no);
    port.owner = null;
    port.setState(PORT_DISABLED);
    port.setUp(false);
    this.setImpairment(port, 0, null);
    this.setImpairment(port, 1, null);
    this.ports[port.no] = undefined;
    this.portList = this.portList.filter((p) => p !== port);
    this.rebuildFloodLists();
    const n = this.fdb.flush({ port: port.no, includePinned: true });
    this.flushed += n;
    this.mdb.removePort(port.no);
    port.io.close();
    this.emit({ type: 'port-removed', bridge: this.name, port: name, no: port.no });
    return port;
  }

  /** floodList and the per-class lists from portList and the ports' facts (floodListed()); control events only. */
  private rebuildFloodLists(): void {
    this.floodList = this.portList.filter((p) => !p.analyser);
    this.classLists = [0, 1, 2].map((cls) => this.portList.filter((p) => floodListed(p, cls)));
  }

  /** The ports a flood of class cls (0–2) is offered to before the per-frame checks (for tests). */
  floodListOf(cls: number): readonly BridgePort[] {
    return this.classLists[cls]!;
  }

  portByName(name: string): BridgePort | undefined {
    for (const p of this.portList) if (p.name === name) return p;
    return undefined;
  }

  /** All ports, host port first, then by number. */
  allPorts(): BridgePort[] {
    return this.ports.filter((p): p is BridgePort => p !== undefined);
  }

  private sinkFor(port: BridgePort): RxSink {
    return {
      // once per batch, not per frame: a mirror analyser's own traffic goes nowhere
      receiveBatch: (buf, offs, lens, count, offload) => {
        if (port.analyser) this.analyserReceived(port, buf, offs, lens, count);
        else if (port.impairIn === null) this.receiveBatch(port, buf, offs, lens, count, offload);
        else this.receiveImpaired(port, buf, offs, lens, count, offload);
      },
      takesSuperFrames: true,
      linkDown: (reason) => this.linkDown(port, reason),
      linkUp: () => this.linkUp(port),
    };
  }

  linkDown(port: BridgePort, reason: string): void {
    if (!port.up || this.ports[port.no] !== port) return;
    port.setUp(false, reason);
    if (port.isHost) port.setState(PORT_DISABLED);
    else this.stp.portDown(port.no);
    this.flushed += this.fdb.flush({ port: port.no });
    this.mdb.removePort(port.no, true);
    this.emit({ type: 'port-down', bridge: this.name, port: port.name, reason });
  }

  linkUp(port: BridgePort): void {
    if (port.up || this.ports[port.no] !== port) return;
    port.setUp(true);
    if (port.isHost) port.setState(PORT_FORWARDING);
    else this.stp.portUp(port.no);
    this.emit({ type: 'port-up', bridge: this.name, port: port.name });
  }

  // ---------------------------------------------------------------- fast path

  /**
   * A batch from one port: each frame through the pipeline, then one flush per egress port.
   * A super-frame (offload.segLen[i] != 0) goes through the pipeline as one frame.
   */
  receiveBatch(port: BridgePort, buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number, offload?: RxOffload | null): void {
    this.inBatch = true;
    this.batchNow = this.clock.now();
    try {
      if (offload === undefined || offload === null) {
        for (let i = 0; i < count; i++) this.receive(port, buf, offs[i]!, lens[i]!);
      } else {
        this.offload = offload;
        const seg = offload.segLen;
        for (let i = 0; i < count; i++) {
          this.superIdx = seg[i] !== 0 ? i : -1;
          this.receive(port, buf, offs[i]!, lens[i]!);
        }
      }
    } finally {
      this.inBatch = false;
      this.offload = null;
      this.superIdx = -1;
    }
    this.flushDirty();
  }

  /** Pushes out everything queued on egress ports (first releasing what delay lines hold that is due). */
  flushDirty(): void {
    if (this.impairCount !== 0 && !this.releasing) this.releaseImpaired();
    this.flushPorts();
  }

  private flushPorts(): void {
    while (this.ndirty > 0) {
      const p = this.dirty[--this.ndirty]!;
      p.dirty = false;
      p.io.flush();
      p.tagPos = 0;
      if (p.analyser) p.mirrorBudget = MIRROR_BUDGET;
    }
  }

  /**
   * One frame through the pipeline (no flush; see receiveBatch). Every check is a predicate of
   * ingress.ts / egress.ts or an Fdb decision, which the trace (trace.ts) calls as well.
   */
  receive(port: BridgePort, buf: Uint8Array, off: number, len: number): void {
    this.rxFrames++;
    port.rxFrames++;
    port.rxBytes += len;
    if (port.capture !== null) port.capture.frame(0, buf, off, len);
    // 1 validate
    if (len < 14 || (len > port.maxFrame && !this.superFits(port))) { port.dropMalformed++; return; }
    // the MACs as hi16 and lo32 integers (readMacHi/readMacLo's values, read big-endian through the
    // port's DataView: no float math, nothing that could be boxed, one load per field, and V8's
    // inlining budget for this method left to learnHiLo/lookupHiLo); len ≥ 14 keeps them in range
    const dv = port.viewOf(buf);
    const dhi = dv.getUint16(off);
    const dlo = dv.getInt32(off + 2);
    const shi = dv.getUint16(off + 6);
    const slo = dv.getInt32(off + 8);
    if (sourceInvalid(shi, slo)) { port.dropMalformed++; return; }
    // 2 link-local group addresses 01:80:c2:00:00:0X. They are group addresses (I/G bit, written
    // out: V8's inlining budget for this method is spent to the byte), so a unicast frame never
    // reaches the link-local rules and their bytecode stays off its path.
    const group = (dhi & 0x100) !== 0;
    if (group) {
      const g = linkLocalGroup(dhi, dlo);
      if (g >= 0) {
        const ll = linkLocalAction(g, this.stp.enabled, this.groupFwdMask);
        if (ll === LL_STP) {
          // a BPDU STP does not read (host port, disabled port) is still counted, never lost
          if (bpduAccepted(port)) this.stp.receive(port.no, buf, off, len);
          else port.dropStpBlocked++;
          return;
        }
        if (ll !== LL_FORWARD) { port.dropLinkLocal++; return; }
      }
    }
    // 3 port state
    const state = port.state;
    if (!stateReceives(state)) { port.dropStpBlocked++; return; }
    let vid = 0;
    if (this.vlanFiltering) {
      vid = ingressVid(len >= 18 && buf[off + 12] === 0x81 && buf[off + 13] === 0x00
        ? ((buf[off + 14]! << 8) | buf[off + 15]!) & 0x0fff
        : 0, port);
      if (!vlanMember(port, vid)) { port.dropVlan++; return; }
      this.frameVid = vid;
    }
    const now = this.now();
    // 4 learn
    if (port.learning) {
      const r = this.fdb.learnHiLo(vid, shi, slo, port.no, now);
      if (r !== 0) {
        // learn() may have found the source's entry expired but not yet aged: it aged right there
        if (this.fdb.lazilyAged !== this.fdbLazilyAged) this.agedInLearn(vid, shi, slo);
        if (r === LEARN_REFUSED_PORT) { port.dropLimit++; return; }
        this.countLearn(r, vid, shi, slo, port);
      }
    }
    if (!stateForwards(state)) { port.dropStpBlocked++; return; }
    // 5 decide
    if (group) {
      if (this.snooping && this.snoop(port, buf, off, len, vid)) return;
      this.flood(port, buf, off, len, vid, groupClass(dhi, dlo));
      return;
    }
    let out = this.fdb.lookupHiLo(vid, dhi, dlo, now);
    if (out === -1 && localInAnyVlan(this.fdb, vid, dhi, dlo)) out = FDB_TO_HOST;
    if (out === -1) {
      this.flood(port, buf, off, len, vid, CLASS_UNKNOWN_UNICAST);
      return;
    }
    if (out === FDB_TO_HOST) out = 0;
    // 6 egress
    const eg = this.ports[out];
    if (eg === undefined || !mayForward(eg, port, this.vlanFiltering, vid)) {
      this.refused(eg, port, vid);
      return;
    }
    this.forwarded++;
    this.transmit(eg, buf, off, len);
  }

  /** Counts a known-unicast frame egressCheck() refuses (unicastDropReason() names the same split for the trace). */
  private refused(eg: BridgePort | undefined, port: BridgePort, vid: number): void {
    if (egressCheck(eg, port, CLASS_KNOWN_UNICAST, this.vlanFiltering, vid) === EG_VLAN) {
      port.dropVlan++;
    } else {
      this.filtered++;
      port.dropFiltered++;
    }
  }

  /**
   * Sends a flood of class cls (CLASS_UNKNOWN_UNICAST, _BROADCAST, _MULTICAST) to every port
   * mayFlood() lets it out on: the class's list holds the ports floodListed() admits, and
   * mayFloodListed() is the rest of the rule, per port and frame.
   */
  private flood(ingress: BridgePort, buf: Uint8Array, off: number, len: number, vid: number, cls: number): void {
    // storm control (storm.ts): off by default, then this one comparison is all it costs
    if (ingress.storm !== null && !ingress.storm.admit(cls, this.now())) {
      ingress.dropStorm++;
      return;
    }
    if (cls === 0) this.unknownUnicastFlooded++;
    this.flooded++;
    const list = this.classLists[cls]!;
    const vf = this.vlanFiltering;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (!mayFloodListed(p, ingress, vf, vid)) continue;
      p.txFlooded++;
      this.transmit(p, buf, off, len);
    }
  }

  private transmit(p: BridgePort, buf: Uint8Array, off: number, len: number): void {
    if (p.vlanUntagged !== null && this.vlanFiltering && this.transmitRetagged(p, buf, off, len)) return;
    if (this.superIdx >= 0) this.transmitSuper(p, buf, off, len);
    else this.transmitFrame(p, buf, off, len);
  }

  /**
   * Sends the frame in hand out of p with its tag pushed, popped or rewritten when p's egress rule
   * (vlan-tag.ts) asks for it; false when it leaves as it came (the caller sends it). A super-frame
   * that needs a tag change is cut into wire frames first: its virtio-net header describes the
   * untouched layout.
   */
  private transmitRetagged(p: BridgePort, buf: Uint8Array, off: number, len: number): boolean {
    const vid = this.frameVid;
    const tagged = hasTag(buf, off, len);
    const action = egressTagAction(p, vid, tagged, tagged ? ((buf[off + 14]! << 8) | buf[off + 15]!) & 0x0fff : 0);
    if (action === TAG_KEEP) return false;
    if (this.superIdx < 0) {
      const pos = writeRetagged(p, buf, off, len, action, vid);
      this.transmitFrame(p, p.tagBuf!, pos, retaggedLength(len, action));
      return true;
    }
    const o = this.offload!;
    if (!this.superFits(p)) { p.dropTxError++; return true; }
    const n = o.segment(buf, off, len, this.superIdx);
    if (n === 0) { p.dropTxError++; return true; }
    for (let k = 0; k < n; k++) {
      const sl = o.segLens[k]!;
      const pos = writeRetagged(p, o.segBuf, o.segOffs[k]!, sl, action, vid);
      this.transmitFrame(p, p.tagBuf!, pos, retaggedLength(sl, action));
    }
    return true;
  }

  /** The super-frame in hand is longer than a frame, and its segments fit port p. */
  private superFits(p: BridgePort): boolean {
    return this.superIdx >= 0 && this.offload !== null && this.offload.segLen[this.superIdx]! <= p.maxFrame;
  }

  /** The super-frame in hand out of p: whole where p's driver takes it, else cut into wire frames. */
  private transmitSuper(p: BridgePort, buf: Uint8Array, off: number, len: number): void {
    const o = this.offload!;
    const i = this.superIdx;
    // segments longer than p carries: as a frame too long for it
    if (!this.superFits(p)) { p.dropTxError++; return; }
    // an impaired port's delay line holds wire frames
    if (p.io.sendSuper === undefined || p.impairOut !== null) {
      const n = o.segment(buf, off, len, i);
      if (n === 0) { p.dropTxError++; return; }
      for (let k = 0; k < n; k++) this.transmitFrame(p, o.segBuf, o.segOffs[k]!, o.segLens[k]!);
      // the next cut reuses the segment area: what was queued from it goes out first
      p.io.flush();
      return;
    }
    if (p.capture !== null) p.capture.frame(1, buf, off, len);
    if (p.io.sendSuper(buf, off, len, o, i)) {
      p.txFrames++;
      p.txBytes += len;
    } else {
      p.dropNoBuffer++;
    }
    if (!p.dirty) {
      p.dirty = true;
      this.dirty[this.ndirty++] = p;
    }
  }

  private transmitFrame(p: BridgePort, buf: Uint8Array, off: number, len: number): void {
    if (p.impairOut !== null) this.impairEgress(p, buf, off, len);
    else this.sendFrame(p, buf, off, len);
  }

  /** Queues a frame on p's driver: what leaves the bridge (capture, size check, counters). */
  private sendFrame(p: BridgePort, buf: Uint8Array, off: number, len: number): void {
    if (p.capture !== null) p.capture.frame(1, buf, off, len);
    // a frame from a jumbo port does not fit a smaller egress port (the kernel drops it too)
    if (len > p.maxFrame) { p.dropTxError++; return; }
    if (p.io.send(buf, off, len)) {
      p.txFrames++;
      p.txBytes += len;
    } else {
      p.dropNoBuffer++;
    }
    if (!p.dirty) {
      p.dirty = true;
      this.dirty[this.ndirty++] = p;
    }
  }

  // ---------------------------------------------------------------- impairments

  /**
   * Sets (or with null clears) what is done to frames received on (dir 0) or sent out of (dir 1)
   * port: a new impairer, empty delay line and zero counters. Throws RangeError when the delay
   * line would be too large.
   */
  setImpairment(port: BridgePort, dir: 0 | 1, spec: ImpairSpec | null): Impairer | null {
    const imp = spec === null || isEmptySpec(spec) ? null : new Impairer(spec, port.no, dir, port.maxFrame, () => Math.floor(Math.random() * 2 ** 32));
    const old = dir === 0 ? port.impairIn : port.impairOut;
    if (old !== null) {
      this.wheel.schedule(old, Infinity);
      old.discard();
      this.impairCount--;
    }
    if (dir === 0) port.impairIn = imp;
    else port.impairOut = imp;
    if (imp !== null) {
      this.impairCount++;
      if (this.dueList.length < this.impairCount) this.dueList.push(imp);
    }
    return imp;
  }

  /** Releases what delay lines hold that is due now, and asks for the timer of the next; the daemon's timer calls it. */
  runImpairTimers(): void {
    this.armedDue = Infinity;
    this.flushDirty();
  }

  /** A batch from a port with ingress impairments: each frame (super-frames cut first) through its impairer. */
  private receiveImpaired(port: BridgePort, buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number, offload?: RxOffload | null): void {
    this.inBatch = true;
    this.batchNow = this.clock.now();
    try {
      for (let i = 0; i < count; i++) {
        if (offload === undefined || offload === null || offload.segLen[i] === 0) {
          this.impairIngress(port, buf, offs[i]!, lens[i]!);
          continue;
        }
        const n = offload.segment(buf, offs[i]!, lens[i]!, i);
        if (n === 0) { port.dropMalformed++; continue; }
        for (let k = 0; k < n; k++) this.impairIngress(port, offload.segBuf, offload.segOffs[k]!, offload.segLens[k]!);
        // the next cut reuses the segment area: what was queued from it goes out first
        this.flushPorts();
      }
    } finally {
      this.inBatch = false;
    }
    this.flushDirty();
  }

  private impairIngress(port: BridgePort, buf: Uint8Array, off: number, len: number): void {
    const imp = port.impairIn!;
    const r = imp.offer(buf, off, len, this.batchNow);
    if (r === OFFER_PASS) {
      this.receive(port, buf, off, len);
      if (imp.passCopies === 2) this.receive(port, buf, off, len);
    } else if (r === OFFER_QUEUED) {
      this.onLine(imp);
    }
  }

  private impairEgress(p: BridgePort, buf: Uint8Array, off: number, len: number): void {
    const imp = p.impairOut!;
    const r = imp.offer(buf, off, len, this.now());
    if (r === OFFER_PASS) {
      this.sendFrame(p, buf, off, len);
      if (imp.passCopies === 2) this.sendFrame(p, buf, off, len);
    } else if (r === OFFER_QUEUED) {
      this.onLine(imp);
    }
  }

  /** A frame went onto imp's line: a line that was empty goes on the wheel (the head of a busy one is unchanged). */
  private onLine(imp: Impairer): void {
    if (imp.wheelSlot < 0) this.wheel.schedule(imp, imp.headDue());
  }

  /**
   * Sends what is due from every delay line, then asks for the timer of the next due. Ingress
   * lines go first: what they let in may queue on egress lines, and an egress line's freed slots
   * must not be refilled before the flush that sends them.
   */
  private releaseImpaired(): void {
    const now = this.clock.now();
    const wasInBatch = this.inBatch;
    const batchNow = this.batchNow;
    this.releasing = true;
    this.inBatch = true;
    this.batchNow = now;
    try {
      for (let dir = 0; dir < 2; dir++) {
        let n = 0;
        for (let imp = this.wheel.expire(now); imp !== null; imp = this.wheel.expire(now)) this.dueList[n++] = imp;
        for (let i = 0; i < n; i++) {
          const imp = this.dueList[i]!;
          if (imp.dir === dir) this.drain(imp, now);
          this.wheel.schedule(imp, imp.headDue());
        }
      }
    } finally {
      this.releasing = false;
      this.inBatch = wasInBatch;
      this.batchNow = batchNow;
    }
    if (this.timerRequest !== null && this.wheel.size > 0 && this.wheel.earliest < this.armedDue) {
      const next = this.wheel.nextDue();
      if (next < this.armedDue) {
        this.armedDue = next;
        this.timerRequest(next);
      }
    }
  }

  /** Sends (egress) or receives (ingress) every frame of imp's line due at or before now. */
  private drain(imp: Impairer, now: number): void {
    const port = this.ports[imp.portNo];
    if (port === undefined || (imp.dir === 0 ? port.impairIn : port.impairOut) !== imp) { imp.discard(); return; }
    while (imp.headDue() <= now) {
      if (imp.dir === 0) this.receive(port, imp.buf, imp.headOff(), imp.headLen());
      else this.sendFrame(port, imp.buf, imp.headOff(), imp.headLen());
      imp.shift(now);
    }
  }

  /** Counts and reports an entry learn() found expired and aged itself (before age() got to it). */
  private agedInLearn(vid: number, hi: number, lo: number): void {
    this.aged += this.fdb.lazilyAged - this.fdbLazilyAged;
    this.fdbLazilyAged = this.fdb.lazilyAged;
    if (this.listeners.length > 0 && this.macEventAllowed()) {
      this.emit({ type: 'aged', bridge: this.name, mac: formatMac(macFromHiLo(hi, lo)), vid, port: this.portName(this.fdb.lastLazilyAgedPort) });
    }
  }

  /** Counts and reports what learn() did (the rare outcomes only reach here). */
  private countLearn(r: number, vid: number, hi: number, lo: number, port: BridgePort): void {
    // (the 48-bit MAC is made only for listeners: a double is an allocation where not inlined)
    if (r === LEARN_NEW) {
      this.learned++;
      if (this.fdb.lastLearnEvicted) {
        this.evicted++;
        if (this.listeners.length > 0 && this.macEventAllowed()) {
          this.emit({ type: 'evicted', bridge: this.name, mac: formatMac(this.fdb.lastEvictedMac), vid: this.fdb.lastEvictedVid, port: this.portName(this.fdb.lastEvictedPort) });
        }
      }
      if (this.listeners.length > 0 && this.macEventAllowed()) this.emit({ type: 'learned', bridge: this.name, mac: formatMac(macFromHiLo(hi, lo)), vid, port: port.name });
    } else if (r === LEARN_MOVED) {
      this.moved++;
      if (this.listeners.length > 0 && this.macEventAllowed()) {
        this.emit({ type: 'moved', bridge: this.name, mac: formatMac(macFromHiLo(hi, lo)), vid, from: this.portName(this.fdb.lastMovedFrom), to: port.name });
      }
    } else if (r === LEARN_REFUSED_TABLE) {
      this.notLearnedTableFull++;
    } else if (r === LEARN_PINNED) {
      this.pinnedSourceSeen++;
    }
  }

  // ---------------------------------------------------------------- IGMP/MLD snooping

  /**
   * A group frame while snooping: true when handled here (sent to member and router ports, or a
   * malformed IGMP/MLD message dropped), false when it is flooded as any multicast: not IP,
   * link-local (224.0.0.0/24, ff02::1), a query, no querier present (as the kernel, the table
   * is trusted only while a querier refreshes it), or a group nobody joined with floodUnknown on.
   * Reports and leaves go to router ports only (RFC 4541).
   */
  private snoop(port: BridgePort, buf: Uint8Array, off: number, len: number, vid: number): boolean {
    const info = this.mcInfo;
    const k = classifyMcast(buf, off, len, info);
    if (k === MC_NOT_IP || k === MC_LINK_LOCAL) return false;
    if (k === MC_MALFORMED) { port.dropMalformed++; this.mcastMalformed++; return true; }
    const now = this.now();
    const mdb = this.mdb;
    let g: MdbGroup | null = null;
    if (k === MC_CONTROL) {
      learnFromMessage(mdb, buf, info, vid, port.no, now, this.listeners.length > 0 ? this.snoopEvents : null);
      if (info.msg === MSG_LEAVE && mdb.querier) this.sendQuery(info.family, buf.slice(info.group, info.group + (info.family === 4 ? 4 : 16)), port);
      if (info.msg === MSG_QUERY || info.msg === MSG_OTHER) return false;
    } else {
      g = mdb.lookup(info.family, buf, info.dst, vid);
      if (g === null && mdb.floodUnknown) return false;
    }
    if (!mdb.querierExists(now)) return false;
    this.mcastForwarded++;
    const list = this.floodList;
    const vf = this.vlanFiltering;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (!(mdb.isRouter(p.no, now) || (g !== null && g.has(p.no)))) continue;
      if (!mayForward(p, port, vf, vid)) continue;
      this.transmit(p, buf, off, len);
    }
    return true;
  }

  get mcastSnooping(): boolean { return this.snooping; }

  /** Snooping on or off; off forgets every membership (as the kernel flushes its mdb). */
  setMcastSnooping(on: boolean): void {
    if (on === this.snooping) return;
    this.snooping = on;
    this.mdb.clear();
    if (on && this.mdb.querier) this.startQuerier();
  }

  /** The bridge as IGMP/MLD querier: general queries now, at startup intervals, then every query interval. */
  setMcastQuerier(on: boolean): void {
    if (on === this.mdb.querier) return;
    this.mdb.querier = on;
    if (on && this.snooping) this.startQuerier();
  }

  private startQuerier(): void {
    this.startupQueries = MDB_DEFAULTS.startupQueryCount;
    this.nextQueryAt = this.clock.now();
    this.queryTick(this.nextQueryAt);
  }

  private queryTick(now: number): void {
    if (!this.snooping || !this.mdb.querier || now < this.nextQueryAt) return;
    this.sendQuery(4, null, null);
    this.sendQuery(6, null, null);
    if (this.startupQueries > 1) {
      this.startupQueries--;
      this.nextQueryAt = now + MDB_DEFAULTS.startupQueryIntervalMs;
    } else {
      this.startupQueries = 0;
      this.nextQueryAt = now + MDB_DEFAULTS.queryIntervalMs;
    }
  }

  /** A query (general when group is null) out of port, or of every port that forwards when port is null. */
  private sendQuery(family: number, group: Uint8Array | null, port: BridgePort | null): void {
    const f = family === 4 ? buildIgmpQuery(this.mac, group) : buildMldQuery(this.mac, group);
    for (const p of port !== null ? [port] : this.floodList) {
      if (p.up && stateForwards(p.state)) this.transmitFrame(p, f, 0, f.length);
    }
    if (!this.inBatch) this.flushDirty();
  }

  // ---------------------------------------------------------------- mirroring

  /**
   * A mirror session's copy into analyser p's batched send (MirrorSession.frame calls it): false,
   * counted on p as mirror_drop, when p is down, the frame is longer than p carries, p's budget
   * for this flush is spent or its driver refuses the frame. It goes out with the batch's flush.
   */
  mirrorCopy(p: BridgePort, buf: Uint8Array, off: number, len: number): boolean {
    if (!p.up || len > p.maxFrame || p.mirrorBudget === 0 || !p.io.send(buf, off, len)) {
      p.dropMirror++;
      return false;
    }
    p.mirrorBudget--;
    p.txFrames++;
    p.txBytes += len;
    if (p.capture !== null) p.capture.frame(1, buf, off, len);
    if (!p.dirty) {
      p.dirty = true;
      this.dirty[this.ndirty++] = p;
    }
    return true;
  }

  /** A batch received on an analyser port: counted, seen by its captures, never forwarded. */
  private analyserReceived(port: BridgePort, buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number): void {
    for (let i = 0; i < count; i++) {
      port.rxFrames++;
      port.rxBytes += lens[i]!;
      port.dropAnalyser++;
      if (port.capture !== null) port.capture.frame(0, buf, offs[i]!, lens[i]!);
    }
  }

  /** Starts mirror session name: frames of from (direction in, out or both) copied to port to. */
  addMirror(name: string, fromNames: readonly string[], direction: Direction, toName: string): MirrorSession {
    const look = (n: string) => {
      const p = this.portByName(n);
      if (!p) throw new UserError(`port '${n}' is not on bridge ${this.name}`);
      return p;
    };
    const from = fromNames.map(look);
    const to = look(toName);
    checkMirror(this.mirrors, name, from, to);
    // attach first: a source with too many hooks refuses before anything changed
    const s = new MirrorSession(name, from, direction, to, this);
    const done: BridgePort[] = [];
    try {
      for (const p of from) { attachCapture(p, s); done.push(p); }
    } catch (e) {
      for (const p of done) detachCapture(p, s);
      throw e;
    }
    this.mirrors.set(name, s);
    if (!to.analyser) {
      to.setAnalyser(true);
      to.mirrorBudget = MIRROR_BUDGET;
      // what it learned before is stale: its frames are no longer forwarded
      this.flushed += this.fdb.flush({ port: to.no });
    }
    this.emit({ type: 'mirror-added', bridge: this.name, mirror: name, from: fromNames.join(','), direction, to: toName });
    return s;
  }

  /** Ends mirror session name; its analyser forwards again once no other session uses it. */
  deleteMirror(name: string): void {
    const s = this.mirrors.get(name);
    if (!s) throw new UserError(`bridge ${this.name} has no mirror ${name}${this.mirrors.size ? ` (it has ${[...this.mirrors.keys()].join(', ')})` : ''}`);
    for (const p of s.from) detachCapture(p, s);
    this.mirrors.delete(name);
    const to = s.to;
    if (![...this.mirrors.values()].some((m) => m.to === to)) {
      to.setAnalyser(false);
      to.mirrorBudget = 0;
    }
    this.emit({ type: 'mirror-removed', bridge: this.name, mirror: name });
  }

  mirrorList(): MirrorInfo[] {
    return [...this.mirrors.values()].map((s) => s.info()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A port leaving takes the sessions it is the analyser or the only source of along. */
  private dropMirrorsOf(port: BridgePort): void {
    for (const s of [...this.mirrors.values()]) {
      if (s.to === port || s.from.includes(port)) this.deleteMirror(s.name);
    }
  }

  // ---------------------------------------------------------------- time

  /** Runs timers (STP, FDB ageing) up to clock.now(); the daemon calls this ~10×/s. */
  tick(): void {
    this.stp.tick();
    const now = this.clock.now();
    if (this.snooping) {
      this.mdb.age(now, this.listeners.length > 0
        ? (g, port) => this.emit({ type: 'mdb-removed', bridge: this.name, port: this.portName(port), group: formatGroup(g.family, g.addr) })
        : undefined);
      this.queryTick(now);
    }
    const n = this.fdb.age(now, this.listeners.length > 0
      ? (mac, vid, port) => { if (this.macEvents.take(now)) this.emit({ type: 'aged', bridge: this.name, mac: formatMac(mac), vid, port: this.portName(port) }); }
      : undefined);
    this.aged += n;
    const left = this.macEvents.summary(now);
    if (left > 0) this.emit({ type: 'mac-events-suppressed', bridge: this.name, count: left, perSecond: MAC_EVENTS_PER_SECOND });
  }

  /** Whether a per-MAC event may be reported now (event-budget.ts); called only with listeners. */
  private macEventAllowed(): boolean {
    return this.macEvents.take(this.now());
  }

  // ---------------------------------------------------------------- control

  /** Sets a port's storm-control limits (frames per second by flood class; none given = off). */
  setStorm(portName: string, rates: StormRates): void {
    const p = this.portByName(portName);
    if (!p) throw new Error(`port '${portName}' is not on bridge ${this.name}`);
    for (const k of Object.keys(rates)) {
      if (!(FLOOD_KIND_NAMES as readonly string[]).includes(k)) throw new RangeError(`storm control class '${k}': allowed ${FLOOD_KIND_NAMES.join(', ')}`);
    }
    const byClass = FLOOD_KIND_NAMES.map((k) => rates[k] ?? 0);
    const now = this.clock.now();
    // an existing limiter keeps its per-class drop counts across a change
    const sc = p.storm ?? new StormControl([0, 0, 0], now);
    sc.set(byClass, now);
    p.storm = sc.empty ? null : sc;
  }

  /** A port's storm-control limits by class name: only the classes with a limit. */
  stormRates(p: BridgePort): StormRates {
    const o: StormRates = {};
    if (p.storm !== null) FLOOD_KIND_NAMES.forEach((k, c) => { const r = p.storm!.rateOf(c); if (r !== 0) o[k] = r; });
    return o;
  }

  setAgeing(sec: number): void {
    this.fdb.setAgeing(sec);
  }

  addStatic(mac: number, portName: string, vid = 0): void {
    const p = this.portByName(portName);
    if (!p) throw new Error(`port '${portName}' is not on bridge ${this.name}`);
    this.fdb.addStatic(vid, mac, p.no, false, this.clock.now());
    this.emit({ type: 'static-added', bridge: this.name, mac: formatMac(mac), vid, port: portName });
  }

  removeFdb(mac: number, vid = 0): boolean {
    const e = this.fdb.get(vid, mac);
    if (!e) return false;
    if (e.kind === 'local') throw new Error(`${formatMac(mac)} is a local address of ${this.name}; it cannot be deleted`);
    this.fdb.remove(vid, mac);
    if (e.kind === 'static') this.emit({ type: 'static-removed', bridge: this.name, mac: formatMac(mac), vid, port: this.portName(e.port) });
    return true;
  }

  flushFdb(filter: { port?: string; vid?: number } = {}): number {
    let portNo: number | undefined;
    if (filter.port !== undefined) {
      const p = this.portByName(filter.port);
      if (!p) throw new Error(`port '${filter.port}' is not on bridge ${this.name}`);
      portNo = p.no;
    }
    const n = this.fdb.flush({ port: portNo, vid: filter.vid });
    this.flushed += n;
    this.emit({ type: 'flushed', bridge: this.name, count: n, port: filter.port, vid: filter.vid });
    return n;
  }

  /** Ports in forwarding state (without STP: every port that is up). */
  stpSnapshot(): StpSnapshot { return this.stp.snapshot(); }

  // ---------------------------------------------------------------- STP host

  private stpHost() {
    return {
      now: () => this.clock.now(),
      sendBpdu: (portNo: number, frame: Uint8Array) => {
        const p = this.ports[portNo];
        // a mirror analyser stays out of STP's conversation, as a SPAN destination does
        if (!p || !p.up || p.analyser) return;
        this.transmitFrame(p, frame, 0, frame.length);
        // a BPDU answered inside a batch goes out with that batch's single flush
        if (!this.inBatch) this.flushDirty();
      },
      setPortState: (portNo: number, state: number) => {
        const p = this.ports[portNo];
        if (!p) return;
        const from = p.state;
        if (from === state) return;
        p.setState(state);
        // leaving the active topology invalidates what was learned there (kernel: delete by port)
        if (state === PORT_DISABLED) this.flushed += this.fdb.flush({ port: portNo });
        this.emit({ type: 'stp-state', bridge: this.name, port: p.name, from: PORT_STATE_NAMES[from] ?? String(from), to: PORT_STATE_NAMES[state] ?? String(state) });
      },
      flushPort: (portNo: number) => {
        this.flushed += this.fdb.flush({ port: portNo });
      },
      topologyChange: (active: boolean, _forwardDelayMs: number, tcAgeingMs: number) => {
        // the kernel ages with 2 × forward delay during a topology change; never slower than configured
        this.fdb.setTopologyChangeAgeing(active ? tcAgeingMs : null);
        this.emit({ type: active ? 'tc-start' : 'tc-end', bridge: this.name });
      },
      event: (e: { type: string; time: number; [k: string]: unknown }) => {
        if (this.listeners.length === 0) return;
        if (e.type === 'stp-state') return; // reported above
        // 802.1D's fast ageing is reported above; RSTP flushes instead and says so here
        if ((e.type === 'tc-start' || e.type === 'tc-end') && this.stp.protocol === 'stp') return;
        // the engine's own (possibly simulated) time is kept beside the wall-clock stamp emit() adds
        const { type, time, ...rest } = e;
        if (type === 'root-change') {
          const rp = Number(e['rootPort']);
          this.emit({ type: 'root-change', bridge: this.name, root: String(e['root']), rootPort: rp === 0 ? 'none (this bridge is root)' : this.portName(rp), cost: Number(e['rootPathCost']), stpTimeMs: time });
          return;
        }
        // port numbers become names, as everywhere else in the monitor
        if (typeof rest['port'] === 'number') rest['port'] = this.portName(rest['port']);
        for (const k of ['rootPort', 'prevRootPort']) if (typeof rest[k] === 'number') rest[k] = rest[k] === 0 ? 'none' : this.portName(rest[k] as number);
        this.emit({ ...rest, type: 'stp', what: type, bridge: this.name, stpTimeMs: time });
      },
    };
  }
}

