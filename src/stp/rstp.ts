// The Rapid Spanning Tree engine (IEEE 802.1D-2004 clause 17, 802.1w): priority vectors, port
// roles (root, designated, alternate, backup, disabled), the proposal/agreement handshake, edge
// ports (admin and detected), topology change by flushing, RST BPDUs, and per-port migration to
// 802.1D when a config/TCN BPDU is heard. Pure: BPDUs in, BPDUs, states and flushes out through
// StpHost, time only from host.now().
//
// The state machines keep the standard's names (PIM, PRS, PRT, PST, TCM, PPM, BDM, PTX) and
// variables (17.19), so the two can be read side by side. Each runs as a function that takes at
// most one transition and says whether it did; `settle()` runs them all until none moves, which
// is the standard's "all machines run until no transition is possible". Timers are deadlines in
// ms instead of 1-s ticks: `xWhile == 0` is `xWhile <= t`, and the clock steps from deadline to
// deadline so a timer always fires at its own time. The standard's "restart" transitions that
// only top a timer up (rrWhile on the root port, fdWhile on an alternate…) are applied on every
// evaluation without counting as a transition.
import { formatMac } from '../frame/mac.js';
import {
  PORT_BLOCKING, PORT_DISABLED, PORT_FORWARDING, PORT_LEARNING,
} from './port-state.js';
import {
  type BridgeId, compareBridgeId, formatBridgeId, formatPortId, makePortId, PORT_BITS,
} from './bridge-id.js';
import {
  type ConfigBpdu, type ConfigBpduFields, buildConfigBpdu, buildRstBpdu, buildTcnBpdu,
  BPDU_FLAG_TC, BPDU_FLAG_TCA, RST_FLAG_AGREEMENT, RST_FLAG_LEARNING, RST_FLAG_PROPOSAL, RST_ROLE_MASK,
  RST_ROLE_SHIFT, RST_ROLE_ALT_BACKUP, RST_ROLE_DESIGNATED, RST_ROLE_ROOT,
} from './bpdu.js';
import {
  DEFAULT_PORT_PRIORITY, MAX_BRIDGE_PRIORITY, MAX_FORWARD_DELAY_MS, MAX_HELLO_MS, MAX_MAX_AGE_MS,
  MAX_PATH_COST, MAX_PORT_PRIORITY, MIN_BRIDGE_PRIORITY, MIN_FORWARD_DELAY_MS,
  MIN_HELLO_MS, MIN_MAX_AGE_MS, MIN_PATH_COST, MIN_PORT_PRIORITY, MIGRATE_TIME_MS,
  TX_HOLD_COUNT, checkInteger, checkMac, checkRange, msToStpTicks, pathCostForSpeed, secs, stpTicksToMs,
} from './constants.js';
import { EngineBase, checkNewPort, checkOptions, newPortCounters, portIdentity } from './engine-base.js';
import type {
  AddPortOptions, PortRole, StpHost, StpOptions, StpPortCounters,
  StpPortSnapshot, StpSnapshot,
} from './types.js';

/** A priority vector (17.6): root, root path cost, designated bridge, designated port, receiving port. */
interface Vector {
  root: BridgeId;
  cost: number;
  bridge: BridgeId;
  port: number;
  rxPort: number;
}

/** Timer parameters carried by BPDUs (17.19.22), ms. */
interface Times {
  messageAge: number;
  maxAge: number;
  helloTime: number;
  forwardDelay: number;
}

type InfoIs = 'disabled' | 'aged' | 'mine' | 'received';
type RcvdInfo = 'superior' | 'repeated' | 'inferior' | 'not-designated' | 'other';

/** States of the machines that need one (the others are plain conditions on variables). */
type Pim = 'disabled' | 'aged' | 'update' | 'current';
type Ppm = 'checking' | 'selecting-stp' | 'sensing';
type Tcm = 'inactive' | 'learning' | 'active';

/** What a received BPDU said, kept until the Port Information machine takes it (rcvdMsg). */
interface Msg {
  kind: 'rst' | 'config' | 'tcn';
  role: number;
  vector: Vector;
  times: Times;
  flags: number;
}

function cmpVector(a: Vector, b: Vector): number {
  let c = compareBridgeId(a.root, b.root);
  if (c !== 0) return c;
  if (a.cost !== b.cost) return a.cost < b.cost ? -1 : 1;
  c = compareBridgeId(a.bridge, b.bridge);
  if (c !== 0) return c;
  if (a.port !== b.port) return a.port < b.port ? -1 : 1;
  if (a.rxPort !== b.rxPort) return a.rxPort < b.rxPort ? -1 : 1;
  return 0;
}

/** The four components a BPDU carries (the receiving port is not part of what a neighbour sent). */
function cmpSent(a: Vector, b: Vector): number {
  return cmpVector({ ...a, rxPort: 0 }, { ...b, rxPort: 0 });
}

const PORT_NO_MASK = (1 << PORT_BITS) - 1;

/** 17.6: better, or sent by the same designated port (bridge address and port number) again. */
function superior(msg: Vector, port: Vector): boolean {
  if (cmpSent(msg, port) < 0) return true;
  return msg.bridge.mac === port.bridge.mac && (msg.port & PORT_NO_MASK) === (port.port & PORT_NO_MASK);
}

function timesEqual(a: Times, b: Times): boolean {
  return a.messageAge === b.messageAge && a.maxAge === b.maxAge && a.helloTime === b.helloTime && a.forwardDelay === b.forwardDelay;
}

class RPort {
  readonly portNo: number;
  mac: number;
  speedMbps: number;
  priority: number;
  pathCost: number;
  adminCost: boolean;
  up: boolean;
  portId: number;
  adminEdge: boolean;
  autoEdge = true;
  /** The state the host was last told (PORT_*). */
  hostState: number = PORT_DISABLED;

  // 17.19 per-port variables
  agree = false;
  agreed = false;
  designatedPriority!: Vector;
  designatedTimes!: Times;
  disputed = false;
  forward = false;
  forwarding = false;
  infoIs: InfoIs = 'disabled';
  learn = false;
  learning = false;
  mcheck = false;
  newInfo = false;
  operEdge = false;
  portPriority!: Vector;
  portTimes!: Times;
  proposed = false;
  proposing = false;
  rcvdMsg: Msg | null = null;
  rcvdRSTP = false;
  rcvdSTP = false;
  rcvdTc = false;
  rcvdTcAck = false;
  rcvdTcn = false;
  reRoot = false;
  reselect = false;
  role: PortRole = 'disabled';
  selected = false;
  selectedRole: PortRole = 'disabled';
  sendRSTP = true;
  sync = false;
  synced = false;
  tcAck = false;
  tcProp = false;
  txCount = 0;
  updtInfo = false;
  // timers, as deadlines (engine ms)
  edgeDelayWhile = 0;
  fdWhile = 0;
  helloWhen = 0;
  mdelayWhile = 0;
  rbWhile = 0;
  rcvdInfoWhile = 0;
  rrWhile = 0;
  tcWhile = 0;
  /** Next one-second tick that takes one off txCount (the Port Timers machine). */
  txTick = 0;
  // machine states
  pim: Pim = 'disabled';
  ppm: Ppm = 'checking';
  tcm: Tcm = 'inactive';
  /** PRT: which entry actions last ran (the role machine's state within its role). */
  prt = 'init';

