// The 802.1D-1998 spanning-tree engine, behaving as the Linux bridge's kernel STP (br_stp.c,
// br_stp_if.c, br_stp_timer.c, br_stp_bpdu.c): root election, root/designated port selection,
// port states, BPDU generation and relay, topology change (TCN/TCA/TC) and the six timers.
// Pure: BPDUs in, BPDUs and state changes out through StpHost, time only from host.now().
//
// The procedures keep the kernel's names (rootSelection = br_root_selection, …) so the two can
// be compared side by side; where the kernel has a quirk that decides who forwards, we keep it.
import { formatMac } from '../frame/mac.js';
import {
  PORT_BLOCKING, PORT_DISABLED, PORT_FORWARDING, PORT_LEARNING, PORT_LISTENING, PORT_STATE_NAMES,
} from './port-state.js';
import {
  type BridgeId, bridgeIdEquals, compareBridgeId, formatBridgeId, formatPortId, makePortId,
} from './bridge-id.js';
import { type ConfigBpdu, buildConfigBpdu, buildTcnBpdu } from './bpdu.js';
import {
  DEFAULT_PORT_PRIORITY, HOLD_TIME_MS, MAX_BRIDGE_PRIORITY, MAX_FORWARD_DELAY_MS, MAX_HELLO_MS,
  MAX_MAX_AGE_MS, MAX_PATH_COST, MAX_PORT_PRIORITY, MESSAGE_AGE_INCR_MS,
  MIN_BRIDGE_PRIORITY, MIN_FORWARD_DELAY_MS, MIN_HELLO_MS, MIN_MAX_AGE_MS, MIN_PATH_COST,
  MIN_PORT_PRIORITY, checkInteger, checkMac, checkRange, msToStpTicks, pathCostForSpeed,
  secs, stpTicksToMs,
} from './constants.js';
import { EngineBase, checkNewPort, checkOptions, newPortCounters, portIdentity } from './engine-base.js';
import type {
  AddPortOptions, PortRole, StpHost, StpIgnoreReason, StpOptions, StpPortCounters,
  StpPortSnapshot, StpSnapshot,
} from './types.js';

type TimerKind = 'hello' | 'tcn' | 'tc' | 'messageAge' | 'forwardDelay' | 'hold';

/** A one-shot timer: a deadline in engine ms. seq orders timers that expire together (FIFO). */
class Timer {
  pending = false;
  at = 0;
  seq = 0;
  constructor(readonly kind: TimerKind, readonly port: PortRec | null) {}
}

class PortRec {
  readonly portNo: number;
  mac: number;
  speedMbps: number;
  priority: number;
  pathCost: number;
  adminCost: boolean;
  /** Carrier as the host reported it. */
  up: boolean;
  portId: number;
  state: number = PORT_DISABLED;
  designatedRoot: BridgeId;
  designatedCost = 0;
  designatedBridge: BridgeId;
  designatedPort: number;
  /** Engine time at which the stored info's message age was 0 (kernel designated_age). */
  designatedAge = 0;
  topologyChangeAck = false;
  configPending = false;
  readonly messageAgeTimer: Timer;
  readonly forwardDelayTimer: Timer;
  readonly holdTimer: Timer;
  readonly counters: StpPortCounters = newPortCounters();

  constructor(portNo: number, o: AddPortOptions, bridge: BridgeId) {
    this.portNo = portNo;
    this.mac = o.mac;
    this.speedMbps = o.speedMbps;
    this.priority = o.priority ?? DEFAULT_PORT_PRIORITY;
    this.adminCost = o.pathCost !== undefined;
    this.pathCost = o.pathCost ?? pathCostForSpeed(o.speedMbps);
    this.up = o.up ?? true;
    this.portId = makePortId(this.priority, portNo);
    this.designatedRoot = bridge;
    this.designatedBridge = bridge;
    this.designatedPort = this.portId;
    this.messageAgeTimer = new Timer('messageAge', this);
    this.forwardDelayTimer = new Timer('forwardDelay', this);
    this.holdTimer = new Timer('hold', this);
  }
}

export class Stp extends EngineBase {
  private readonly roundTimers: boolean;
  private readonly acceptRstp: boolean;
  private readonly portMap = new Map<number, PortRec>();
  /** Ports in ascending port number: the order every per-port procedure walks. */
  private portList: PortRec[] = [];
  private _enabled = false;

  private bridgeId: BridgeId;
  private designatedRoot: BridgeId;
  private rootPathCost = 0;
  private rootPort = 0;
  /** Operating timer values (the root's, learned from its BPDUs). */
  private maxAge: number;
  private helloTime: number;
  private forwardDelay: number;
  /** Configured timer values (used when this bridge is root). */
  private bridgeMaxAge: number;
  private bridgeHelloTime: number;
  private bridgeForwardDelay: number;
  private topologyChange = false;
  private topologyChangeDetected = false;

