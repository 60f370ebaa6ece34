// The daemon's state and what it does: the bridges it runs, the ports it opened, config apply and
// the views behind the CLI's tables. The control commands that call these live in the modules
// that register them (commands.ts). Everything here is off the fast path; frames flow
// driver → Bridge → driver without it.
import { Bridge } from '../bridge/bridge.js';
import { setPortVlans } from '../bridge/port-vlans.js';
import type { BridgePort } from '../bridge/port.js';
import { SystemClock, type Clock } from '../bridge/clock.js';
import type { PortIO } from '../bridge/port-io.js';
import { MTU_MAX_DEVICE } from './port-kinds/spec-parts.js';
import type { BridgeEvent } from '../bridge/events.js';
import { formatMac, parseMac, randomLocalMac } from '../frame/mac.js';
import { STP_LIMITS } from '../stp/constants.js';
import { UserError } from './protocol.js';
import { numIn, bridgeName } from './args.js';
import { ROUTER_LEARN } from '../mdb/mdb.js';
import { takeAddressOnThread, type BridgeConfig, type Config, type PortConfig, type StaticEntryConfig, type MirrorConfig } from './config.js';
import { portSpec, openPort, listenPort, isEndpointSpec, type PortSpec, type PortEndpoint } from './port-kinds/index.js';
import type { BridgeInfo, FdbRow, LinkRow } from './wire-types.js';
import * as views from './views.js';
import { takeAddressing, returnAddressing, type TakenAddressing } from './take-address.js';
import { applyImpairConfig } from './impair-state.js';

export interface ManagedBridge {
  bridge: Bridge;
  /** Specs of ports by port name, parsed (for reload diffs and show). */
  specs: Map<string, PortSpec>;
  /** Endpoints (vde:DIR) by their name: each client of one is a port of its own. */
  endpoints: Map<string, PortEndpoint>;
  /** The same ports' specs as the user wrote them (`tap:tap0`, `stream:vm1=/run/vm1.sock`), for config show. */
  given: Map<string, string>;
  /** Addresses and routes taken from attached netdevs (addif --take-address), by port name. */
  taken: Map<string, TakenAddressing>;
  /** The bridge's one timer for its delay lines (Bridge.timerRequest), while one is armed. */
  impairTimer?: NodeJS.Timeout;
}

export interface DaemonOptions {
  clock?: Clock;
  /** Timer tick for ageing and STP, ms. */
  tickMs?: number;
  log?: (msg: string) => void;
  /** This daemon runs one bridge in a worker thread (bridge-worker.ts): what needs the main thread is refused. */
  onThread?: boolean;
}

/** The refusal of a second bridge of one name (a main-thread one or one on its own thread). */
export function bridgeExists(name: string): UserError {
  return new UserError(`bridge ${name} already exists`);
}

/** The refusal of a device that is already a port of bridge owner (target itself, or another). */
export function portTaken(name: string, owner: string, target: string): UserError {
  return new UserError(owner === target
    ? `interface ${name} is already a port of bridge ${target}`
    : `device ${name} is already a member of bridge ${owner}; can't enslave it to bridge ${target}`);
}

/** The refusal of a bridge's name as a port of another. */
export function bridgeAsPort(name: string, target: string): UserError {
  return new UserError(`${name} is a bridge; a bridge cannot be a port of ${target}`);
}

export class Daemon {
  readonly bridges = new Map<string, ManagedBridge>();
  /** The config file the daemon runs from (config save writes there by default) and its service keys. */
  source: { file?: string; control?: string; metrics?: string | false } = {};
  readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private log: (msg: string) => void;
  private readonly onThread: boolean;
  /** Listeners for every bridge's events (monitor clients, logs). */
  private eventSinks = new Set<(e: BridgeEvent & { time: number }) => void>();

  constructor(opts: DaemonOptions = {}) {
    this.clock = opts.clock ?? new SystemClock();
    this.log = opts.log ?? ((m) => process.stderr.write(`softbr: ${m}\n`));
    this.onThread = opts.onThread ?? false;
    const tickMs = opts.tickMs ?? 100;
    if (tickMs > 0) {
      this.timer = setInterval(() => this.tick(), tickMs);
      this.timer.unref();
    }
  }

