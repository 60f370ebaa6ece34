// The N-bridge simulator: real softbr Bridges (pipeline, FDB, STP engine) wired by in-memory
// links on one VirtualClock, so minutes of protocol time run in milliseconds and every run is
// deterministic (it depends only on the order of calls).
//
//   const sim = new Sim();
//   sim.bridge('A'); sim.bridge('B'); sim.bridge('C');
//   sim.link('A', 'B'); sim.link('B', 'C'); const ca = sim.link('C', 'A');
//   sim.run(60_000);                       // one simulated minute
//   sim.converged();                       // one tree, everybody agrees on the root
//   ca.cut(); sim.runUntil(() => sim.converged(), 60_000);
//   const id = sim.probe('A');             // a broadcast from A's host
//   sim.probeCount('B', id);               // times B took it in (on a forwarding port)
//
// Each step advances the clock, ticks every bridge (STP timers, FDB ageing) and then delivers
// frames until the network is quiet. A loop without STP never goes quiet: delivery stops after
// a per-step frame budget and the step is recorded as a storm (the rest stays queued and keeps
// circulating in the next step), so a storm is measured, never a hang.
//
// Every bridge has a host port (port 0, like br0) joined to a "host end" that the simulator owns:
// inject()/probe() send from there, and what the bridge delivers to its host is counted there.
// Link ports are named `<self>-<peer>` (`<self>-<peer>.2` for a second parallel link).
import { Bridge } from '../bridge/bridge.js';
import { VirtualClock } from '../bridge/clock.js';
import type { PortIO, RxSink } from '../bridge/port-io.js';
import {
  PORT_BLOCKING, PORT_DISABLED, PORT_FORWARDING, PORT_LEARNING, PORT_LISTENING, PORT_STATE_NAMES,
  type PortStateName,
} from '../stp/port-state.js';
import type { BridgePort, PortCapture } from '../bridge/port.js';
import { MemoryLink, MemoryNet, MemoryPort } from '../ports/memory.js';
import { MAC_BROADCAST, MAC_STP, parseMac, readMac, writeMac } from '../frame/mac.js';
import type { StpProtocol, StpSnapshot } from '../stp/types.js';

/** EtherType of the simulator's probe frames (IEEE 802 local experimental 1). */
export const SIM_PROBE_ETHERTYPE = 0x88b5;

export interface SimOptions {
  /** Frames delivered at most per step (and per inject/deliver call); beyond it the step is a storm. Default 20000. */
  frameBudget?: number;
  /** Batches that may wait in the net; beyond it new batches are dropped (a storm growing). Default 4096. */
  maxQueuedBatches?: number;
  /** Frames each host end keeps a copy of (the counters count all). Default 64. */
  hostKeep?: number;
  /** Defaults for every bridge. */
  defaults?: Omit<SimBridgeOptions, 'mac'>;
}

export interface SimBridgeOptions {
  /** STP bridge priority, default 32768. */
  priority?: number;
  /** STP on (default true). */
  stp?: boolean;
  /** 'stp' (802.1D, default) or 'rstp'. */
  protocol?: StpProtocol;
  /** Bridge MAC (the low 48 bits of the bridge id); default simBridgeMac(k) for the k-th bridge (02:00:00:00:10:00, …:20:00, …). */
  mac?: number | string;
  helloSec?: number;
  maxAgeSec?: number;
  forwardDelaySec?: number;
  ageingSec?: number;
}

export interface SimLinkOptions {
  /** STP path cost on both ends (default: by speed, 10000 Mb/s → 2). */
  cost?: number;
  /** Path cost on b's end if it differs. */
  costB?: number;
  /** Link speed, Mb/s (default 10000). */
  speedMbps?: number;
}

/** What one delivery round did. */
export interface DeliveryReport {
  /** Frames that left the queue (delivered or lost on a cut link). */
  frames: number;
  /** The budget ran out with frames still queued. */
  storm: boolean;
  /** Batches still queued. */
  pending: number;
}

export interface RunReport {
  startMs: number;
  endMs: number;
  steps: number;
  /** Frames moved in all steps. */
  frames: number;
  /** Frames moved in each step, in order. */
  framesPerStep: number[];
  maxStepFrames: number;
  /** Steps whose delivery hit the frame budget. */
  stormSteps: number;
  /** Clock time of the first storm step, or null. */
  firstStormMs: number | null;
}