  private readonly helloTimer = new Timer('hello', null);
  private readonly tcnTimer = new Timer('tcn', null);
  private readonly tcTimer = new Timer('tc', null);
  private timerSeq = 0;

  constructor(host: StpHost, opts: StpOptions) {
    const { prio, hello, maxAge, forwardDelay: fd } = checkOptions(opts);
    super(host);
    this.roundTimers = opts.roundTimers ?? true;
    this.acceptRstp = opts.acceptRstp ?? false;
    this.bridgeId = { prio, mac: opts.bridgeMac };
    this.designatedRoot = this.bridgeId;
    this.bridgeHelloTime = this.helloTime = hello;
    this.bridgeMaxAge = this.maxAge = maxAge;
    this.bridgeForwardDelay = this.forwardDelay = fd;
  }

  // ───────────────────────────── public API ─────────────────────────────

  get enabled(): boolean {
    return this._enabled;
  }

  /** STP on (kernel stp_state 1). Every port that is up restarts at blocking → listening. */
  enable(): void {
    this.run(() => {
      if (this._enabled) return;
      // br_stp_start: the forward delay is forced into range when STP comes on.
      if (this.bridgeForwardDelay < MIN_FORWARD_DELAY_MS) this.setForwardDelayValue(MIN_FORWARD_DELAY_MS);
      else if (this.bridgeForwardDelay > MAX_FORWARD_DELAY_MS) this.setForwardDelayValue(MAX_FORWARD_DELAY_MS);
      this._enabled = true;
      this.emit({ type: 'stp-enabled' });
      // As br_stp_enable_bridge does when the bridge comes up with STP on: hello timer, then
      // every port with carrier through br_stp_enable_port. (`brctl stp on` on a running kernel
      // bridge leaves already-forwarding ports forwarding; we restart them, which never loops.)
      // Nothing is sent before the first hello, as in the kernel.
      this.arm(this.helloTimer, this.t + this.helloTime);
      for (const p of this.portList) {
        if (p.up) this.enablePort(p);
      }
    });
  }

  /** STP off (kernel stp_state 0): nothing is sent, every port that is up forwards. */
  disable(): void {
    this.run(() => {
      if (!this._enabled) return;
      // End fast ageing while the host still listens (the kernel leaves it on: it only restores
      // the ageing time when STP is on, which looks like an oversight we do not copy).
      this.setTopologyChange(false);
      this.topologyChangeDetected = false;
      this._enabled = false;
      this.stop(this.helloTimer);
      this.stop(this.tcnTimer);
      this.stop(this.tcTimer);
      // The kernel keeps stale port info and lets it expire; we forget it at once so the
      // snapshot reads "root of myself" and every live port forwards, the state it converges to.
      for (const p of this.portList) {
        this.stop(p.messageAgeTimer);
        this.stop(p.forwardDelayTimer);
        this.stop(p.holdTimer);
        p.topologyChangeAck = false;
        p.configPending = false;
      }
      const prevRoot = this.designatedRoot;
      const prevRootPort = this.rootPort;
      this.rootSelectionReset();
      this.maxAge = this.bridgeMaxAge;
      this.helloTime = this.bridgeHelloTime;
      this.forwardDelay = this.bridgeForwardDelay;
      this.noteRootChange(prevRoot, prevRootPort);
      for (const p of this.portList) {
        this.becomeDesignatedPort(p);
        if (p.state !== PORT_DISABLED) this.setState(p, PORT_FORWARDING);
      }
      this.emit({ type: 'stp-disabled' });
    });
  }

  addPort(portNo: number, opts: AddPortOptions): void {
    checkNewPort(portNo, opts, this.portMap.has(portNo));
    this.run(() => {
      if (this.portMap.has(portNo)) return;
      const p = new PortRec(portNo, opts, this.bridgeId);
      // new_nbp: br_init_port, then disabled until the port has carrier.
      this.initPortInfo(p);
      this.portMap.set(portNo, p);
      this.portList.push(p);
      this.portList.sort((a, b) => a.portNo - b.portNo);
      // Tell the host where a new port starts, so it never guesses.
      this.host.setPortState(portNo, PORT_DISABLED);
      if (p.up) this.enablePort(p);
    });
  }

