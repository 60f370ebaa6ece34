// What the 802.1D and RSTP engines share: option and port checks, the serialised entry point
// (timers first, then the operation; calls from host callbacks queued), BPDU decoding with its
// drop counting, the monitor hook, and the counters every snapshot reports.
import { formatMac } from '../frame/mac.js';
import { parseBpdu, type Bpdu, type BpduDropReason } from './bpdu.js';
import { formatPortId } from './bridge-id.js';
import {
  DEFAULT_BRIDGE_PRIORITY, DEFAULT_FORWARD_DELAY_MS, DEFAULT_HELLO_MS, DEFAULT_MAX_AGE_MS,
  MAX_BRIDGE_PRIORITY, MAX_HELLO_MS, MAX_MAX_AGE_MS, MAX_PATH_COST, MAX_PORT_NO, MAX_PORT_PRIORITY,
  MIN_BRIDGE_PRIORITY, MIN_HELLO_MS, MIN_MAX_AGE_MS, MIN_PATH_COST, MIN_PORT_NO, MIN_PORT_PRIORITY,
  checkInteger, checkMac, checkRange, secs,
} from './constants.js';
import type {
  AddPortOptions, StpEvent, StpHost, StpIgnoreReason, StpOptions, StpPortCounters, StpPortSnapshot, StpSnapshot,
} from './types.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The options both engines take, checked, with the defaults filled in. */
export interface CheckedOptions {
  prio: number;
  hello: number;
  maxAge: number;
  forwardDelay: number;
}

export function checkOptions(opts: StpOptions): CheckedOptions {
  checkMac('bridge MAC', opts.bridgeMac);
  const prio = opts.priority ?? DEFAULT_BRIDGE_PRIORITY;
  checkInteger('bridge priority', prio, MIN_BRIDGE_PRIORITY, MAX_BRIDGE_PRIORITY);
  const hello = opts.helloMs ?? DEFAULT_HELLO_MS;
  checkRange('hello time', hello, MIN_HELLO_MS, MAX_HELLO_MS, 'ms');
  const maxAge = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  checkRange('max age', maxAge, MIN_MAX_AGE_MS, MAX_MAX_AGE_MS, 'ms');
  const forwardDelay = opts.forwardDelayMs ?? DEFAULT_FORWARD_DELAY_MS;
  // STP starts off, and the kernel takes any forward delay while it is off (clamped on enable).
  checkRange('forward delay', forwardDelay, 0, Number.MAX_SAFE_INTEGER, 'ms');
  return { prio, hello, maxAge, forwardDelay };
}

export function checkNewPort(portNo: number, opts: AddPortOptions, exists: boolean): void {
  checkInteger('port number', portNo, MIN_PORT_NO, MAX_PORT_NO);
  if (exists) throw new Error(`port ${portNo} already exists`);
  checkMac('port MAC', opts.mac);
  if (opts.priority !== undefined) checkInteger('port priority', opts.priority, MIN_PORT_PRIORITY, MAX_PORT_PRIORITY);
  if (opts.pathCost !== undefined) checkInteger('path cost', opts.pathCost, MIN_PATH_COST, MAX_PATH_COST);
}

export function newPortCounters(): StpPortCounters {
  return {
    rxBpdu: 0, txBpdu: 0, rxTcn: 0, txTcn: 0, rxMalformed: 0, rxIgnored: 0, transitionBlk: 0, transitionFwd: 0,
    rxRstBpdu: 0, txRstBpdu: 0,
  };
}

/** The snapshot fields that say which port it is and what it costs. */
export function portIdentity(p: {
  portNo: number; mac: number; up: boolean; speedMbps: number; priority: number; portId: number; pathCost: number; adminCost: boolean;
}): Pick<StpPortSnapshot, 'portNo' | 'mac' | 'up' | 'speedMbps' | 'priority' | 'portId' | 'portIdHex' | 'pathCost' | 'adminPathCost'> {
  return {
    portNo: p.portNo,
    mac: formatMac(p.mac),
    up: p.up,
    speedMbps: p.speedMbps,
    priority: p.priority,
    portId: p.portId,
    portIdHex: formatPortId(p.portId),
    pathCost: p.pathCost,
    adminPathCost: p.adminCost,
  };
}