export interface StormInfo {
  /** Clock time of the step. */
  timeMs: number;
  frames: number;
  pending: number;
}

export type SimLinkState = 'forwarding' | 'blocked' | 'transition' | 'down';

/** Per-bridge frame counters (received on its link ports, or handed to its host). */
export interface SimCounts {
  /** Frames other than BPDUs received on link ports in forwarding state (taken into the bridge). */
  rxData: number;
  /** Frames other than BPDUs that arrived on a link port not forwarding (blocked: discarded). */
  rxDiscarded: number;
  /** BPDUs (to 01:80:c2:00:00:00) received on link ports. */
  rxBpdu: number;
  /** Frames the bridge handed to its host port. */
  hostRx: number;
}

interface Node {
  readonly name: string;
  readonly index: number;
  readonly bridge: Bridge;
  /** The simulator's end of the bridge's host port. */
  readonly hostEnd: MemoryPort;
  readonly links: SimLink[];
  readonly counts: SimCounts;
  /** Probe id → receptions on forwarding link ports / arrivals at other link ports / at the host. */
  readonly probeRx: Map<number, number>;
  readonly probeDiscarded: Map<number, number>;
  readonly probeHost: Map<number, number>;
  readonly hostFrames: Uint8Array[];
}


function probeIdOf(buf: Uint8Array, off: number, len: number): number {
  if (len < 18 || buf[off + 12] !== SIM_PROBE_ETHERTYPE >>> 8 || buf[off + 13] !== (SIM_PROBE_ETHERTYPE & 0xff)) return -1;
  return ((buf[off + 14]! << 24) >>> 0) + ((buf[off + 15]! << 16) | (buf[off + 16]! << 8) | buf[off + 17]!);
}

/**
 * A bridge port on a simulated cable: a MemoryPort plus the link's silent-failure switch (frames
 * are lost while the carrier stays up, as with a broken repeater or a one-way fibre).
 */
class SimPortIO implements PortIO {
  readonly kind = 'memory';
  constructor(readonly mem: MemoryPort, private readonly link: SimLink) {}
  get name(): string { return this.mem.name; }
  get mac(): number { return this.mem.mac; }
  get mtu(): number { return this.mem.mtu; }
  get speedMbps(): number { return this.mem.speedMbps; }
  send(buf: Uint8Array, off: number, len: number): boolean {
    if (this.link.silent) {
      this.link.lostFrames++;
      return true; // gone on the wire: the sender cannot tell
    }
    return this.mem.send(buf, off, len);
  }
  flush(): void { this.mem.flush(); }
  start(sink: RxSink): void { this.mem.start(sink); }
  close(): void { this.mem.close(); }
}

/** A cable between two bridges; cut() and restore() it, or silence() it. */
export class SimLink {
  /** Frames lost while silent. */
  lostFrames = 0;
  /** @internal */ silent = false;
  /** @internal */ portA!: BridgePort;
  /** @internal */ portB!: BridgePort;

  constructor(
    readonly id: number,
    readonly a: string,
    readonly b: string,
    /** Port names on a and b. */
    readonly portNameA: string,
    readonly portNameB: string,
    /** @internal */ readonly mem: MemoryLink,
    private readonly sim: Sim,
  ) {}

  /** `A-B`, as a's port is named (`A-B.2` for a second parallel link). */
  get label(): string { return this.portNameA; }

  /** Carrier up and not silenced. */
  get isUp(): boolean { return this.mem.isUp && !this.silent; }

  /** Pulls the cable: both ends lose carrier at once (their ports go disabled). */
  cut(): this {
    this.mem.down('cable cut');
    this.sim.deliver();
    return this;
  }

  /** Plugs it back: both ends see carrier and restart at blocking. */
  restore(): this {
    this.silent = false;
    this.mem.up();
    this.sim.deliver();
    return this;
  }

  /** Frames stop crossing but the carrier stays up: the ends learn of it only by max age. */
  silence(on = true): this {
    this.silent = on;
    return this;
  }

  /** The port at the given bridge. */
  portAt(bridge: string): BridgePort {
    if (bridge === this.a) return this.portA;
    if (bridge === this.b) return this.portB;
    throw new Error(`link ${this.label} does not touch bridge ${bridge}`);
  }