  removePort(portNo: number): void {
    this.run(() => {
      const p = this.portMap.get(portNo);
      if (!p) return;
      // del_nbp: br_stp_disable_port first, then the port leaves the list.
      if (p.state !== PORT_DISABLED) this.disablePort(p);
      this.stop(p.messageAgeTimer);
      this.stop(p.forwardDelayTimer);
      this.stop(p.holdTimer);
      this.portMap.delete(portNo);
      this.portList = this.portList.filter((q) => q !== p);
    });
  }

  /** Carrier on (br_port_carrier_check). Recomputes a speed-derived path cost first. */
  portUp(portNo: number): void {
    this.run(() => {
      const p = this.portMap.get(portNo);
      if (!p) return;
      p.up = true;
      if (!p.adminCost) p.pathCost = pathCostForSpeed(p.speedMbps);
      if (p.state === PORT_DISABLED) this.enablePort(p);
    });
  }

  /** Carrier off. */
  portDown(portNo: number): void {
    this.run(() => {
      const p = this.portMap.get(portNo);
      if (!p) return;
      p.up = false;
      if (p.state !== PORT_DISABLED) this.disablePort(p);
    });
  }

  /**
   * The link speed changed. A speed-derived cost follows it (the kernel re-reads the speed on
   * carrier events); we apply it at once, as the next root BPDU would in the kernel anyway.
   */
  setPortSpeed(portNo: number, speedMbps: number): void {
    this.run(() => {
      const p = this.portMap.get(portNo);
      if (!p) return;
      p.speedMbps = speedMbps;
      if (p.adminCost || !p.up) return;
      const cost = pathCostForSpeed(speedMbps);
      if (cost === p.pathCost) return;
      p.pathCost = cost;
      this.configurationUpdate();
      this.portStateSelection();
    });
  }

  /** The MAC used as source address of this port's BPDUs. */
  setPortMac(portNo: number, mac: number): void {
    checkMac('port MAC', mac);
    const p = this.portMap.get(portNo);
    if (p) p.mac = mac;
  }

  setBridgePriority(prio: number): void {
    checkInteger('bridge priority', prio, MIN_BRIDGE_PRIORITY, MAX_BRIDGE_PRIORITY);
    this.run(() => {
      // br_stp_set_bridge_priority
      const wasRoot = this.isRootBridge();
      for (const p of this.portList) {
        if (p.state !== PORT_DISABLED && this.isDesignatedPort(p)) {
          p.designatedBridge = { prio, mac: p.designatedBridge.mac };
        }
      }
      this.bridgeId = { prio, mac: this.bridgeId.mac };
      this.configurationUpdate();
      this.portStateSelection();
      if (this.isRootBridge() && !wasRoot) this.becomeRootBridge();
    });
  }

  setBridgeMac(mac: number): void {
    checkMac('bridge MAC', mac);
    this.run(() => {
      // br_stp_change_bridge_id
      const old = this.bridgeId.mac;
      if (old === mac) return;
      const wasRoot = this.isRootBridge();
      this.bridgeId = { prio: this.bridgeId.prio, mac };
      for (const p of this.portList) {
        if (p.designatedBridge.mac === old) p.designatedBridge = { prio: p.designatedBridge.prio, mac };
        if (p.designatedRoot.mac === old) p.designatedRoot = { prio: p.designatedRoot.prio, mac };
      }
      this.configurationUpdate();
      this.portStateSelection();
      if (this.isRootBridge() && !wasRoot) this.becomeRootBridge();
    });
  }

  setHelloTime(ms: number): void {
    checkRange('hello time', ms, MIN_HELLO_MS, MAX_HELLO_MS, 'ms');
    this.run(() => {
      this.bridgeHelloTime = ms;
      if (this.isRootBridge()) this.helloTime = ms;
    });
  }

  setMaxAge(ms: number): void {
    checkRange('max age', ms, MIN_MAX_AGE_MS, MAX_MAX_AGE_MS, 'ms');
    this.run(() => {
      this.bridgeMaxAge = ms;
      if (this.isRootBridge()) this.maxAge = ms;
    });
  }

  /** 2000–30000 ms while STP is on; while off the kernel accepts any value (clamped on enable). */
  setForwardDelay(ms: number): void {
    if (this._enabled) checkRange('forward delay', ms, MIN_FORWARD_DELAY_MS, MAX_FORWARD_DELAY_MS, 'ms');
    else checkRange('forward delay', ms, 0, Number.MAX_SAFE_INTEGER, 'ms');
    this.run(() => this.setForwardDelayValue(ms));
  }

