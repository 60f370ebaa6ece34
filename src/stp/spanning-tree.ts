// The spanning tree a bridge runs, whichever protocol: 802.1D as the kernel (Stp) or RSTP (Rstp).
// It owns the choice and what must survive a change of it (bridge id, timers, each port's MAC,
// speed, priority, admin cost, carrier, edge flag); everything else it hands to the engine.
// Changing protocol starts the new engine from BEGIN: every port leaves the active topology
// (disabled, then discarding) and rejoins it by the new protocol's rules, so no loop forms.
import { Stp } from './stp.js';
import { Rstp } from './rstp.js';
import type { AddPortOptions, StpHost, StpOptions, StpProtocol, StpSnapshot } from './types.js';

export const STP_PROTOCOLS: readonly StpProtocol[] = ['stp', 'rstp'];

export interface SpanningTreeOptions extends StpOptions {
  /** Default 'stp' (802.1D, as the kernel). */
  protocol?: StpProtocol;
}

interface PortMemo {
  portNo: number;
  opts: AddPortOptions;
}

export class SpanningTree {
  private engine: Stp | Rstp;
  private _protocol: StpProtocol;
  private readonly opts: StpOptions;
  private readonly portMemo = new Map<number, PortMemo>();

  constructor(private readonly host: StpHost, opts: SpanningTreeOptions) {
    const { protocol, ...rest } = opts;
    this._protocol = protocol ?? 'stp';
    this.opts = { ...rest };
    this.engine = this.make(this._protocol);
  }

  get protocol(): StpProtocol { return this._protocol; }
  get enabled(): boolean { return this.engine.enabled; }

  /** Runs the other protocol from now on; a no-op when it already runs. */
  setProtocol(protocol: StpProtocol): void {
    if (!STP_PROTOCOLS.includes(protocol)) {
      throw new RangeError(`spanning tree protocol '${String(protocol)}': allowed ${STP_PROTOCOLS.join(', ')}`);
    }
    if (protocol === this._protocol) return;
    const on = this.engine.enabled;
    // the old engine says nothing more: its ports go to the new one, which tells the host their states
    this.engine = this.make(protocol);
    this._protocol = protocol;
    for (const m of [...this.portMemo.values()].sort((a, b) => a.portNo - b.portNo)) this.engine.addPort(m.portNo, m.opts);
    if (on) this.engine.enable();
  }

  private make(protocol: StpProtocol): Stp | Rstp {
    return protocol === 'rstp' ? new Rstp(this.host, this.opts) : new Stp(this.host, this.opts);
  }

  private memo(portNo: number, change: Partial<AddPortOptions>): void {
    const m = this.portMemo.get(portNo);
    if (m) m.opts = { ...m.opts, ...change };
  }

  enable(): void { this.engine.enable(); }
  disable(): void { this.engine.disable(); }

  addPort(portNo: number, opts: AddPortOptions): void {
    this.engine.addPort(portNo, opts);
    this.portMemo.set(portNo, { portNo, opts: { ...opts } });
  }

  removePort(portNo: number): void {
    this.engine.removePort(portNo);
    this.portMemo.delete(portNo);
  }

  portUp(portNo: number): void { this.engine.portUp(portNo); this.memo(portNo, { up: true }); }
  portDown(portNo: number): void { this.engine.portDown(portNo); this.memo(portNo, { up: false }); }
  setPortSpeed(portNo: number, speedMbps: number): void { this.engine.setPortSpeed(portNo, speedMbps); this.memo(portNo, { speedMbps }); }
  setPortMac(portNo: number, mac: number): void { this.engine.setPortMac(portNo, mac); this.memo(portNo, { mac }); }
  receive(portNo: number, buf: Uint8Array, off: number, len: number): void { this.engine.receive(portNo, buf, off, len); }
  tick(): void { this.engine.tick(); }

  setBridgePriority(prio: number): void { this.engine.setBridgePriority(prio); this.opts.priority = prio; }
  setBridgeMac(mac: number): void { this.engine.setBridgeMac(mac); this.opts.bridgeMac = mac; }
  setHelloTime(ms: number): void { this.engine.setHelloTime(ms); this.opts.helloMs = ms; }
  setMaxAge(ms: number): void { this.engine.setMaxAge(ms); this.opts.maxAgeMs = ms; }
  setForwardDelay(ms: number): void { this.engine.setForwardDelay(ms); this.opts.forwardDelayMs = ms; }
  setPortPriority(portNo: number, prio: number): void { this.engine.setPortPriority(portNo, prio); this.memo(portNo, { priority: prio }); }
  setPathCost(portNo: number, cost: number): void { this.engine.setPathCost(portNo, cost); this.memo(portNo, { pathCost: cost }); }

  /** RSTP AdminEdge. Kept under 802.1D too (which has no edge ports) and used when RSTP starts. */
  setPortEdge(portNo: number, edge: boolean): void {
    if (!this.portMemo.has(portNo)) throw new RangeError(`port ${portNo} is not a port of this bridge`);
    if (this.engine instanceof Rstp) this.engine.setPortEdge(portNo, edge);
    this.memo(portNo, { edge });
  }

  /** RSTP mcheck: a port that fell back to 802.1D tries RSTP again. */
  migrationCheck(portNo: number): void {
    if (!(this.engine instanceof Rstp)) throw new RangeError('a migration check needs RSTP (softbr stp BRIDGE rstp)');
    this.engine.migrationCheck(portNo);
  }

  portState(portNo: number): number | undefined { return this.engine.portState(portNo); }
  snapshot(): StpSnapshot { return this.engine.snapshot(); }
}