  /** forwarding: both ends forward; blocked: an end blocks or is disabled; transition: listening/learning. */
  get state(): SimLinkState {
    if (!this.isUp) return 'down';
    const sa = this.portA.state;
    const sb = this.portB.state;
    if (sa === PORT_FORWARDING && sb === PORT_FORWARDING) return 'forwarding';
    if (sa === PORT_BLOCKING || sb === PORT_BLOCKING || sa === PORT_DISABLED || sb === PORT_DISABLED) return 'blocked';
    return 'transition';
  }
}

export class Sim {
  readonly clock = new VirtualClock(0);
  readonly net: MemoryNet;
  readonly frameBudget: number;
  readonly links: SimLink[] = [];
  /** Steps (or deliveries) that hit the frame budget. */
  stormSteps = 0;
  lastStorm: StormInfo | null = null;
  private readonly nodes: Node[] = [];
  private readonly byName = new Map<string, Node>();
  private readonly hostKeep: number;
  private readonly defaults: Omit<SimBridgeOptions, 'mac'>;
  private nextProbe = 1;
  private readonly probeFrame = new Uint8Array(64);

  constructor(opts: SimOptions = {}) {
    this.frameBudget = opts.frameBudget ?? 20_000;
    this.hostKeep = opts.hostKeep ?? 64;
    this.defaults = opts.defaults ?? {};
    this.net = new MemoryNet({
      mode: 'manual',
      maxQueuedBatches: opts.maxQueuedBatches ?? 4096,
      // a batch per flush usually holds one or two frames here: keep the buffers small
      batchBytes: 4096,
      batchFrames: 32,
    });
  }

  // ------------------------------------------------------------ building

  /** Adds a bridge (STP on unless stp: false) with its host port. */
  bridge(name: string, opts: SimBridgeOptions = {}): Bridge {
    if (this.byName.has(name)) throw new Error(`bridge ${name} already exists in this simulation`);
    const o = { ...this.defaults, ...opts };
    const k = this.nodes.length + 1;
    const mac = o.mac === undefined ? simBridgeMac(k) : typeof o.mac === 'string' ? parseMac(o.mac) : o.mac;
    const bridge = new Bridge({
      name, clock: this.clock, mac,
      stpPriority: o.priority, helloSec: o.helloSec, maxAgeSec: o.maxAgeSec, forwardDelaySec: o.forwardDelaySec,
      ageingSec: o.ageingSec, stpProtocol: o.protocol,
    });
    const node: Node = {
      name, index: k - 1, bridge, links: [],
      hostEnd: new MemoryPort({ name: `${name}-host`, mac: 0x0e0000000000 + k * 0x1000, net: this.net }),
      counts: { rxData: 0, rxDiscarded: 0, rxBpdu: 0, hostRx: 0 },
      probeRx: new Map(), probeDiscarded: new Map(), probeHost: new Map(), hostFrames: [],
    };
    const hostSide = new MemoryPort({ name, mac, net: this.net });
    MemoryLink.connect(hostSide, node.hostEnd);
    node.hostEnd.start({
      receiveBatch: (buf, offs, lens, count) => {
        for (let i = 0; i < count; i++) {
          const off = offs[i]!;
          const len = lens[i]!;
          node.counts.hostRx++;
          const id = probeIdOf(buf, off, len);
          if (id >= 0) node.probeHost.set(id, (node.probeHost.get(id) ?? 0) + 1);
          if (node.hostFrames.length < this.hostKeep) node.hostFrames.push(buf.slice(off, off + len));
        }
      },
      linkDown: () => {},
    });
    bridge.addPort(hostSide, { host: true });
    if (o.stp ?? true) bridge.stp.enable();
    this.nodes.push(node);
    this.byName.set(name, node);
    return bridge;
  }

  /** A cable between two bridges: a new port on each. Returns the link (cut/restore/silence). */
  link(a: string, b: string, opts: SimLinkOptions = {}): SimLink {
    if (a === b) throw new Error(`cannot link bridge ${a} to itself`);
    const na = this.node(a);
    const nb = this.node(b);
    const nth = this.links.filter((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a)).length + 1;
    const suffix = nth > 1 ? `.${nth}` : '';
    const pa = `${a}-${b}${suffix}`;
    const pb = `${b}-${a}${suffix}`;
    const speed = opts.speedMbps ?? 10000;
    const ma = new MemoryPort({ name: pa, mac: this.portMac(na), speedMbps: speed, net: this.net });
    const mb = new MemoryPort({ name: pb, mac: this.portMac(nb), speedMbps: speed, net: this.net });
    const link = new SimLink(this.links.length, a, b, pa, pb, MemoryLink.connect(ma, mb), this);
    link.portA = na.bridge.addPort(new SimPortIO(ma, link), { pathCost: opts.cost });
    link.portB = nb.bridge.addPort(new SimPortIO(mb, link), { pathCost: opts.costB ?? opts.cost });
    link.portA.capture = this.counter(na, link.portA);
    link.portB.capture = this.counter(nb, link.portB);
    this.links.push(link);
    na.links.push(link);
    nb.links.push(link);
    this.deliver();
    return link;
  }