type SnapshotTotals = Pick<StpSnapshot, 'rootChanges' | 'rootPortChanges' | 'topologyChanges' | 'topologyChangeDetections'
  | 'lastTopologyChangeMs' | 'timeSinceTopologyChange' | 'rxMalformed' | 'rxIgnored' | 'drops'>;

export abstract class EngineBase {
  protected readonly host: StpHost;
  /** Engine time: host.now() at the entry point, or the deadline of the timer being run. */
  protected t: number;
  private busy = false;
  private readonly deferred: Array<() => void> = [];

  protected rootChanges = 0;
  protected rootPortChanges = 0;
  protected topologyChanges = 0;
  protected topologyChangeDetections = 0;
  protected lastTopologyChange: number | null = null;
  private unknownPortDrops = 0;
  private readonly drops: Partial<Record<BpduDropReason | StpIgnoreReason, number>> = {};

  constructor(host: StpHost) {
    this.host = host;
    this.t = host.now();
  }

  /** A frame addressed to 01:80:c2:00:00:00 received on portNo; validated, counted, acted on. */
  receive(portNo: number, buf: Uint8Array, off: number, len: number): void {
    if (this.busy) {
      // Called from inside a host callback: copy now (the buffer is the caller's) and run after.
      const copy = buf.slice(off, off + len);
      this.deferred.push(() => this.receiveNow(portNo, copy, 0, copy.length));
      return;
    }
    this.run(() => this.receiveNow(portNo, buf, off, len));
  }

  /** Run every timer due up to host.now(), each at its own deadline. */
  tick(): void {
    this.run(() => {});
  }

  protected abstract receiveNow(portNo: number, buf: Uint8Array, off: number, len: number): void;
  /** Runs what is due up to host.now() and sets t to it. */
  protected abstract advance(): void;

  /**
   * Every public mutation goes through here: timers due before now run first (so a BPDU never
   * overtakes a timer that expired before it arrived, however seldom the host ticks), then the
   * operation at t = now. Calls made from inside host callbacks are queued and run afterwards,
   * so procedures never interleave.
   */
  protected run(op: () => void): void {
    if (this.busy) {
      this.deferred.push(op);
      return;
    }
    this.busy = true;
    try {
      this.advance();
      op();
      // Queued calls, and what the operation made due "now", run before returning.
      for (;;) {
        this.advance();
        const next = this.deferred.shift();
        if (!next) break;
        next();
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * Decodes a BPDU for a port (null when the port is unknown); a refused frame is counted on the
   * port as malformed or ignored, by reason, and reported to the monitor.
   */
  protected decode(counters: StpPortCounters | undefined, portNo: number, buf: Uint8Array, off: number, len: number, acceptRstp: boolean): Bpdu | null {
    if (!counters) {
      this.unknownPortDrops++;
      this.countDrop('unknown-port');
      return null;
    }
    const r = parseBpdu(buf, off, len, { acceptRstp });
    if (r.ok) return r.bpdu;
    if (r.malformed) counters.rxMalformed++;
    else counters.rxIgnored++;
    this.countDrop(r.reason);
    this.emit({ type: 'bpdu-dropped', port: portNo, reason: r.reason, malformed: r.malformed });
    return null;
  }

  /** A well-formed BPDU the engine does not act on. */
  protected ignore(counters: StpPortCounters, reason: StpIgnoreReason): void {
    counters.rxIgnored++;
    this.countDrop(reason);
  }

  private countDrop(reason: BpduDropReason | StpIgnoreReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  protected totals(now: number, ports: readonly { counters: StpPortCounters }[]): SnapshotTotals {
    let rxMalformed = 0;
    let rxIgnored = this.unknownPortDrops;
    for (const p of ports) {
      rxMalformed += p.counters.rxMalformed;
      rxIgnored += p.counters.rxIgnored;
    }
    return {
      rootChanges: this.rootChanges,
      rootPortChanges: this.rootPortChanges,
      topologyChanges: this.topologyChanges,
      topologyChangeDetections: this.topologyChangeDetections,
      lastTopologyChangeMs: this.lastTopologyChange,
      timeSinceTopologyChange: this.lastTopologyChange === null ? null : secs(now - this.lastTopologyChange),
      rxMalformed,
      rxIgnored,
      drops: { ...this.drops },
    };
  }

  protected emit(e: DistributiveOmit<StpEvent, 'time'>): void {
    const h = this.host.event;
    if (h) h.call(this.host, { ...e, time: this.t } as StpEvent);
  }
}