  readonly counters: StpPortCounters = newPortCounters();

  constructor(portNo: number, o: AddPortOptions) {
    this.portNo = portNo;
    this.mac = o.mac;
    this.speedMbps = o.speedMbps;
    this.priority = o.priority ?? DEFAULT_PORT_PRIORITY;
    this.adminCost = o.pathCost !== undefined;
    this.pathCost = o.pathCost ?? pathCostForSpeed(o.speedMbps);
    this.up = o.up ?? true;
    this.adminEdge = o.edge ?? false;
    this.portId = makePortId(this.priority, portNo);
  }
}

/** The role code an RST BPDU carries for each port role. */
const ROLE_CODE: Record<PortRole, number> = {
  root: RST_ROLE_ROOT, designated: RST_ROLE_DESIGNATED, alternate: RST_ROLE_ALT_BACKUP, backup: RST_ROLE_ALT_BACKUP, disabled: 0,
};

/** Port state names in RSTP: 802.1D's blocking and listening are one state, discarding. */
const RSTP_STATE_NAMES: Record<number, string> = {
  [PORT_DISABLED]: 'disabled', [PORT_BLOCKING]: 'discarding', [PORT_LEARNING]: 'learning', [PORT_FORWARDING]: 'forwarding',
};

/** settle() gives up after this many rounds: a bug, never a state the standard can be in. */
const SETTLE_LIMIT = 10_000;

export class Rstp extends EngineBase {
  private readonly ports = new Map<number, RPort>();
  private portList: RPort[] = [];
  private _enabled = false;

  private bridgeId: BridgeId;
  private bridgeHello: number;
  private bridgeMaxAge: number;
  private bridgeFwdDelay: number;
  private rootPriority: Vector;
  private rootPortId = 0;
  private rootTimes: Times;

  private tcWasOn = false;

  constructor(host: StpHost, opts: StpOptions) {
    const { prio, hello, maxAge, forwardDelay: fd } = checkOptions(opts);
    super(host);
    this.bridgeId = { prio, mac: opts.bridgeMac };
    this.bridgeHello = hello;
    this.bridgeMaxAge = maxAge;
    this.bridgeFwdDelay = fd;
    this.rootPriority = this.bridgePriority();
    this.rootTimes = this.bridgeTimes();
  }

  // ───────────────────────────── public API ─────────────────────────────

  get enabled(): boolean {
    return this._enabled;
  }

  /** RSTP on: BEGIN for every machine; ports with carrier start discarding. */
  enable(): void {
    this.run(() => {
      if (this._enabled) return;
      if (this.bridgeFwdDelay < MIN_FORWARD_DELAY_MS) this.bridgeFwdDelay = MIN_FORWARD_DELAY_MS;
      else if (this.bridgeFwdDelay > MAX_FORWARD_DELAY_MS) this.bridgeFwdDelay = MAX_FORWARD_DELAY_MS;
      this._enabled = true;
      this.emit({ type: 'stp-enabled' });
      this.rootPriority = this.bridgePriority();
      this.rootTimes = this.bridgeTimes();
      this.rootPortId = 0;
      for (const p of this.portList) this.begin(p);
    });
  }

  /** RSTP off: nothing is sent, every port that is up forwards. */
  disable(): void {
    this.run(() => {
      if (!this._enabled) return;
      this._enabled = false;
      const prevRoot = this.rootPriority.root;
      const prevRootPort = this.rootPortNo();
      this.rootPriority = this.bridgePriority();
      this.rootTimes = this.bridgeTimes();
      this.rootPortId = 0;
      for (const p of this.portList) {
        this.begin(p);
        p.role = p.selectedRole = p.up ? 'designated' : 'disabled';
        this.tellHost(p, p.up ? PORT_FORWARDING : PORT_DISABLED);
      }
      this.noteRoot(prevRoot, prevRootPort);
      this.emit({ type: 'stp-disabled' });
    });
  }

  addPort(portNo: number, opts: AddPortOptions): void {
    checkNewPort(portNo, opts, this.ports.has(portNo));
    this.run(() => {
      const p = new RPort(portNo, opts);
      this.ports.set(portNo, p);
      this.portList.push(p);
      this.portList.sort((a, b) => a.portNo - b.portNo);
      this.host.setPortState(portNo, PORT_DISABLED);
      this.begin(p);
      if (!this._enabled && p.up) this.tellHost(p, PORT_FORWARDING);
    });
  }

  removePort(portNo: number): void {
    this.run(() => {
      const p = this.ports.get(portNo);
      if (!p) return;
      p.up = false;
      this.ports.delete(portNo);
      this.portList = this.portList.filter((q) => q !== p);
      for (const q of this.portList) q.reselect = true;
    });
  }

  portUp(portNo: number): void {
    this.run(() => {
      const p = this.ports.get(portNo);
      if (!p || p.up) return;
      p.up = true;
      if (!p.adminCost) p.pathCost = pathCostForSpeed(p.speedMbps);
      if (!this._enabled) this.tellHost(p, PORT_FORWARDING);
    });
  }

  portDown(portNo: number): void {
    this.run(() => {
      const p = this.ports.get(portNo);
      if (!p || !p.up) return;
      p.up = false;
      if (!this._enabled) this.tellHost(p, PORT_DISABLED);
    });
  }

  setPortSpeed(portNo: number, speedMbps: number): void {
    this.run(() => {
      const p = this.ports.get(portNo);
      if (!p) return;
      p.speedMbps = speedMbps;
      if (p.adminCost) return;
      const cost = pathCostForSpeed(speedMbps);
      if (cost === p.pathCost) return;
      p.pathCost = cost;
      p.reselect = true;
      p.selected = false;
    });
  }

  setPortMac(portNo: number, mac: number): void {
    checkMac('port MAC', mac);
    const p = this.ports.get(portNo);
    if (p) p.mac = mac;
  }

  setBridgePriority(prio: number): void {
    checkInteger('bridge priority', prio, MIN_BRIDGE_PRIORITY, MAX_BRIDGE_PRIORITY);
    this.run(() => {
      this.bridgeId = { prio, mac: this.bridgeId.mac };
      this.reselectAll();
    });
  }