  tick(): void {
    for (const m of this.bridges.values()) m.bridge.tick();
  }

  get(name: unknown): ManagedBridge {
    const n = bridgeName(name);
    const m = this.bridges.get(n);
    if (!m) throw new UserError(`bridge ${n} does not exist`);
    return m;
  }

  port(m: ManagedBridge, name: unknown): BridgePort {
    if (typeof name !== 'string' || !name) throw new UserError('missing port');
    let bare = name;
    try { bare = portSpec(name).name; } catch { /* not a spec: look it up as given */ }
    const p = m.bridge.portByName(bare);
    if (!p || p.isHost) throw new UserError(`interface ${bare} is not a port of bridge ${m.bridge.name}`);
    return p;
  }

  /** The bridge that has a port or an endpoint of this name, if any. */
  ownerOf(name: string): string | undefined {
    for (const other of this.bridges.values()) {
      if (other.bridge.portByName(name) !== undefined || other.endpoints.has(name)) return other.bridge.name;
    }
    return undefined;
  }

  // ------------------------------------------------------------ bridges and ports

  async addBridge(cfg: Pick<BridgeConfig, 'name'> & Partial<BridgeConfig>): Promise<ManagedBridge> {
    const name = bridgeName(cfg.name);
    if (this.bridges.has(name)) throw bridgeExists(name);
    const mac = cfg.mac ? parseMac(cfg.mac) : randomLocalMac();
    const stp = cfg.stp;
    const bridge = new Bridge({
      name, clock: this.clock, mac,
      ageingSec: cfg.ageing ?? 300,
      maxEntries: cfg.maxEntries,
      policy: cfg.limitPolicy,
      perPortLimit: cfg.maxLearnedPerPort,
      vlanFiltering: cfg.vlanFiltering ?? false,
      stpPriority: stp?.priority, helloSec: stp?.hello, maxAgeSec: stp?.maxAge, forwardDelaySec: stp?.forwardDelay,
      stpProtocol: stp?.protocol,
    });
    const m: ManagedBridge = { bridge, specs: new Map(), endpoints: new Map(), given: new Map(), taken: new Map() };
    bridge.on((e) => { for (const s of this.eventSinks) s(e); });
    // delay lines release on the clock: one timer per bridge, re-armed for the earliest due
    bridge.timerRequest = (due) => {
      if (m.impairTimer !== undefined) clearTimeout(m.impairTimer);
      m.impairTimer = setTimeout(() => { m.impairTimer = undefined; bridge.runImpairTimers(); }, Math.max(0, due - this.clock.now()));
    };
    if (cfg.local ?? true) {
      // the host port is a TAP named like the bridge, carrying the bridge MAC, as br0 is in the kernel
      let io: PortIO;
      try {
        // sized for jumbo frames: its device MTU follows the ports' (syncMtu)
        io = await openPort({ kind: 'tap', name, mac, capacityMtu: MTU_MAX_DEVICE }, this.log);
      } catch (e) {
        throw new UserError(`cannot create bridge ${name}: its host port: ${(e as Error).message} (choose another name, or --no-local)`);
      }
      setPortVlans(bridge.addPort(io, { host: true }), cfg.vlans);
    }
    this.bridges.set(name, m);
    try {
      if (stp?.enabled) bridge.stp.enable();
      for (const p of cfg.ports ?? []) await this.addPort(m, p);
      for (const s of cfg.static ?? []) this.addStatic(m, s);
      for (const mc of cfg.mirrors ?? []) bridge.addMirror(mc.name, mc.from, mc.direction, mc.to);
      this.applyMcast(m, cfg, []);
    } catch (e) {
      this.deleteBridge(name);
      throw e;
    }
    return m;
  }

  /** Moves addresses taken from port name back to its device, before the port (or the host port) goes. */
  private giveBack(m: ManagedBridge, name: string): void {
    const taken = m.taken.get(name);
    if (!taken) return;
    returnAddressing(taken, m.bridge.name, this.log);
    m.taken.delete(name);
    this.log(`${m.bridge.name}: gave the addresses and routes back to ${name}`);
  }