  setPortPriority(portNo: number, prio: number): void {
    checkInteger('port priority', prio, MIN_PORT_PRIORITY, MAX_PORT_PRIORITY);
    const p = this.requirePort(portNo);
    this.run(() => {
      // br_stp_set_port_priority: only the port id changes; a reselection happens only when
      // this bridge is the designated bridge and the new id now beats the recorded one.
      const newId = makePortId(prio, p.portNo);
      if (this.isDesignatedPort(p)) p.designatedPort = newId;
      p.portId = newId;
      p.priority = prio;
      if (bridgeIdEquals(this.bridgeId, p.designatedBridge) && p.portId < p.designatedPort) {
        this.becomeDesignatedPort(p);
        this.portStateSelection();
      }
    });
  }

  setPathCost(portNo: number, cost: number): void {
    checkInteger('path cost', cost, MIN_PATH_COST, MAX_PATH_COST);
    const p = this.requirePort(portNo);
    this.run(() => {
      p.adminCost = true;
      p.pathCost = cost;
      this.configurationUpdate();
      this.portStateSelection();
    });
  }

  /** Current port state (PORT_*), or undefined for an unknown port. */
  portState(portNo: number): number | undefined {
    return this.portMap.get(portNo)?.state;
  }

  snapshot(): StpSnapshot {
    const now = this.host.now();
    const left = (tm: Timer): number => (tm.pending ? secs(tm.at - now) : 0);
    const ports: StpPortSnapshot[] = this.portList.map((p) => {
      const flags: string[] = [];
      if (p.configPending) flags.push('CONFIG_PENDING');
      if (p.topologyChangeAck) flags.push('TOPOLOGY_CHANGE_ACK');
      return {
        ...portIdentity(p),
        state: p.state,
        stateName: PORT_STATE_NAMES[p.state] ?? String(p.state),
        role: this.roleOf(p),
        designatedRoot: formatBridgeId(p.designatedRoot),
        designatedBridge: formatBridgeId(p.designatedBridge),
        designatedPort: p.designatedPort,
        designatedPortHex: formatPortId(p.designatedPort),
        designatedCost: p.designatedCost,
        messageAgeTimer: left(p.messageAgeTimer),
        forwardDelayTimer: left(p.forwardDelayTimer),
        holdTimer: left(p.holdTimer),
        topologyChangeAck: p.topologyChangeAck,
        configPending: p.configPending,
        flags,
        protocol: 'stp',
        edge: false,
        operEdge: false,
        counters: { ...p.counters },
      };
    });
    const flags: string[] = [];
    if (this.topologyChange) flags.push('TOPOLOGY_CHANGE');
    if (this.topologyChangeDetected) flags.push('TOPOLOGY_CHANGE_DETECTED');
    return {
      enabled: this._enabled,
      protocol: 'stp',
      bridgeId: formatBridgeId(this.bridgeId),
      bridgePriority: this.bridgeId.prio,
      bridgeMac: formatMac(this.bridgeId.mac),
      designatedRoot: formatBridgeId(this.designatedRoot),
      isRoot: this.isRootBridge(),
      rootPort: this.rootPort,
      rootPathCost: this.rootPathCost,
      maxAge: this.maxAge / 1000,
      helloTime: this.helloTime / 1000,
      forwardDelay: this.forwardDelay / 1000,
      bridgeMaxAge: this.bridgeMaxAge / 1000,
      bridgeHelloTime: this.bridgeHelloTime / 1000,
      bridgeForwardDelay: this.bridgeForwardDelay / 1000,
      helloTimer: left(this.helloTimer),
      tcnTimer: left(this.tcnTimer),
      topologyChangeTimer: left(this.tcTimer),
      topologyChange: this.topologyChange,
      topologyChangeDetected: this.topologyChangeDetected,
      flags,
      tcAgeingTime: this.topologyChange ? (2 * this.forwardDelay) / 1000 : null,
      ...this.totals(now, this.portList),
      ports,
    };
  }

  // ─────────────────────── entry, time and timers ───────────────────────

  protected advance(): void {
    const now = this.host.now();
    for (;;) {
      const tm = this.nextDue(now);
      if (!tm) break;
      tm.pending = false;
      if (tm.at > this.t) this.t = tm.at;
      this.expire(tm);
    }
    if (now > this.t) this.t = now;
  }

  private nextDue(limit: number): Timer | null {
    let best: Timer | null = null;
    const consider = (tm: Timer): void => {
      if (!tm.pending || tm.at > limit) return;
      if (!best || tm.at < best.at || (tm.at === best.at && tm.seq < best.seq)) best = tm;
    };
    consider(this.helloTimer);
    consider(this.tcnTimer);
    consider(this.tcTimer);
    for (const p of this.portList) {
      consider(p.messageAgeTimer);
      consider(p.forwardDelayTimer);
      consider(p.holdTimer);
    }
    return best;
  }