  setBridgeMac(mac: number): void {
    checkMac('bridge MAC', mac);
    this.run(() => {
      if (this.bridgeId.mac === mac) return;
      this.bridgeId = { prio: this.bridgeId.prio, mac };
      this.reselectAll();
    });
  }

  setHelloTime(ms: number): void {
    checkRange('hello time', ms, MIN_HELLO_MS, MAX_HELLO_MS, 'ms');
    this.run(() => { this.bridgeHello = ms; this.reselectAll(); });
  }

  setMaxAge(ms: number): void {
    checkRange('max age', ms, MIN_MAX_AGE_MS, MAX_MAX_AGE_MS, 'ms');
    this.run(() => { this.bridgeMaxAge = ms; this.reselectAll(); });
  }

  setForwardDelay(ms: number): void {
    if (this._enabled) checkRange('forward delay', ms, MIN_FORWARD_DELAY_MS, MAX_FORWARD_DELAY_MS, 'ms');
    else checkRange('forward delay', ms, 0, Number.MAX_SAFE_INTEGER, 'ms');
    this.run(() => { this.bridgeFwdDelay = ms; this.reselectAll(); });
  }

  setPortPriority(portNo: number, prio: number): void {
    checkInteger('port priority', prio, MIN_PORT_PRIORITY, MAX_PORT_PRIORITY);
    const p = this.requirePort(portNo);
    this.run(() => {
      p.priority = prio;
      p.portId = makePortId(prio, p.portNo);
      this.reselectAll();
    });
  }

  setPathCost(portNo: number, cost: number): void {
    checkInteger('path cost', cost, MIN_PATH_COST, MAX_PATH_COST);
    const p = this.requirePort(portNo);
    this.run(() => {
      p.adminCost = true;
      p.pathCost = cost;
      this.reselectAll();
    });
  }

  /** AdminEdge (17.13.1): an edge port forwards at once and is no longer one once it hears a BPDU. */
  setPortEdge(portNo: number, edge: boolean): void {
    const p = this.requirePort(portNo);
    this.run(() => {
      p.adminEdge = edge;
      // BDM: the admin value takes effect as on BEGIN; a BPDU heard later still clears operEdge
      this.setOperEdge(p, edge);
    });
  }

  /** AutoEdge (17.13.3): become edge after MigrateTime of proposing with no BPDU heard. Default on. */
  setPortAutoEdge(portNo: number, auto: boolean): void {
    const p = this.requirePort(portNo);
    this.run(() => { p.autoEdge = auto; });
  }

  /** mcheck (17.19.13): try RSTP again on a port that fell back to 802.1D. */
  migrationCheck(portNo: number): void {
    const p = this.requirePort(portNo);
    this.run(() => { p.mcheck = true; });
  }

  portState(portNo: number): number | undefined {
    return this.ports.get(portNo)?.hostState;
  }

  snapshot(): StpSnapshot {
    const now = this.host.now();
    const left = (at: number): number => secs(at - now);
    const rp = this.ports.get(this.rootPortNo());
    let tcLeft = 0;
    let helloLeft = 0;
    for (const p of this.portList) {
      if (p.tcWhile > now) tcLeft = Math.max(tcLeft, p.tcWhile - now);
      if (this._enabled && p.up && p.helloWhen > now) helloLeft = Math.max(helloLeft, p.helloWhen - now);
    }
    const ports: StpPortSnapshot[] = this.portList.map((p) => {
      const v = this.shownVector(p);
      const flags: string[] = [];
      if (p.proposing) flags.push('PROPOSING');
      if (p.agreed) flags.push('AGREED');
      if (p.tcAck) flags.push('TOPOLOGY_CHANGE_ACK');
      return {
        ...portIdentity(p),
        state: p.hostState,
        stateName: RSTP_STATE_NAMES[p.hostState] ?? String(p.hostState),
        role: p.role,
        designatedRoot: formatBridgeId(v.root),
        designatedBridge: formatBridgeId(v.bridge),
        designatedPort: v.port,
        designatedPortHex: formatPortId(v.port),
        designatedCost: v.cost,
        messageAgeTimer: p.infoIs === 'received' ? left(p.rcvdInfoWhile) : 0,
        forwardDelayTimer: p.learn && p.forward ? 0 : left(p.fdWhile),
        holdTimer: 0,
        topologyChangeAck: p.tcAck,
        configPending: false,
        flags,
        protocol: p.sendRSTP ? 'rstp' : 'stp',
        edge: p.adminEdge,
        operEdge: p.operEdge,
        counters: { ...p.counters },
      };
    });
    const tc = tcLeft > 0;
    return {
      enabled: this._enabled,
      protocol: 'rstp',
      bridgeId: formatBridgeId(this.bridgeId),
      bridgePriority: this.bridgeId.prio,
      bridgeMac: formatMac(this.bridgeId.mac),
      designatedRoot: formatBridgeId(this.rootPriority.root),
      isRoot: this.isRoot(),
      rootPort: rp ? rp.portNo : 0,
      rootPathCost: this.rootPriority.cost,
      maxAge: this.rootTimes.maxAge / 1000,
      helloTime: this.bridgeHello / 1000,
      forwardDelay: this.rootTimes.forwardDelay / 1000,
      bridgeMaxAge: this.bridgeMaxAge / 1000,
      bridgeHelloTime: this.bridgeHello / 1000,
      bridgeForwardDelay: this.bridgeFwdDelay / 1000,
      helloTimer: secs(helloLeft),
      tcnTimer: 0,
      topologyChangeTimer: secs(tcLeft),
      topologyChange: tc,
      topologyChangeDetected: tc,
      flags: tc ? ['TOPOLOGY_CHANGE'] : [],
      tcAgeingTime: null,
      ...this.totals(now, this.portList),
      ports,
    };
  }

  // ─────────────────────────── entry and time ───────────────────────────

  /**
   * The clock steps from timer deadline to timer deadline up to now, settling the machines at
   * each, so every timer fires at its own time (EngineBase.run calls this around each operation).
   */
  protected advance(): void {
    const now = this.host.now();
    if (!this._enabled) { if (now > this.t) this.t = now; return; }
    for (;;) {
      const next = this.nextDeadline(now);
      if (next === null) break;
      this.t = next;
      this.settle();
    }
    if (now > this.t) this.t = now;
    this.settle();
  }