  deleteBridge(name: string): void {
    const m = this.get(name);
    // before the host port TAP (which holds them) is deleted
    for (const pname of [...m.taken.keys()]) {
      try { this.giveBack(m, pname); } catch (e) { this.log(`${name}: ${(e as Error).message}`); }
    }
    for (const ep of m.endpoints.values()) ep.close();
    m.endpoints.clear();
    for (const p of m.bridge.allPorts()) m.bridge.removePort(p.name);
    m.bridge.stp.disable();
    if (m.impairTimer !== undefined) clearTimeout(m.impairTimer);
    m.impairTimer = undefined;
    this.bridges.delete(name);
  }

  /** Adds a port, or starts an endpoint (then null: its clients become ports as they connect). */
  async addPort(m: ManagedBridge, pc: PortConfig): Promise<BridgePort | null> {
    const spec = portSpec(pc.name);
    const owner = this.ownerOf(spec.name);
    if (owner !== undefined) throw portTaken(spec.name, owner, m.bridge.name);
    if (this.bridges.has(spec.name)) throw bridgeAsPort(spec.name, m.bridge.name);
    const portMac = pc.mac ? parseMac(pc.mac) : undefined;
    if (pc.cost !== undefined) numIn(pc.cost, 'path cost', ...STP_LIMITS.pathCost, true);
    if (pc.priority !== undefined) numIn(pc.priority, 'port priority', ...STP_LIMITS.portPriority, true);
    if (pc.takeAddress) {
      if (this.onThread) throw new UserError(takeAddressOnThread(m.bridge.name, pc.name));
      if (spec.kind !== 'dev') throw new UserError(`--take-address: ${pc.name} is not an existing netdev (only an attached device like eth0 has addresses to move)`);
      if (!m.bridge.allPorts().some((p) => p.isHost)) throw new UserError(`--take-address: bridge ${m.bridge.name} has no host port to move the addresses to (it was created with --no-local)`);
    }
    if (isEndpointSpec(spec)) {
      const ep = await listenPort(spec, this.log, {
        add: (io) => this.addClientPort(m, io, pc),
        remove: (io) => {
          if (m.bridge.portByName(io.name)?.io !== io) return;
          m.bridge.removePort(io.name);
          this.syncMtu(m);
        },
      });
      m.endpoints.set(spec.name, ep);
      m.specs.set(spec.name, spec);
      m.given.set(spec.name, pc.name);
      return null;
    }
    const io: PortIO = await openPort(spec, this.log);
    let port: BridgePort;
    try {
      port = m.bridge.addPort(io, {
        // a TAP's netdev is the peer's NIC, so the bridge side needs an address of its own
        mac: portMac ?? (spec.kind === 'tap' || io.kind === 'tap' ? randomLocalMac() : io.mac),
        learning: pc.learning, floodUnicast: pc.flood, floodBroadcast: pc.bcastFlood, floodMulticast: pc.mcastFlood,
        hairpin: pc.hairpin, pathCost: pc.cost, priority: pc.priority, edge: pc.edge,
      });
      setPortVlans(port, pc.vlans);
      if (pc.storm !== undefined) m.bridge.setStorm(port.name, pc.storm);
    } catch (e) {
      io.close();
      throw e;
    }
    try {
      applyImpairConfig(m.bridge, port, pc.impair);
    } catch (e) {
      m.bridge.removePort(port.name);
      throw e;
    }
    if (pc.takeAddress) {
      try {
        m.taken.set(spec.name, takeAddressing(spec.name, m.bridge.name, this.log));
        this.log(`${m.bridge.name}: took the addresses and routes of ${spec.name}`);
      } catch (e) {
        m.bridge.removePort(port.name);
        throw e;
      }
    }
    m.specs.set(spec.name, spec);
    m.given.set(spec.name, pc.name);
    this.syncMtu(m);
    return port;
  }