  /** Counts what arrives on a link port (the capture hook sees it before the port state is checked). */
  private counter(n: Node, port: BridgePort): PortCapture {
    const c = n.counts;
    return {
      frame: (dir, buf, off, len) => {
        if (dir !== 0) return;
        if (readMac(buf, off) === MAC_STP) { c.rxBpdu++; return; }
        const taken = port.state === PORT_FORWARDING;
        if (taken) c.rxData++; else c.rxDiscarded++;
        const id = probeIdOf(buf, off, len);
        if (id < 0) return;
        const m = taken ? n.probeRx : n.probeDiscarded;
        m.set(id, (m.get(id) ?? 0) + 1);
      },
    };
  }

  private portMac(n: Node): number {
    return 0x0a0000000000 + (n.index + 1) * 0x1000 + n.links.length + 1;
  }

  // ------------------------------------------------------------ time

  /** Advances the clock by ms in steps of stepMs; each step ticks every bridge and delivers. */
  run(ms: number, stepMs = 100): RunReport {
    if (!(stepMs > 0)) throw new RangeError(`step ${stepMs} ms: must be positive`);
    const report: RunReport = {
      startMs: this.clock.now(), endMs: this.clock.now(), steps: 0, frames: 0, framesPerStep: [],
      maxStepFrames: 0, stormSteps: 0, firstStormMs: null,
    };
    for (let done = 0; done < ms;) {
      const dt = Math.min(stepMs, ms - done);
      const r = this.step(dt);
      done += dt;
      report.steps++;
      report.frames += r.frames;
      report.framesPerStep.push(r.frames);
      if (r.frames > report.maxStepFrames) report.maxStepFrames = r.frames;
      if (r.storm) {
        report.stormSteps++;
        report.firstStormMs ??= this.clock.now();
      }
    }
    report.endMs = this.clock.now();
    return report;
  }

  /** One step: advance, tick every bridge, deliver. */
  step(ms = 100): DeliveryReport {
    this.clock.advance(ms);
    for (const n of this.nodes) n.bridge.tick();
    return this.deliver();
  }

  /**
   * Runs until pred() holds after a step (checked first at the current time), for at most
   * maxMs. Returns the simulated ms it took, or null if it never held.
   */
  runUntil(pred: () => boolean, maxMs: number, stepMs = 100): number | null {
    const start = this.clock.now();
    if (pred()) return 0;
    while (this.clock.now() - start < maxMs) {
      this.step(Math.min(stepMs, maxMs - (this.clock.now() - start)));
      if (pred()) return this.clock.now() - start;
    }
    return null;
  }

  /** Delivers queued frames until the net is quiet or the frame budget is spent. */
  deliver(budget = this.frameBudget): DeliveryReport {
    const net = this.net;
    const base = net.deliveredFrames + net.droppedFrames;
    let frames = 0;
    while (net.pending > 0 && frames < budget) {
      net.deliver(1);
      frames = net.deliveredFrames + net.droppedFrames - base;
    }
    const pending = net.pending;
    const storm = pending > 0;
    if (storm) {
      this.stormSteps++;
      this.lastStorm = { timeMs: this.clock.now(), frames, pending };
    }
    return { frames, storm, pending };
  }

  // ------------------------------------------------------------ traffic

  /** Frames sent by the host of a bridge into its host port, then delivered (within the budget). */
  inject(bridge: string, frames: Uint8Array | readonly Uint8Array[]): DeliveryReport {
    const n = this.node(bridge);
    const list: readonly Uint8Array[] = frames instanceof Uint8Array ? [frames] : frames;
    for (const f of list) n.hostEnd.send(f, 0, f.length);
    n.hostEnd.flush();
    return this.deliver();
  }