  /** The earliest timer deadline in (t, limit], or null. */
  private nextDeadline(limit: number): number | null {
    let best: number | null = null;
    const t = this.t;
    const consider = (at: number): void => {
      if (at > t && at <= limit && (best === null || at < best)) best = at;
    };
    for (const p of this.portList) {
      consider(p.edgeDelayWhile); consider(p.fdWhile); consider(p.helloWhen); consider(p.mdelayWhile);
      consider(p.rbWhile); consider(p.rcvdInfoWhile); consider(p.rrWhile); consider(p.tcWhile);
      if (p.txCount > 0) consider(p.txTick);
    }
    return best;
  }

  /** xWhile == 0 */
  private zero(at: number): boolean {
    return at <= this.t;
  }

  /** Runs every machine of every port until none can move. */
  private settle(): void {
    if (!this._enabled) return;
    for (let round = 0; round < SETTLE_LIMIT; round++) {
      let moved = false;
      for (const p of this.portList) {
        if (this.portTimers(p)) moved = true;
        if (this.protocolMigration(p)) moved = true;
        if (this.bridgeDetection(p)) moved = true;
        if (this.portInformation(p)) moved = true;
      }
      if (this.roleSelection()) moved = true;
      for (const p of this.portList) {
        if (this.roleTransitions(p)) moved = true;
        if (this.stateTransition(p)) moved = true;
        if (this.topologyChangeMachine(p)) moved = true;
        if (this.transmit(p)) moved = true;
      }
      if (!moved) break;
    }
    this.noteTopologyChange();
  }

  // ─────────────────────── derived values (17.20) ───────────────────────

  private bridgePriority(): Vector {
    return { root: this.bridgeId, cost: 0, bridge: this.bridgeId, port: 0, rxPort: 0 };
  }

  private bridgeTimes(): Times {
    return { messageAge: 0, maxAge: this.bridgeMaxAge, helloTime: this.bridgeHello, forwardDelay: this.bridgeFwdDelay };
  }

  private isRoot(): boolean {
    return compareBridgeId(this.rootPriority.root, this.bridgeId) === 0;
  }

  /** The port role selection chose as root port (its role may still be on the way there). */
  private rootPortNo(): number {
    if (this.rootPortId === 0) return 0;
    for (const p of this.portList) if (p.portId === this.rootPortId) return p.portNo;
    return 0;
  }

  private fwdDelayOf(p: RPort): number { return p.designatedTimes.forwardDelay; }
  private helloOf(p: RPort): number { return p.designatedTimes.helloTime; }
  private maxAgeOf(p: RPort): number { return p.designatedTimes.maxAge; }
  /** 17.20.6: a port that speaks RSTP moves on after a hello time, one that speaks 802.1D after FwdDelay. */
  private forwardDelay(p: RPort): number { return p.sendRSTP ? this.helloOf(p) : this.fwdDelayOf(p); }
  /** 17.20.4: every port here is point-to-point (full-duplex links), so EdgeDelay is MigrateTime. */
  private edgeDelay(): number { return MIGRATE_TIME_MS; }

  private allSynced(): boolean {
    for (const p of this.portList) {
      if (!p.selected || p.role !== p.selectedRole || p.updtInfo) return false;
      if (!p.synced && p.role !== 'root') return false;
    }
    return true;
  }

  private reRooted(self: RPort): boolean {
    for (const p of this.portList) if (p !== self && !this.zero(p.rrWhile)) return false;
    return true;
  }

  private betterOrSameInfo(p: RPort, newInfoIs: 'received' | 'mine', msg: Vector | null): boolean {
    if (newInfoIs === 'received') return p.infoIs === 'received' && msg !== null && cmpSent(msg, p.portPriority) <= 0;
    return p.infoIs === 'mine' && cmpSent(p.designatedPriority, p.portPriority) <= 0;
  }

  // ───────────────────────────── BEGIN ─────────────────────────────

  private begin(p: RPort): void {
    const now = this.t;
    p.designatedPriority = { ...this.bridgePriority(), port: p.portId };
    p.designatedTimes = this.bridgeTimes();
    p.portPriority = p.designatedPriority;
    p.portTimes = p.designatedTimes;
    p.agree = p.agreed = p.proposed = p.proposing = p.disputed = false;
    p.learn = p.forward = p.learning = p.forwarding = false;
    p.rcvdMsg = null;
    p.rcvdRSTP = p.rcvdSTP = p.rcvdTc = p.rcvdTcAck = p.rcvdTcn = false;
    p.reRoot = p.sync = true;
    p.synced = false;
    p.tcAck = p.tcProp = false;
    p.newInfo = true;
    p.txCount = 0;
    p.updtInfo = false;
    p.selected = false;
    p.reselect = true;
    p.infoIs = 'disabled';
    p.pim = 'disabled';
    p.role = p.selectedRole = 'disabled';
    p.prt = 'init';
    // PRT INIT_PORT
    p.rrWhile = now + this.fwdDelayOf(p);
    p.fdWhile = now + this.maxAgeOf(p);
    p.rbWhile = now;
    p.tcWhile = now;
    p.helloWhen = now;
    p.rcvdInfoWhile = now;
    p.edgeDelayWhile = now + MIGRATE_TIME_MS;
    // PPM CHECKING_RSTP
    p.ppm = 'checking';
    p.mcheck = false;
    p.sendRSTP = true;
    p.mdelayWhile = now + MIGRATE_TIME_MS;
    // BDM BEGIN; TCM INACTIVE
    p.operEdge = p.adminEdge;
    p.tcm = 'inactive';
    if (this._enabled) this.tellHost(p, p.up ? PORT_BLOCKING : PORT_DISABLED);
  }

  // ─────────────────── Port Timers (17.22): txCount ───────────────────

  private portTimers(p: RPort): boolean {
    if (p.txCount > 0 && this.zero(p.txTick)) {
      p.txCount--;
      p.txTick = this.t + 1000;
      return true;
    }
    return false;
  }

  // ─────────────── Port Protocol Migration (17.24) ───────────────

  private protocolMigration(p: RPort): boolean {
    switch (p.ppm) {
      case 'checking':
        // re-entered while the port is down: mdelayWhile waits at MigrateTime
        if (!p.up) { p.mdelayWhile = this.t + MIGRATE_TIME_MS; return false; }
        if (this.zero(p.mdelayWhile)) { this.enterSensing(p); return true; }
        return false;
      case 'selecting-stp':
        if (this.zero(p.mdelayWhile) || !p.up || p.mcheck) { this.enterSensing(p); return true; }
        return false;
      case 'sensing':
        if (!p.up || p.mcheck || (!p.sendRSTP && p.rcvdRSTP)) {
          this.enterChecking(p);
          return true;
        }
        if (p.sendRSTP && p.rcvdSTP) {
          p.ppm = 'selecting-stp';
          p.sendRSTP = false;
          p.mdelayWhile = this.t + MIGRATE_TIME_MS;
          this.emit({ type: 'protocol-migration', port: p.portNo, protocol: 'stp' });
          return true;
        }
        return false;
    }
  }