  /** A client of an endpoint joins: a port with the endpoint's flags; false when its name is taken. */
  private addClientPort(m: ManagedBridge, io: PortIO, pc: PortConfig): boolean {
    for (const other of this.bridges.values()) {
      if (other.bridge.portByName(io.name) || other.endpoints.has(io.name) || this.bridges.has(io.name)) {
        this.log(`${m.bridge.name}: a client's port ${io.name} is refused: that name is taken`);
        return false;
      }
    }
    const port = m.bridge.addPort(io, {
      mac: io.mac,
      learning: pc.learning, floodUnicast: pc.flood, floodBroadcast: pc.bcastFlood, floodMulticast: pc.mcastFlood,
      hairpin: pc.hairpin, pathCost: pc.cost, priority: pc.priority, edge: pc.edge,
    });
    setPortVlans(port, pc.vlans);
    try {
      applyImpairConfig(m.bridge, port, pc.impair);
    } catch (e) {
      this.log(`${m.bridge.name}: client port ${io.name}: ${(e as Error).message}`);
    }
    if (pc.storm !== undefined) m.bridge.setStorm(port.name, pc.storm);
    this.syncMtu(m);
    return true;
  }

  /**
   * The bridge's effective MTU is its ports' smallest, as the kernel's: the host port's device
   * MTU follows it (1500 with no ports), so what the host sends fits every port.
   */
  private syncMtu(m: ManagedBridge): void {
    const host = m.bridge.allPorts().find((p) => p.isHost)?.io as { deviceMtu?: number; setDeviceMtu?(n: number): void; mtu: number } | undefined;
    if (host?.setDeviceMtu === undefined) return;
    const ports = m.bridge.allPorts().filter((p) => !p.isHost);
    const want = Math.min(host.mtu, ports.length === 0 ? 1500 : Math.min(...ports.map((p) => p.io.mtu)));
    try {
      if (host.deviceMtu === want) return;
      host.setDeviceMtu(want);
      this.log(`${m.bridge.name}: MTU ${want} (the smallest of its ports')`);
    } catch (e) {
      this.log(`${m.bridge.name}: cannot set its MTU to ${want}: ${(e as Error).message}`);
    }
  }


  /** A static FDB entry of the config; the bridge's refusal (no such port) is the user's error. */
  addStatic(m: ManagedBridge, s: StaticEntryConfig): void {
    try {
      m.bridge.addStatic(parseMac(s.mac), s.port, s.vlan);
    } catch (e) {
      throw new UserError(`bridge ${m.bridge.name}: static entry ${s.mac}: ${(e as Error).message}`);
    }
  }