  private arm(tm: Timer, at: number): void {
    tm.pending = true;
    tm.at = at;
    tm.seq = ++this.timerSeq;
  }

  private stop(tm: Timer): void {
    tm.pending = false;
  }

  /**
   * round_jiffies(): to the whole second, down when less than 250 ms past it, else up; the
   * rounded value only if it is still in the future. Never now itself, so a periodic timer
   * cannot spin (the kernel would fire it on the next jiffy: 1 ms).
   */
  private rounded(at: number): number {
    let r = at;
    if (this.roundTimers) {
      const rem = ((at % 1000) + 1000) % 1000;
      const c = rem < 250 ? at - rem : at - rem + 1000;
      if (c > this.t) r = c;
    }
    return r > this.t ? r : this.t + 1;
  }

  private expire(tm: Timer): void {
    switch (tm.kind) {
      case 'hello': return this.helloTimerExpired();
      case 'tcn': return this.tcnTimerExpired();
      case 'tc': return this.topologyChangeTimerExpired();
      case 'messageAge': return this.messageAgeTimerExpired(tm.port!);
      case 'forwardDelay': return this.forwardDelayTimerExpired(tm.port!);
      case 'hold': return this.holdTimerExpired(tm.port!);
    }
  }

  // br_stp_timer.c

  private helloTimerExpired(): void {
    this.configBpduGeneration();
    if (this._enabled) this.arm(this.helloTimer, this.rounded(this.t + this.helloTime));
  }

  private messageAgeTimerExpired(p: PortRec): void {
    if (p.state === PORT_DISABLED) return;
    this.emit({ type: 'neighbor-lost', port: p.portNo, designatedBridge: formatBridgeId(p.designatedBridge) });
    const wasRoot = this.isRootBridge();
    this.becomeDesignatedPort(p);
    this.configurationUpdate();
    this.portStateSelection();
    if (this.isRootBridge() && !wasRoot) this.becomeRootBridge();
  }

  private forwardDelayTimerExpired(p: PortRec): void {
    if (p.state === PORT_LISTENING) {
      this.setState(p, PORT_LEARNING);
      this.arm(p.forwardDelayTimer, this.t + this.forwardDelay);
    } else if (p.state === PORT_LEARNING) {
      this.setState(p, PORT_FORWARDING);
      // A port that starts forwarding is a topology change only if this bridge is designated
      // for some port: a leaf whose only live port is its root port changes nothing below it.
      if (this.isDesignatedForSomePort()) this.topologyChangeDetection();
    }
  }

  private tcnTimerExpired(): void {
    if (!this.isRootBridge()) {
      this.transmitTcn();
      this.arm(this.tcnTimer, this.t + this.bridgeHelloTime);
    }
  }

  private topologyChangeTimerExpired(): void {
    this.topologyChangeDetected = false;
    this.setTopologyChange(false);
  }

  private holdTimerExpired(p: PortRec): void {
    if (p.configPending) this.transmitConfig(p);
  }

  // ─────────────────────────── receive path ───────────────────────────

  protected receiveNow(portNo: number, buf: Uint8Array, off: number, len: number): void {
    const p = this.portMap.get(portNo);
    const bpdu = this.decode(p?.counters, portNo, buf, off, len, this.acceptRstp);
    if (!p || !bpdu) return;
    // br_stp_rcv: nothing is acted on with STP off or on a disabled port.
    let ignore: StpIgnoreReason | null = null;
    if (!this._enabled) ignore = 'stp-disabled';
    else if (p.state === PORT_DISABLED) ignore = 'port-disabled';
    else if (bpdu.type === 'config' && bpdu.messageAge > bpdu.maxAge) ignore = 'message-age-exceeds-max-age';
    if (ignore) {
      this.ignore(p.counters, ignore);
      return;
    }
    if (bpdu.type === 'config') this.receivedConfigBpdu(p, bpdu);
    else this.receivedTcnBpdu(p);
  }

  // ───────────────────── br_stp.c: the procedures ─────────────────────

  private isRootBridge(): boolean {
    return bridgeIdEquals(this.bridgeId, this.designatedRoot);
  }

  private isDesignatedPort(p: PortRec): boolean {
    return bridgeIdEquals(p.designatedBridge, this.bridgeId) && p.designatedPort === p.portId;
  }

  private isDesignatedForSomePort(): boolean {
    for (const p of this.portList) {
      if (p.state !== PORT_DISABLED && bridgeIdEquals(p.designatedBridge, this.bridgeId)) return true;
    }
    return false;
  }

  private roleOf(p: PortRec): PortRole {
    if (p.state === PORT_DISABLED) return 'disabled';
    if (p.portNo === this.rootPort) return 'root';
    if (this.isDesignatedPort(p)) return 'designated';
    return 'alternate';
  }