  private enterChecking(p: RPort): void {
    const was = p.sendRSTP;
    p.ppm = 'checking';
    p.mcheck = false;
    p.sendRSTP = true;
    p.mdelayWhile = this.t + MIGRATE_TIME_MS;
    if (!was) this.emit({ type: 'protocol-migration', port: p.portNo, protocol: 'rstp' });
  }

  private enterSensing(p: RPort): void {
    p.ppm = 'sensing';
    p.rcvdRSTP = p.rcvdSTP = false;
  }

  // ─────────────────── Bridge Detection (17.25) ───────────────────

  private bridgeDetection(p: RPort): boolean {
    if (p.operEdge) {
      if ((!p.up && !p.adminEdge)) { this.setOperEdge(p, false); return true; }
      return false;
    }
    if ((!p.up && p.adminEdge) || (this.zero(p.edgeDelayWhile) && p.autoEdge && p.sendRSTP && p.proposing)) {
      this.setOperEdge(p, true);
      return true;
    }
    return false;
  }

  private setOperEdge(p: RPort, on: boolean): void {
    if (p.operEdge === on) return;
    p.operEdge = on;
    this.emit({ type: 'edge-change', port: p.portNo, edge: on });
  }

  // ─────────────────── Port Receive (17.23) ───────────────────

  protected receiveNow(portNo: number, buf: Uint8Array, off: number, len: number): void {
    const p = this.ports.get(portNo);
    const b = this.decode(p?.counters, portNo, buf, off, len, true);
    if (!p || !b) return;
    if (!this._enabled || !p.up) {
      this.ignore(p.counters, !this._enabled ? 'stp-disabled' : 'port-disabled');
      return;
    }
    let msg: Msg;
    if (b.type === 'tcn') {
      p.counters.rxTcn++;
      p.rcvdSTP = true;
      msg = { kind: 'tcn', role: 0, vector: p.portPriority, times: p.portTimes, flags: 0 };
    } else {
      if (b.rst) { p.counters.rxRstBpdu++; p.rcvdRSTP = true; } else { p.counters.rxBpdu++; p.rcvdSTP = true; }
      msg = this.message(p, b);
    }
    // PRX RECEIVE: a BPDU means a bridge is on this segment
    this.setOperEdge(p, false);
    p.edgeDelayWhile = this.t + MIGRATE_TIME_MS;
    p.rcvdMsg = msg;
  }

  private message(p: RPort, b: ConfigBpdu): Msg {
    const vector: Vector = { root: b.root, cost: b.rootPathCost, bridge: b.bridge, port: b.portId, rxPort: p.portId };
    const times: Times = {
      messageAge: stpTicksToMs(b.messageAge), maxAge: stpTicksToMs(b.maxAge),
      helloTime: stpTicksToMs(b.helloTime), forwardDelay: stpTicksToMs(b.forwardDelay),
    };
    if (b.rst) return { kind: 'rst', role: (b.flags & RST_ROLE_MASK) >> RST_ROLE_SHIFT, vector, times, flags: b.flags };
    // a config BPDU speaks for a designated port, and carries only TC and TCA
    return { kind: 'config', role: RST_ROLE_DESIGNATED, vector, times, flags: b.flags & (BPDU_FLAG_TC | BPDU_FLAG_TCA) };
  }

  // ─────────────────── Port Information (17.27) ───────────────────

  private portInformation(p: RPort): boolean {
    if (!p.up && p.infoIs !== 'disabled') {
      this.pimDisabled(p);
      return true;
    }
    switch (p.pim) {
      case 'disabled':
        if (p.rcvdMsg) { p.rcvdMsg = null; return true; }
        if (p.up) { this.pimAged(p); return true; }
        return false;
      case 'aged':
        if (p.selected && p.updtInfo) { this.pimUpdate(p); return true; }
        return false;
      case 'update':
        p.pim = 'current';
        return true;
      case 'current':
        if (p.selected && p.updtInfo) { this.pimUpdate(p); return true; }
        if (p.infoIs === 'received' && this.zero(p.rcvdInfoWhile) && !p.updtInfo && !p.rcvdMsg) {
          this.emit({ type: 'neighbor-lost', port: p.portNo, designatedBridge: formatBridgeId(p.portPriority.bridge) });
          this.pimAged(p);
          return true;
        }
        if (p.rcvdMsg && !p.updtInfo) { this.pimReceive(p, p.rcvdMsg); return true; }
        return false;
    }
  }

  private pimDisabled(p: RPort): void {
    p.pim = 'disabled';
    p.rcvdMsg = null;
    p.proposing = p.proposed = p.agree = p.agreed = false;
    p.rcvdInfoWhile = this.t;
    p.infoIs = 'disabled';
    p.reselect = true;
    p.selected = false;
  }

  private pimAged(p: RPort): void {
    p.pim = 'aged';
    p.infoIs = 'aged';
    p.reselect = true;
    p.selected = false;
  }

  private pimUpdate(p: RPort): void {
    p.pim = 'update';
    p.proposing = p.proposed = false;
    p.agreed = p.agreed && this.betterOrSameInfo(p, 'mine', null);
    p.synced = p.synced && p.agreed;
    p.portPriority = p.designatedPriority;
    p.portTimes = p.designatedTimes;
    p.updtInfo = false;
    p.infoIs = 'mine';
    p.newInfo = true;
  }

  private pimReceive(p: RPort, m: Msg): void {
    p.rcvdMsg = null;
    if (m.kind === 'tcn') {
      // a TCN carries no priority vector: only setTcFlags (OTHER)
      p.rcvdTcn = true;
      return;
    }
    switch (this.rcvInfo(p, m)) {
      case 'superior': {
        // SUPERIOR_DESIGNATED
        p.agreed = p.proposing = false;
        this.recordProposal(p, m);
        this.setTcFlags(p, m);
        p.agree = p.agree && this.betterOrSameInfo(p, 'received', m.vector);
        p.portPriority = m.vector;
        p.portTimes = m.times;
        this.updtRcvdInfoWhile(p);
        p.infoIs = 'received';
        p.reselect = true;
        p.selected = false;
        return;
      }
      case 'repeated':
        this.recordProposal(p, m);
        this.setTcFlags(p, m);
        this.updtRcvdInfoWhile(p);
        return;
      case 'inferior':
        // recordDispute: a designated port that says it learns while we are designated too
        if (m.kind === 'rst' && (m.flags & RST_FLAG_LEARNING) !== 0) {
          p.disputed = true;
          p.agreed = false;
        }
        return;
      case 'not-designated':
        this.recordAgreement(p, m);
        this.setTcFlags(p, m);
        return;
      case 'other':
        return;
    }
  }