  /**
   * A probe frame from the host of `bridge` (broadcast unless dst is given), EtherType 0x88b5
   * with a 32-bit id that the counters recognise. Delivered before return; returns the id.
   */
  probe(bridge: string, opts: { dst?: number } = {}): number {
    const n = this.node(bridge);
    const id = this.nextProbe++;
    const f = this.probeFrame;
    f.fill(0);
    writeMac(f, 0, opts.dst ?? MAC_BROADCAST);
    writeMac(f, 6, n.hostEnd.mac);
    f[12] = SIM_PROBE_ETHERTYPE >>> 8;
    f[13] = SIM_PROBE_ETHERTYPE & 0xff;
    f[14] = (id >>> 24) & 0xff;
    f[15] = (id >>> 16) & 0xff;
    f[16] = (id >>> 8) & 0xff;
    f[17] = id & 0xff;
    this.inject(bridge, f);
    return id;
  }

  /** Times `bridge` took probe `id` in on a forwarding link port. */
  probeCount(bridge: string, id: number): number {
    return this.node(bridge).probeRx.get(id) ?? 0;
  }

  /** Times probe `id` arrived at a link port of `bridge` that does not forward (and was dropped there). */
  probeDiscardedCount(bridge: string, id: number): number {
    return this.node(bridge).probeDiscarded.get(id) ?? 0;
  }

  /** Times `bridge` handed probe `id` to its host. */
  probeHostCount(bridge: string, id: number): number {
    return this.node(bridge).probeHost.get(id) ?? 0;
  }

  /** The MAC a bridge's host sends from. */
  hostMac(bridge: string): number {
    return this.node(bridge).hostEnd.mac;
  }

  /** Copies of the first frames the bridge handed to its host (up to hostKeep). */
  hostFrames(bridge: string): Uint8Array[] {
    return this.node(bridge).hostFrames;
  }

  /** Frame counters of a bridge (a live object: read it, don't keep it). */
  counts(bridge: string): SimCounts {
    return this.node(bridge).counts;
  }

  /** Counters of every bridge by name (copies). */
  allCounts(): Record<string, SimCounts> {
    const out: Record<string, SimCounts> = {};
    for (const n of this.nodes) out[n.name] = { ...n.counts };
    return out;
  }

  resetCounts(): void {
    for (const n of this.nodes) {
      n.counts.rxData = 0;
      n.counts.rxDiscarded = 0;
      n.counts.rxBpdu = 0;
      n.counts.hostRx = 0;
      n.probeRx.clear();
      n.probeDiscarded.clear();
      n.probeHost.clear();
      n.hostFrames.length = 0;
    }
  }

  // ------------------------------------------------------------ control

  get(name: string): Bridge {
    return this.node(name).bridge;
  }

  /** Bridge names in creation order. */
  names(): string[] {
    return this.nodes.map((n) => n.name);
  }

  /** Changes a bridge's STP priority and delivers what that sends. */
  setPriority(name: string, prio: number): void {
    this.get(name).stp.setBridgePriority(prio);
    this.deliver();
  }

  /** Turns STP on or off on a bridge and delivers what that sends. */
  setStp(name: string, on: boolean): void {
    const stp = this.get(name).stp;
    if (on) stp.enable(); else stp.disable();
    this.deliver();
  }

  // ------------------------------------------------------------ views

  snapshot(name: string): StpSnapshot {
    return this.get(name).stp.snapshot();
  }

  bridgeId(name: string): string {
    return this.snapshot(name).bridgeId;
  }

  /** The root bridge id this bridge believes in. */
  rootId(name: string): string {
    return this.snapshot(name).designatedRoot;
  }

  /** The name of the bridge this bridge believes is root (undefined: an id not in the simulation). */
  rootOf(name: string): string | undefined {
    const id = this.rootId(name);
    return this.nodes.find((n) => n.bridge.stp.snapshot().bridgeId === id)?.name;
  }

  rootPathCost(name: string): number {
    return this.snapshot(name).rootPathCost;
  }

  /** The STP bridge with the lowest bridge id (ids are fixed-width hex, so text order is numeric order). */
  lowestBridge(): string {
    let best: { name: string; id: string } | null = null;
    for (const n of this.nodes) {
      if (!n.bridge.stp.enabled) continue;
      const id = n.bridge.stp.snapshot().bridgeId;
      if (best === null || id < best.id) best = { name: n.name, id };
    }
    if (best === null) throw new Error('no bridge runs STP');
    return best.name;
  }