  /** Costs are u32 in the kernel; a hostile peer's cost near 2^32 wraps there too. */
  private static costVia(p: PortRec): number {
    return (p.designatedCost + p.pathCost) >>> 0;
  }

  private shouldBecomeRootPort(p: PortRec, best: PortRec | null): boolean {
    if (p.state === PORT_DISABLED || this.isDesignatedPort(p)) return false;
    if (compareBridgeId(this.bridgeId, p.designatedRoot) <= 0) return false;
    if (!best) return true;
    let c = compareBridgeId(p.designatedRoot, best.designatedRoot);
    if (c !== 0) return c < 0;
    const a = Stp.costVia(p);
    const b = Stp.costVia(best);
    if (a !== b) return a < b;
    c = compareBridgeId(p.designatedBridge, best.designatedBridge);
    if (c !== 0) return c < 0;
    if (p.designatedPort !== best.designatedPort) return p.designatedPort < best.designatedPort;
    return p.portId < best.portId;
  }

  private rootSelection(): void {
    let best: PortRec | null = null;
    for (const p of this.portList) {
      if (this.shouldBecomeRootPort(p, best)) best = p;
    }
    if (!best) {
      this.rootSelectionReset();
    } else {
      this.rootPort = best.portNo;
      this.designatedRoot = best.designatedRoot;
      this.rootPathCost = Stp.costVia(best);
    }
  }

  private rootSelectionReset(): void {
    this.rootPort = 0;
    this.designatedRoot = this.bridgeId;
    this.rootPathCost = 0;
  }

  private becomeRootBridge(): void {
    this.maxAge = this.bridgeMaxAge;
    this.helloTime = this.bridgeHelloTime;
    this.forwardDelay = this.bridgeForwardDelay;
    this.emit({ type: 'became-root' });
    this.topologyChangeDetection();
    this.stop(this.tcnTimer);
    if (this._enabled) {
      this.configBpduGeneration();
      this.arm(this.helloTimer, this.t + this.helloTime);
    }
  }

  private transmitConfig(p: PortRec): void {
    if (p.holdTimer.pending) {
      p.configPending = true;
      return;
    }
    let messageAge = 0;
    if (!this.isRootBridge()) {
      const rp = this.portMap.get(this.rootPort)!;
      // Age of the root's information now: as received, plus time held, plus one "hop".
      messageAge = this.t - rp.designatedAge + MESSAGE_AGE_INCR_MS;
    }
    if (messageAge < this.maxAge) {
      this.sendConfig(p, messageAge);
      p.topologyChangeAck = false;
      p.configPending = false;
      if (this._enabled) this.arm(p.holdTimer, this.rounded(this.t + HOLD_TIME_MS));
    }
  }

  private sendConfig(p: PortRec, messageAgeMs: number): void {
    if (!this._enabled) return;
    const frame = buildConfigBpdu(p.mac, {
      topologyChange: this.topologyChange,
      topologyChangeAck: p.topologyChangeAck,
      root: this.designatedRoot,
      rootPathCost: this.rootPathCost,
      bridge: this.bridgeId,
      portId: p.portId,
      messageAge: msToStpTicks(messageAgeMs),
      maxAge: msToStpTicks(this.maxAge),
      helloTime: msToStpTicks(this.helloTime),
      forwardDelay: msToStpTicks(this.forwardDelay),
    });
    p.counters.txBpdu++;
    this.host.sendBpdu(p.portNo, frame);
  }

  private recordConfigInformation(p: PortRec, b: ConfigBpdu): void {
    const age = stpTicksToMs(b.messageAge);
    p.designatedRoot = b.root;
    p.designatedCost = b.rootPathCost;
    p.designatedBridge = b.bridge;
    p.designatedPort = b.portId;
    p.designatedAge = this.t - age;
    this.arm(p.messageAgeTimer, this.t + (stpTicksToMs(b.maxAge) - age));
  }

  private recordConfigTimeoutValues(b: ConfigBpdu): void {
    this.maxAge = stpTicksToMs(b.maxAge);
    this.helloTime = stpTicksToMs(b.helloTime);
    this.forwardDelay = stpTicksToMs(b.forwardDelay);
    this.setTopologyChange(b.topologyChange);
  }

  private transmitTcn(): void {
    const p = this.portMap.get(this.rootPort);
    if (!p || !this._enabled) return;
    p.counters.txTcn++;
    this.emit({ type: 'tcn-sent', port: p.portNo });
    this.host.sendBpdu(p.portNo, buildTcnBpdu(p.mac));
  }