  /** 17.21.8 */
  private rcvInfo(p: RPort, m: Msg): RcvdInfo {
    if (m.role === RST_ROLE_DESIGNATED) {
      const c = cmpSent(m.vector, p.portPriority);
      const same = c === 0 && timesEqual(m.times, p.portTimes);
      if (same) return 'repeated';
      // better, the same vector with other times, or news from the designated port we heard before
      if (c === 0 || superior(m.vector, p.portPriority)) return 'superior';
      return 'inferior';
    }
    if ((m.role === RST_ROLE_ROOT || m.role === RST_ROLE_ALT_BACKUP) && cmpSent(m.vector, p.portPriority) >= 0) return 'not-designated';
    return 'other';
  }

  private recordProposal(p: RPort, m: Msg): void {
    if (m.role === RST_ROLE_DESIGNATED && (m.flags & RST_FLAG_PROPOSAL) !== 0 && !p.proposed) {
      p.proposed = true;
      this.emit({ type: 'proposal-received', port: p.portNo });
    }
  }

  private recordAgreement(p: RPort, m: Msg): void {
    if (m.kind === 'rst' && (m.flags & RST_FLAG_AGREEMENT) !== 0) {
      if (!p.agreed) this.emit({ type: 'agreement-received', port: p.portNo });
      p.agreed = true;
      p.proposing = false;
    } else {
      p.agreed = false;
    }
  }

  private setTcFlags(p: RPort, m: Msg): void {
    if ((m.flags & BPDU_FLAG_TC) !== 0) p.rcvdTc = true;
    if (m.kind === 'config' && (m.flags & BPDU_FLAG_TCA) !== 0) p.rcvdTcAck = true;
  }

  private updtRcvdInfoWhile(p: RPort): void {
    const t = p.portTimes;
    // a peer's hello below the minimum would age its own info out between two BPDUs
    p.rcvdInfoWhile = t.messageAge + 1000 <= t.maxAge ? this.t + 3 * Math.max(t.helloTime, MIN_HELLO_MS) : this.t;
  }

  // ─────────────────── Port Role Selection (17.28) ───────────────────

  private roleSelection(): boolean {
    let any = false;
    for (const p of this.portList) if (p.reselect) any = true;
    if (!any) return false;
    for (const p of this.portList) p.reselect = false;
    this.updtRolesTree();
    // setSelectedTree: only when no port asked for another round meanwhile
    for (const p of this.portList) p.selected = true;
    return true;
  }

  private updtRolesTree(): void {
    const prevRoot = this.rootPriority.root;
    const prevRootPort = this.rootPortNo();
    let best = this.bridgePriority();
    let bestPort: RPort | null = null;
    for (const p of this.portList) {
      if (p.infoIs !== 'received' || p.portPriority.bridge.mac === this.bridgeId.mac) continue;
      const cost = (p.portPriority.cost + p.pathCost) >>> 0;
      const v: Vector = { ...p.portPriority, cost, rxPort: p.portId };
      if (cmpVector(v, best) < 0) { best = v; bestPort = p; }
    }
    this.rootPriority = best;
    this.rootPortId = bestPort ? bestPort.portId : 0;
    if (bestPort) {
      const pt = bestPort.portTimes;
      this.rootTimes = { ...pt, messageAge: pt.messageAge + 1000 };
    } else {
      this.rootTimes = this.bridgeTimes();
    }
    for (const p of this.portList) {
      p.designatedPriority = { root: best.root, cost: best.cost, bridge: this.bridgeId, port: p.portId, rxPort: p.portId };
      p.designatedTimes = { ...this.rootTimes, helloTime: this.bridgeHello };
      let role: PortRole;
      switch (p.infoIs) {
        case 'disabled': role = 'disabled'; break;
        case 'aged': role = 'designated'; p.updtInfo = true; break;
        case 'mine':
          role = 'designated';
          if (cmpSent(p.portPriority, p.designatedPriority) !== 0 || !timesEqual(p.portTimes, p.designatedTimes)) p.updtInfo = true;
          break;
        case 'received':
          if (p === bestPort) {
            role = 'root';
            p.updtInfo = false;
          } else if (cmpSent(p.designatedPriority, p.portPriority) >= 0) {
            role = p.portPriority.bridge.mac === this.bridgeId.mac ? 'backup' : 'alternate';
            p.updtInfo = false;
          } else {
            role = 'designated';
            p.updtInfo = true;
          }
          break;
      }
      p.selectedRole = role;
    }
    this.noteRoot(prevRoot, prevRootPort);
  }

  private noteRoot(prevRoot: BridgeId, prevRootPort: number): void {
    const root = this.rootPriority.root;
    const rp = this.rootPortNo();
    if (compareBridgeId(prevRoot, root) !== 0) {
      this.rootChanges++;
      this.emit({ type: 'root-change', root: formatBridgeId(root), prevRoot: formatBridgeId(prevRoot), rootPort: rp, rootPathCost: this.rootPriority.cost });
      if (this.isRoot()) this.emit({ type: 'became-root' });
    }
    if (prevRootPort !== rp && (prevRootPort !== 0 || rp !== 0)) {
      this.rootPortChanges++;
      this.emit({ type: 'root-port-change', rootPort: rp, prevRootPort });
    }
  }

  private reselectAll(): void {
    for (const p of this.portList) {
      p.reselect = true;
      p.selected = false;
    }
    if (!this._enabled) {
      this.rootPriority = this.bridgePriority();
      this.rootTimes = this.bridgeTimes();
    }
  }

  // ─────────────────── Port Role Transitions (17.29) ───────────────────

  private setRole(p: RPort, role: PortRole): void {
    if (p.role === role) return;
    const prev = p.role;
    p.role = role;
    this.emit({ type: 'role-change', port: p.portNo, role, prevRole: prev });
  }

  private roleTransitions(p: RPort): boolean {
    // every transition waits for a settled selection (selected && !updtInfo)
    if (!p.selected || p.updtInfo) return false;
    // global transitions: a new role starts at its first state
    if (p.selectedRole !== p.role) {
      if (p.selectedRole === 'disabled') {
        this.setRole(p, 'disabled'); p.prt = 'disable'; p.learn = p.forward = false; return true;
      }
      if (p.selectedRole === 'alternate' || p.selectedRole === 'backup') {
        this.setRole(p, p.selectedRole); p.prt = 'block'; p.learn = p.forward = false; return true;
      }
      if (p.selectedRole === 'root') { this.setRole(p, 'root'); this.rootPort(p); return true; }
      this.setRole(p, 'designated');
      p.prt = 'designated';
      return true;
    }
    switch (p.role) {
      case 'disabled': return this.disabledRole(p);
      case 'alternate':
      case 'backup': return this.alternateRole(p);
      case 'root': return this.rootRole(p);
      case 'designated': return this.designatedRole(p);
    }
  }