  /** The static (not local, not learned) FDB entries of a bridge, as the config writes them. */
  staticEntries(m: ManagedBridge): StaticEntryConfig[] {
    const names = new Map(m.bridge.allPorts().map((p) => [p.no, p.name]));
    return m.bridge.fdb.entries(this.clock.now())
      .filter((e) => e.kind === 'static')
      .map((e) => ({ mac: formatMac(e.mac), port: names.get(e.port) ?? String(e.port), vlan: e.vid }))
      .sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : a.vlan - b.vlan));
  }

  removePort(m: ManagedBridge, name: string): void {
    let bare = name;
    try { bare = portSpec(name).name; } catch { /* not a spec: look it up as given */ }
    const ep = m.endpoints.get(bare);
    if (ep !== undefined) {
      m.endpoints.delete(bare);
      m.specs.delete(bare);
      m.given.delete(bare);
      ep.close();
      return;
    }
    const p = this.port(m, name);
    this.giveBack(m, p.name);
    m.bridge.removePort(p.name);
    m.specs.delete(p.name);
    this.syncMtu(m);
    m.given.delete(p.name);
  }

  /** Closes every port (deleting TAPs softbr created) and stops timers. */
  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const name of [...this.bridges.keys()]) {
      try { this.deleteBridge(name); } catch (e) { this.log(`closing ${name}: ${(e as Error).message}`); }
    }
  }

  // ------------------------------------------------------------ config

  async applyConfig(cfg: Config): Promise<string[]> {
    const done: string[] = [];
    const wanted = new Map(cfg.bridges.map((b) => [b.name, b]));
    for (const name of [...this.bridges.keys()]) {
      if (!wanted.has(name)) { this.deleteBridge(name); done.push(`removed bridge ${name}`); }
    }
    done.push(...this.releasePorts(cfg));
    for (const b of cfg.bridges) {
      const m = this.bridges.get(b.name);
      if (!m) { await this.addBridge(b); done.push(`added bridge ${b.name}`); continue; }
      const br = m.bridge;
      if (br.fdb.ageingMs !== b.ageing * 1000) { br.setAgeing(b.ageing); done.push(`${b.name}: ageing ${b.ageing}`); }
      br.fdb.setPerPortLimit(b.maxLearnedPerPort ?? 0);
      // a smaller table would have to drop entries it holds: that waits for the bridge to be recreated
      if (b.maxEntries !== undefined && b.maxEntries !== br.fdb.maxEntries && !br.fdb.setMaxEntries(b.maxEntries)) {
        done.push(`${b.name}: maxEntries ${b.maxEntries} not applied (${br.fdb.learnedCount} entries learned now)`);
      }
      if (b.limitPolicy !== undefined) br.fdb.setPolicy(b.limitPolicy);
      this.applyStp(m, b.stp, done);
      const wantPorts = new Map(b.ports.map((p) => [portSpec(p.name).name, p]));
      for (const [pname, pc] of wantPorts) {
        if (m.endpoints.has(pname)) continue;
        const existing = br.portByName(pname);
        if (!existing) { await this.addPort(m, pc); done.push(`${b.name}: added port ${pname}`); continue; }
        existing.setFlags({ learning: pc.learning ?? true, floodUnicast: pc.flood ?? true, floodBroadcast: pc.bcastFlood ?? true, floodMulticast: pc.mcastFlood ?? true, hairpin: pc.hairpin ?? false });
        if (pc.cost !== undefined) br.stp.setPathCost(existing.no, pc.cost);
        if (pc.priority !== undefined) br.stp.setPortPriority(existing.no, pc.priority);
        br.stp.setPortEdge(existing.no, pc.edge ?? false);
        setPortVlans(existing, pc.vlans);
        for (const d of applyImpairConfig(br, existing, pc.impair, true)) done.push(`${b.name}: ${pname} impair ${d}`);
        br.setStorm(pname, pc.storm ?? {});
      }
      const host = br.ports[0];
      if (host !== undefined) setPortVlans(host, b.vlans);
      if (br.vlanFiltering !== b.vlanFiltering) {
        br.flushFdb();
        br.vlanFiltering = b.vlanFiltering;
        done.push(`${b.name}: vlanFiltering ${b.vlanFiltering}`);
      }
      const key = (s: StaticEntryConfig) => `${s.mac}/${s.vlan}/${s.port}`;
      const want = new Map(b.static.map((s) => [key(s), s]));
      for (const s of this.staticEntries(m)) {
        if (!want.delete(key(s))) { br.removeFdb(parseMac(s.mac), s.vlan); done.push(`${b.name}: removed static ${s.mac}`); }
      }
      for (const s of want.values()) { this.addStatic(m, s); done.push(`${b.name}: static ${s.mac} on ${s.port}`); }
      this.applyMirrors(m, b.mirrors ?? [], done);
      this.applyMcast(m, b, done);
    }
    return done;
  }

  /**
   * The first step of applyConfig: every bridge cfg keeps lets go of the ports cfg no longer gives
   * it, before any bridge adds one, so that a device moving from one bridge to another in one
   * reload is free when the other opens it. BridgeThreads asks each bridge thread for this step
   * before the main thread's bridges add ports. Bridges cfg does not name are left alone.
   */
  releasePorts(cfg: Pick<Config, 'bridges'>): string[] {
    const done: string[] = [];
    for (const b of cfg.bridges) {
      const m = this.bridges.get(b.name);
      if (m === undefined) continue;
      const keep = new Set(b.ports.map((p) => portSpec(p.name).name));
      for (const pname of [...m.specs.keys()]) {
        if (!keep.has(pname)) { this.removePort(m, pname); done.push(`${b.name}: removed port ${pname}`); }
      }
    }
    return done;
  }

  /** Snooping settings of the bridge and the router mode of its ports, as the config gives them (absent: the defaults). */
  private applyMcast(m: ManagedBridge, b: Partial<BridgeConfig>, done: string[]): void {
    const br = m.bridge;
    br.mdb.floodUnknown = b.mcastFloodUnknown ?? false;
    const q = b.mcastQuerier ?? false;
    if (br.mdb.querier !== q) { br.setMcastQuerier(q); done.push(`${br.name}: mcastQuerier ${q}`); }
    const on = b.mcastSnooping ?? false;
    if (br.mcastSnooping !== on) { br.setMcastSnooping(on); done.push(`${br.name}: mcastSnooping ${on}`); }
    for (const pc of b.ports ?? []) {
      const p = br.portByName(portSpec(pc.name).name);
      const want = pc.mcastRouter ?? ROUTER_LEARN;
      if (p !== undefined && br.mdb.routerMode[p.no] !== want) br.mdb.setRouterMode(p.no, want);
    }
  }

  /** Ends sessions the config no longer has (or has changed) and starts the ones it adds. */
  private applyMirrors(m: ManagedBridge, wanted: MirrorConfig[], done: string[]): void {
    const br = m.bridge;
    const key = (c: Omit<MirrorConfig, 'name'>) => `${c.from.join(',')}/${c.direction}/${c.to}`;
    const want = new Map(wanted.map((c) => [c.name, c]));
    for (const s of br.mirrorList()) {
      const w = want.get(s.name);
      if (w !== undefined && key(w) === key(s)) { want.delete(s.name); continue; }
      br.deleteMirror(s.name);
      done.push(`${br.name}: removed mirror ${s.name}`);
    }
    for (const c of want.values()) { br.addMirror(c.name, c.from, c.direction, c.to); done.push(`${br.name}: mirror ${c.name}`); }
  }

  private applyStp(m: ManagedBridge, s: BridgeConfig['stp'], done: string[]): void {
    const stp = m.bridge.stp;
    const snap = stp.snapshot();
    if (snap.bridgePriority !== s.priority) { stp.setBridgePriority(s.priority); done.push(`${m.bridge.name}: priority ${s.priority}`); }
    if (snap.bridgeHelloTime !== s.hello) stp.setHelloTime(s.hello * 1000);
    if (snap.bridgeMaxAge !== s.maxAge) stp.setMaxAge(s.maxAge * 1000);
    if (snap.bridgeForwardDelay !== s.forwardDelay) stp.setForwardDelay(s.forwardDelay * 1000);
    if (stp.protocol !== s.protocol) { stp.setProtocol(s.protocol); done.push(`${m.bridge.name}: stp protocol ${s.protocol}`); }
    if (stp.enabled !== s.enabled) { if (s.enabled) stp.enable(); else stp.disable(); done.push(`${m.bridge.name}: stp ${s.enabled ? 'on' : 'off'}`); }
  }

  // ------------------------------------------------------------ views (data for the CLI's tables)

  private list(name?: string): Bridge[] {
    if (name !== undefined) return [this.get(name).bridge];
    return [...this.bridges.values()].map((m) => m.bridge).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  showRows(name?: string): BridgeInfo[] { return this.list(name).map(views.bridgeInfo); }
  macRows(name: string) { return views.macRows(this.get(name).bridge, this.clock.now()); }
  fdbRows(name?: string): FdbRow[] { return views.fdbRows(this.list(name), this.clock.now()); }
  linkRows(): LinkRow[] { return views.linkRows(this.list()); }
  stpView(m: ManagedBridge) { return views.stpView(m.bridge, this.clock.now()); }

  /** Adds a listener to every bridge's events (current and future). */
  onEvent(fn: (e: BridgeEvent & { time: number }) => void): () => void {
    this.eventSinks.add(fn);
    return () => this.eventSinks.delete(fn);
  }
}