  private shouldBecomeDesignatedPort(p: PortRec): boolean {
    if (this.isDesignatedPort(p)) return true;
    if (!bridgeIdEquals(p.designatedRoot, this.designatedRoot)) return true;
    if (this.rootPathCost !== p.designatedCost) return this.rootPathCost < p.designatedCost;
    const c = compareBridgeId(this.bridgeId, p.designatedBridge);
    if (c !== 0) return c < 0;
    return p.portId < p.designatedPort;
  }

  private designatedPortSelection(): void {
    for (const p of this.portList) {
      if (p.state !== PORT_DISABLED && this.shouldBecomeDesignatedPort(p)) this.becomeDesignatedPort(p);
    }
  }

  private supersedesPortInfo(p: PortRec, b: ConfigBpdu): boolean {
    let c = compareBridgeId(b.root, p.designatedRoot);
    if (c !== 0) return c < 0;
    if (b.rootPathCost !== p.designatedCost) return b.rootPathCost < p.designatedCost;
    c = compareBridgeId(b.bridge, p.designatedBridge);
    if (c !== 0) return c < 0;
    // Same designated bridge: a refresh from a neighbour always counts; our own BPDU looped
    // back counts only from an equal or lower port id (so the higher of two looped ports blocks).
    if (!bridgeIdEquals(b.bridge, this.bridgeId)) return true;
    return b.portId <= p.designatedPort;
  }

  private topologyChangeAcknowledged(): void {
    this.topologyChangeDetected = false;
    this.stop(this.tcnTimer);
  }

  private topologyChangeDetection(): void {
    if (!this._enabled) return;
    const isRoot = this.isRootBridge();
    this.topologyChangeDetections++;
    this.lastTopologyChange = this.t;
    this.emit({ type: 'tc-detected', isRoot });
    if (isRoot) {
      this.setTopologyChange(true);
      this.arm(this.tcTimer, this.t + this.bridgeForwardDelay + this.bridgeMaxAge);
    } else if (!this.topologyChangeDetected) {
      this.transmitTcn();
      this.arm(this.tcnTimer, this.t + this.bridgeHelloTime);
    }
    this.topologyChangeDetected = true;
  }

  private configBpduGeneration(): void {
    for (const p of this.portList) {
      if (p.state !== PORT_DISABLED && this.isDesignatedPort(p)) this.transmitConfig(p);
    }
  }

  private configurationUpdate(): void {
    const prevRoot = this.designatedRoot;
    const prevRootPort = this.rootPort;
    this.rootSelection();
    this.designatedPortSelection();
    this.noteRootChange(prevRoot, prevRootPort);
  }

  private noteRootChange(prevRoot: BridgeId, prevRootPort: number): void {
    if (!bridgeIdEquals(prevRoot, this.designatedRoot)) {
      this.rootChanges++;
      this.emit({
        type: 'root-change',
        root: formatBridgeId(this.designatedRoot),
        prevRoot: formatBridgeId(prevRoot),
        rootPort: this.rootPort,
        rootPathCost: this.rootPathCost,
      });
    }
    if (prevRootPort !== this.rootPort) {
      this.rootPortChanges++;
      this.emit({ type: 'root-port-change', rootPort: this.rootPort, prevRootPort });
    }
  }

  private becomeDesignatedPort(p: PortRec): void {
    p.designatedRoot = this.designatedRoot;
    p.designatedCost = this.rootPathCost;
    p.designatedBridge = this.bridgeId;
    p.designatedPort = p.portId;
  }

  private makeBlocking(p: PortRec): void {
    if (p.state === PORT_DISABLED || p.state === PORT_BLOCKING) return;
    if (p.state === PORT_FORWARDING || p.state === PORT_LEARNING) this.topologyChangeDetection();
    this.setState(p, PORT_BLOCKING);
    this.stop(p.forwardDelayTimer);
  }

  private makeForwarding(p: PortRec): void {
    if (p.state !== PORT_BLOCKING) return;
    if (!this._enabled || this.forwardDelay === 0) {
      this.setState(p, PORT_FORWARDING);
      this.topologyChangeDetection();
      this.stop(p.forwardDelayTimer);
    } else {
      this.setState(p, PORT_LISTENING);
    }
    if (this._enabled && this.forwardDelay !== 0) this.arm(p.forwardDelayTimer, this.t + this.forwardDelay);
  }

  private portStateSelection(): void {
    for (const p of this.portList) {
      if (p.state === PORT_DISABLED) continue;
      if (p.portNo === this.rootPort) {
        p.configPending = false;
        p.topologyChangeAck = false;
        this.makeForwarding(p);
      } else if (this.isDesignatedPort(p)) {
        this.stop(p.messageAgeTimer);
        this.makeForwarding(p);
      } else {
        p.configPending = false;
        p.topologyChangeAck = false;
        this.makeBlocking(p);
      }
    }
  }