  private disabledRole(p: RPort): boolean {
    if (p.prt === 'init' || p.prt === 'disable') {
      if (p.learning || p.forwarding) return false;
      this.disabledPort(p);
      return true;
    }
    p.fdWhile = this.t + this.maxAgeOf(p);
    if (p.sync || p.reRoot || !p.synced) { this.disabledPort(p); return true; }
    return false;
  }

  private disabledPort(p: RPort): void {
    p.prt = 'disabled';
    p.fdWhile = this.t + this.maxAgeOf(p);
    p.synced = true;
    p.rrWhile = this.t;
    p.sync = p.reRoot = false;
  }

  private alternateRole(p: RPort): boolean {
    if (p.prt === 'block') {
      if (p.learning || p.forwarding) return false;
      this.alternatePort(p);
      return true;
    }
    if (p.proposed && !p.agree) {
      this.setSyncTree();
      p.proposed = false;
      return true;
    }
    if ((this.allSynced() && !p.agree) || (p.proposed && p.agree)) {
      p.proposed = false;
      p.agree = true;
      p.newInfo = true;
      this.emit({ type: 'agreement-sent', port: p.portNo });
      return true;
    }
    if (p.role === 'backup' && p.rbWhile !== this.t + 2 * this.helloOf(p)) p.rbWhile = this.t + 2 * this.helloOf(p);
    p.fdWhile = this.t + this.forwardDelay(p);
    if (p.sync || p.reRoot || !p.synced) { this.alternatePort(p); return true; }
    return false;
  }

  private alternatePort(p: RPort): void {
    p.prt = 'alternate';
    p.fdWhile = this.t + this.forwardDelay(p);
    p.synced = true;
    p.rrWhile = this.t;
    p.sync = p.reRoot = false;
  }

  private rootPort(p: RPort): void {
    p.prt = 'root';
    p.rrWhile = this.t + this.fwdDelayOf(p);
  }

  private rootRole(p: RPort): boolean {
    // ROOT_PORT re-entered whenever rrWhile != FwdDelay: it stays topped up while the port is root
    p.rrWhile = this.t + this.fwdDelayOf(p);
    if (p.proposed && !p.agree) {
      this.setSyncTree();
      p.proposed = false;
      return true;
    }
    if ((this.allSynced() && !p.agree) || (p.proposed && p.agree)) {
      p.proposed = p.sync = false;
      p.agree = true;
      p.newInfo = true;
      this.emit({ type: 'agreement-sent', port: p.portNo });
      return true;
    }
    if ((p.agreed && !p.synced) || (p.sync && p.synced)) {
      p.synced = true;
      p.sync = false;
      return true;
    }
    if (!p.forward && !p.reRoot) {
      for (const q of this.portList) q.reRoot = true;
      return true;
    }
    if (p.reRoot && p.forward) {
      p.reRoot = false;
      return true;
    }
    const go = this.zero(p.fdWhile) || (this.reRooted(p) && this.zero(p.rbWhile));
    if (go && !p.learn) {
      p.fdWhile = this.t + this.forwardDelay(p);
      p.learn = true;
      return true;
    }
    if (go && p.learn && !p.forward) {
      p.fdWhile = this.t;
      p.forward = true;
      return true;
    }
    return false;
  }

  private designatedRole(p: RPort): boolean {
    if (!p.forward && !p.agreed && !p.proposing && !p.operEdge) {
      p.proposing = true;
      p.edgeDelayWhile = this.t + this.edgeDelay();
      p.newInfo = true;
      this.emit({ type: 'proposal-sent', port: p.portNo });
      return true;
    }
    if ((!p.learning && !p.forwarding && !p.synced) || (p.agreed && !p.synced) || (p.operEdge && !p.synced) || (p.sync && p.synced)) {
      p.rrWhile = this.t;
      p.synced = true;
      p.sync = false;
      return true;
    }
    if (this.zero(p.rrWhile) && p.reRoot) {
      p.reRoot = false;
      return true;
    }
    if (((p.sync && !p.synced) || (p.reRoot && !this.zero(p.rrWhile)) || p.disputed) && !p.operEdge && (p.learn || p.forward)) {
      p.learn = p.forward = p.disputed = false;
      p.fdWhile = this.t + this.forwardDelay(p);
      return true;
    }
    const go = (this.zero(p.fdWhile) || p.agreed || p.operEdge) && (this.zero(p.rrWhile) || !p.reRoot) && !p.sync;
    if (go && !p.learn) {
      p.learn = true;
      p.fdWhile = this.t + this.forwardDelay(p);
      return true;
    }
    if (go && p.learn && !p.forward) {
      p.forward = true;
      p.fdWhile = this.t;
      p.agreed = p.sendRSTP;
      return true;
    }
    return false;
  }

  private setSyncTree(): void {
    for (const q of this.portList) q.sync = true;
  }

  // ─────────────────── Port State Transition (17.30) ───────────────────

  private stateTransition(p: RPort): boolean {
    const moved = p.learning !== p.learn || p.forwarding !== p.forward;
    p.learning = p.learn;
    p.forwarding = p.forward;
    // the host also hears carrier changes of a port that stays discarding
    this.tellHost(p, p.forwarding ? PORT_FORWARDING : p.learning ? PORT_LEARNING : PORT_BLOCKING);
    return moved;
  }

  private tellHost(p: RPort, state: number): void {
    if (!p.up && this._enabled) state = PORT_DISABLED;
    const prev = p.hostState;
    if (prev === state) return;
    p.hostState = state;
    if (this._enabled) {
      if (state === PORT_BLOCKING) p.counters.transitionBlk++;
      else if (state === PORT_FORWARDING) p.counters.transitionFwd++;
    }
    this.host.setPortState(p.portNo, state);
    this.emit({
      type: 'stp-state', port: p.portNo, state,
      stateName: RSTP_STATE_NAMES[state] ?? String(state), prevState: prev, prevStateName: RSTP_STATE_NAMES[prev] ?? String(prev),
    });
  }

  // ─────────────────── Topology Change (17.31) ───────────────────