  /** Link port states of a bridge by port name. */
  portStates(name: string): Record<string, PortStateName> {
    const out: Record<string, PortStateName> = {};
    for (const l of this.node(name).links) {
      const p = l.portAt(name);
      out[p.name] = PORT_STATE_NAMES[p.state] ?? 'disabled';
    }
    return out;
  }

  /** Links whose both ends forward. */
  forwardingLinks(): SimLink[] {
    return this.links.filter((l) => l.state === 'forwarding');
  }

  /** Link ports in blocking state, as `bridge:port`. */
  blockedPorts(): string[] {
    const out: string[] = [];
    for (const l of this.links) {
      if (!l.mem.isUp) continue;
      if (l.portA.state === PORT_BLOCKING) out.push(`${l.a}:${l.portA.name}`);
      if (l.portB.state === PORT_BLOCKING) out.push(`${l.b}:${l.portB.name}`);
    }
    return out.sort();
  }

  /** Ports in listening or learning state (the tree is still settling). */
  transitioningPorts(): string[] {
    const out: string[] = [];
    for (const n of this.nodes) {
      for (const l of n.links) {
        const p = l.portAt(n.name);
        if (p.state === PORT_LISTENING || p.state === PORT_LEARNING) out.push(`${n.name}:${p.name}`);
      }
    }
    return out;
  }

  /**
   * Do the forwarding links form a spanning tree of every group of bridges the working links
   * join? ok: acyclic, and exactly the bridges connected by working links are connected by
   * forwarding ones. reason explains a failure.
   */
  treeCheck(): { ok: boolean; reason: string } {
    const n = this.nodes.length;
    const fwd = new UnionFind(n);
    const up = new UnionFind(n);
    for (const l of this.links) {
      const a = this.node(l.a).index;
      const b = this.node(l.b).index;
      if (l.isUp) up.union(a, b);
      if (l.state === 'forwarding' && !fwd.union(a, b)) return { ok: false, reason: `loop: forwarding link ${l.label} closes a cycle` };
    }
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (up.find(i) === up.find(j) && fwd.find(i) !== fwd.find(j)) {
          return { ok: false, reason: `${this.nodes[i]!.name} and ${this.nodes[j]!.name} are linked but not joined by forwarding links` };
        }
      }
    }
    return { ok: true, reason: '' };
  }

  /**
   * Settled: no port listening or learning, the forwarding links form a spanning tree, and every
   * STP bridge agrees with the others it is linked to on the root.
   */
  converged(): boolean {
    return this.convergence().ok;
  }

  /** converged() with the reason it is not. */
  convergence(): { ok: boolean; reason: string } {
    const tr = this.transitioningPorts();
    if (tr.length > 0) return { ok: false, reason: `ports in transition: ${tr.join(', ')}` };
    const t = this.treeCheck();
    if (!t.ok) return t;
    const up = new UnionFind(this.nodes.length);
    for (const l of this.links) if (l.isUp) up.union(this.node(l.a).index, this.node(l.b).index);
    const rootOfGroup = new Map<number, { root: string; who: string }>();
    for (const n of this.nodes) {
      if (!n.bridge.stp.enabled) continue;
      const root = n.bridge.stp.snapshot().designatedRoot;
      const g = up.find(n.index);
      const seen = rootOfGroup.get(g);
      if (!seen) rootOfGroup.set(g, { root, who: n.name });
      else if (seen.root !== root) return { ok: false, reason: `${seen.who} sees root ${seen.root}, ${n.name} sees ${root}` };
    }
    return { ok: true, reason: '' };
  }

  /** A text fingerprint of the active topology: forwarding links and blocked ports. */
  treeSignature(): string {
    const fwd = this.forwardingLinks().map((l) => l.label).sort();
    return `forwarding: ${fwd.join(' ')} | blocking: ${this.blockedPorts().join(' ')}`;
  }

  private node(name: string): Node {
    const n = this.byName.get(name);
    if (!n) throw new Error(`no bridge ${name} in this simulation`);
    return n;
  }
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    let r = x;
    while (this.parent[r] !== r) r = this.parent[r]!;
    while (this.parent[x] !== r) {
      const nx = this.parent[x]!;
      this.parent[x] = r;
      x = nx;
    }
    return r;
  }
  /** false if a and b were already joined. */
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    this.parent[ra] = rb;
    return true;
  }
}

/** Builds the k-th default bridge MAC as a number (for tests that want to predict ids). */
export function simBridgeMac(k: number): number {
  return 0x020000000000 + k * 0x1000;
}