  private topologyChangeAcknowledge(p: PortRec): void {
    p.topologyChangeAck = true;
    this.transmitConfig(p);
  }

  private receivedConfigBpdu(p: PortRec, b: ConfigBpdu): void {
    p.counters.rxBpdu++;
    const wasRoot = this.isRootBridge();
    if (this.supersedesPortInfo(p, b)) {
      this.recordConfigInformation(p, b);
      this.configurationUpdate();
      this.portStateSelection();
      if (!this.isRootBridge() && wasRoot) {
        this.stop(this.helloTimer);
        if (this.topologyChangeDetected) {
          // A change we were announcing as root must now go up to the new root.
          this.stop(this.tcTimer);
          this.transmitTcn();
          this.arm(this.tcnTimer, this.t + this.bridgeHelloTime);
        }
      }
      if (p.portNo === this.rootPort) {
        this.recordConfigTimeoutValues(b);
        this.configBpduGeneration();
        if (b.topologyChangeAck) {
          this.emit({ type: 'tc-ack-received', port: p.portNo });
          this.topologyChangeAcknowledged();
        }
      }
    } else if (this.isDesignatedPort(p)) {
      // Inferior info on a segment we are designated for: tell them at once.
      this.transmitConfig(p);
    }
  }

  private receivedTcnBpdu(p: PortRec): void {
    p.counters.rxTcn++;
    if (this.isDesignatedPort(p)) {
      this.emit({ type: 'tcn-received', port: p.portNo });
      this.topologyChangeDetection();
      this.topologyChangeAcknowledge(p);
    }
  }

  // ─────────────────────── br_stp_if.c: port admin ───────────────────────

  /** br_init_port minus the state: id from priority, designated for its segment. */
  private initPortInfo(p: PortRec): void {
    p.portId = makePortId(p.priority, p.portNo);
    this.becomeDesignatedPort(p);
    p.topologyChangeAck = false;
    p.configPending = false;
  }

  private enablePort(p: PortRec): void {
    this.initPortInfo(p);
    this.setState(p, PORT_BLOCKING);
    this.portStateSelection();
  }

  private disablePort(p: PortRec): void {
    const wasRoot = this.isRootBridge();
    this.becomeDesignatedPort(p);
    this.setState(p, PORT_DISABLED);
    p.topologyChangeAck = false;
    p.configPending = false;
    this.stop(p.messageAgeTimer);
    this.stop(p.forwardDelayTimer);
    this.stop(p.holdTimer);
    this.configurationUpdate();
    this.portStateSelection();
    if (this.isRootBridge() && !wasRoot) this.becomeRootBridge();
  }

  private setForwardDelayValue(ms: number): void {
    this.bridgeForwardDelay = ms;
    if (this.isRootBridge()) this.forwardDelay = ms;
  }

  // ─────────────────────────── host plumbing ───────────────────────────

  private setState(p: PortRec, state: number): void {
    const prev = p.state;
    if (prev === state) return;
    p.state = state;
    if (this._enabled) {
      if (state === PORT_BLOCKING) p.counters.transitionBlk++;
      else if (state === PORT_FORWARDING) p.counters.transitionFwd++;
    }
    this.host.setPortState(p.portNo, state);
    this.emit({
      type: 'stp-state',
      port: p.portNo,
      state,
      stateName: PORT_STATE_NAMES[state] ?? String(state),
      prevState: prev,
      prevStateName: PORT_STATE_NAMES[prev] ?? String(prev),
    });
  }

  /** __br_set_topology_change: the host hears only real changes, and only with STP on. */
  private setTopologyChange(on: boolean): void {
    if (this.topologyChange === on) return;
    this.topologyChange = on;
    if (!this._enabled) return;
    if (on) {
      this.topologyChanges++;
      this.lastTopologyChange = this.t;
      this.host.topologyChange(true, this.forwardDelay, 2 * this.forwardDelay);
      this.emit({ type: 'tc-start', forwardDelayMs: this.forwardDelay, tcAgeingMs: 2 * this.forwardDelay });
    } else {
      this.host.topologyChange(false, this.forwardDelay, 2 * this.forwardDelay);
      this.emit({ type: 'tc-end' });
    }
  }

  private requirePort(portNo: number): PortRec {
    const p = this.portMap.get(portNo);
    if (!p) throw new RangeError(`port ${portNo} is not a port of this bridge`);
    return p;
  }
}