  private topologyChangeMachine(p: RPort): boolean {
    const rootOrDesignated = p.role === 'root' || p.role === 'designated';
    switch (p.tcm) {
      case 'inactive':
        // INACTIVE: fdbFlush (done at once), tcWhile = 0, tcAck = FALSE
        if (!this.zero(p.tcWhile) || p.tcAck) { p.tcWhile = this.t; p.tcAck = false; }
        if (p.learn) { this.tcmLearning(p); return true; }
        return false;
      case 'learning':
        if (p.rcvdTc || p.rcvdTcn || p.rcvdTcAck || p.tcProp) { this.tcmLearning(p); return true; }
        if (rootOrDesignated && p.forward && !p.operEdge) {
          // DETECTED
          this.newTcWhile(p);
          this.setTcPropTree(p);
          p.newInfo = true;
          p.tcm = 'active';
          this.topologyChangeDetections++;
          this.lastTopologyChange = this.t;
          this.emit({ type: 'tc-detected', isRoot: this.isRoot(), port: p.portNo });
          return true;
        }
        if (!rootOrDesignated && !(p.learn || p.learning)) {
          p.tcm = 'inactive';
          this.flush(p, false);
          p.tcWhile = this.t;
          p.tcAck = false;
          return true;
        }
        return false;
      case 'active':
        if (!rootOrDesignated || p.operEdge) { this.tcmLearning(p); return true; }
        if (p.rcvdTcn) {
          this.emit({ type: 'tcn-received', port: p.portNo });
          this.newTcWhile(p);
          this.notifiedTc(p);
          return true;
        }
        if (p.rcvdTc) { this.notifiedTc(p); return true; }
        if (p.tcProp && !p.operEdge) {
          this.newTcWhile(p);
          this.flush(p, true);
          p.tcProp = false;
          return true;
        }
        if (p.rcvdTcAck) {
          this.emit({ type: 'tc-ack-received', port: p.portNo });
          p.tcWhile = this.t;
          p.rcvdTcAck = false;
          return true;
        }
        return false;
    }
  }

  private tcmLearning(p: RPort): void {
    p.tcm = 'learning';
    p.rcvdTc = p.rcvdTcn = p.rcvdTcAck = p.tcProp = false;
  }

  private notifiedTc(p: RPort): void {
    p.rcvdTcn = p.rcvdTc = false;
    if (p.role === 'designated') p.tcAck = true;
    this.setTcPropTree(p);
  }

  private newTcWhile(p: RPort): void {
    if (!this.zero(p.tcWhile)) return;
    if (p.sendRSTP) {
      p.tcWhile = this.t + this.helloOf(p) + 1000;
      p.newInfo = true;
    } else {
      p.tcWhile = this.t + this.rootTimes.maxAge + this.rootTimes.forwardDelay;
    }
  }

  private setTcPropTree(self: RPort): void {
    for (const q of this.portList) if (q !== self) q.tcProp = true;
  }

  /** fdbFlush: what was learned on the port is gone at once (no short ageing). */
  private flush(p: RPort, tc: boolean): void {
    if (this.host.flushPort) this.host.flushPort(p.portNo);
    if (tc) this.emit({ type: 'tc-flush', port: p.portNo });
  }

  private noteTopologyChange(): void {
    let on = false;
    for (const p of this.portList) if (!this.zero(p.tcWhile)) on = true;
    if (on && !this.tcWasOn) {
      this.topologyChanges++;
      this.lastTopologyChange = this.t;
      this.emit({ type: 'tc-start', forwardDelayMs: this.rootTimes.forwardDelay, tcAgeingMs: 0 });
    } else if (!on && this.tcWasOn) {
      this.emit({ type: 'tc-end' });
    }
    this.tcWasOn = on;
  }

  // ─────────────────── Port Transmit (17.26) ───────────────────

  private transmit(p: RPort): boolean {
    if (!p.up) return false;
    if (!p.selected || p.updtInfo) return false;
    if (this.zero(p.helloWhen)) {
      // TRANSMIT_PERIODIC, then IDLE
      p.newInfo = p.newInfo || p.role === 'designated' || (p.role === 'root' && !this.zero(p.tcWhile));
      p.helloWhen = this.t + this.helloOf(p);
      return true;
    }
    if (!p.newInfo || p.txCount >= TX_HOLD_COUNT) return false;
    if (p.sendRSTP) {
      this.txRstp(p);
    } else if (p.role === 'root') {
      // an 802.1D bridge hears of a change only while there is one (not of every agreement)
      if (!this.zero(p.tcWhile)) this.txTcn(p);
    } else if (p.role === 'designated') {
      this.txConfig(p);
    } else {
      return false;
    }
    p.newInfo = false;
    if (p.txCount === 0) p.txTick = this.t + 1000;
    p.txCount++;
    return true;
  }

  private wireFields(p: RPort): Omit<ConfigBpduFields, 'topologyChangeAck'> {
    const v = p.designatedPriority;
    const tm = p.designatedTimes;
    return {
      topologyChange: !this.zero(p.tcWhile),
      root: v.root,
      rootPathCost: v.cost,
      bridge: v.bridge,
      portId: v.port,
      messageAge: msToStpTicks(tm.messageAge),
      maxAge: msToStpTicks(tm.maxAge),
      helloTime: msToStpTicks(tm.helloTime),
      forwardDelay: msToStpTicks(tm.forwardDelay),
    };
  }

  private txRstp(p: RPort): void {
    const frame = buildRstBpdu(p.mac, {
      ...this.wireFields(p),
      role: ROLE_CODE[p.role],
      proposal: p.proposing && p.role === 'designated',
      learning: p.learning,
      forwarding: p.forwarding,
      agreement: p.agree,
    });
    p.counters.txRstBpdu++;
    this.host.sendBpdu(p.portNo, frame);
  }

  private txConfig(p: RPort): void {
    // an 802.1D bridge drops info whose message age reached max age; so do we (as the kernel)
    if (p.designatedTimes.messageAge >= p.designatedTimes.maxAge) return;
    const frame = buildConfigBpdu(p.mac, { ...this.wireFields(p), topologyChangeAck: p.tcAck });
    p.tcAck = false;
    p.counters.txBpdu++;
    this.host.sendBpdu(p.portNo, frame);
  }

  private txTcn(p: RPort): void {
    p.counters.txTcn++;
    this.emit({ type: 'tcn-sent', port: p.portNo });
    this.host.sendBpdu(p.portNo, buildTcnBpdu(p.mac));
  }

  // ─────────────────────────── helpers ───────────────────────────

  /** What showstp prints as the port's designated root/bridge/port: the info that won the segment. */
  private shownVector(p: RPort): Vector {
    return p.role === 'designated' || p.infoIs !== 'received' ? p.designatedPriority : p.portPriority;
  }

  private requirePort(portNo: number): RPort {
    const p = this.ports.get(portNo);
    if (!p) throw new RangeError(`port ${portNo} is not a port of this bridge`);
    return p;
  }
}
