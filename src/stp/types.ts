// The contract between the STP engine and whoever hosts it (the bridge, a test, the N-bridge
// simulator): the host callbacks, the options, the events and the snapshot shape.
import type { BpduDropReason } from './bpdu.js';

export interface StpHost {
  /** ms, from the injected clock. */
  now(): number;
  /**
   * Transmit a complete Ethernet frame (dst 01:80:c2:00:00:00, src = the port's MAC, 802.3
   * length, LLC 42 42 03, BPDU) on port portNo. The frame is freshly allocated and owned by the
   * host. Must not call back into the same engine synchronously (calls made anyway are queued).
   */
  sendBpdu(portNo: number, frame: Uint8Array): void;
  /** The engine decided a new state for a port (PORT_* constants from ./port-state.ts). */
  setPortState(portNo: number, state: number): void;
  /**
   * Topology change started (true) or ended (false). While on, the host ages its FDB faster.
   * forwardDelayMs is the bridge's operating forward delay. tcAgeingMs is what current kernels
   * actually use as ageing time during a topology change: 2 × forward delay
   * (__br_set_topology_change; `brctl showstp` shows "ageing time 30.00" with forward delay 15).
   */
  topologyChange(active: boolean, forwardDelayMs: number, tcAgeingMs: number): void;
  /** Optional: event hook for the monitor. */
  event?(e: StpEvent): void;
  /**
   * RSTP only: forget what was learned on this port now (fdbFlush, 802.1D-2004 17.19.7). RSTP
   * flushes on a topology change instead of ageing faster, and never calls topologyChange().
   */
  flushPort?(portNo: number): void;
}

export interface StpOptions {
  /** Bridge MAC (48-bit number), the low 6 bytes of the bridge id. */
  bridgeMac: number;
  /** 0–65535, default 32768. */
  priority?: number;
  /** 1000–10000, default 2000. */
  helloMs?: number;
  /** 6000–40000, default 20000. */
  maxAgeMs?: number;
  /** 2000–30000 while STP is on (any value ≥ 0 while off; clamped on enable), default 15000. */
  forwardDelayMs?: number;
  /**
   * Round the hello and hold timers to a whole second of the clock as the kernel's round_jiffies()
   * does (down when < 250 ms past the second, else up). Default true. Turn off for simulations
   * that want hellos exactly helloMs apart.
   */
  roundTimers?: boolean;
  /** Decode RST/MST BPDUs as config BPDUs. Default false: the kernel drops them. See bpdu.ts. */
  acceptRstp?: boolean;
}

export interface AddPortOptions {
  /** Port MAC: source address of the BPDUs sent on this port. */
  mac: number;
  /** Link speed in Mb/s for the default path cost (0/undefined = unknown → 100). */
  speedMbps: number;
  /** 0–63, default 32 (port id 0x8000 | portNo). */
  priority?: number;
  /** 1–65535; when given the cost is administrative and no longer follows the speed. */
  pathCost?: number;
  /** Carrier; default true. */
  up?: boolean;
  /** RSTP AdminEdge: the port leads to hosts only and forwards at once (until it hears a BPDU). */
  edge?: boolean;
}

/** Which spanning tree a bridge runs: 802.1D-1998 as the kernel, or RSTP (802.1D-2004 clause 17). */
export type StpProtocol = 'stp' | 'rstp';

export const PORT_ROLES = ['root', 'designated', 'alternate', 'backup', 'disabled'] as const;
export type PortRole = (typeof PORT_ROLES)[number];

// A type alias, not an interface: object-literal types get an implicit index signature, so a
// host may take events as `{ type: string; [k: string]: unknown }`.
type EventBase = {
  /** Engine time (ms) at which it happened: a timer's deadline, not the tick that ran it. */
  time: number;
};

export type StpEvent = EventBase & (
  | { type: 'stp-enabled' }
  | { type: 'stp-disabled' }
  | { type: 'stp-state'; port: number; state: number; stateName: string; prevState: number; prevStateName: string }
  | { type: 'root-change'; root: string; prevRoot: string; rootPort: number; rootPathCost: number }
  | { type: 'root-port-change'; rootPort: number; prevRootPort: number }
  | { type: 'became-root' }
  | { type: 'tc-detected'; isRoot: boolean; port?: number }
  | { type: 'role-change'; port: number; role: PortRole; prevRole: PortRole }
  | { type: 'proposal-sent'; port: number }
  | { type: 'proposal-received'; port: number }
  | { type: 'agreement-sent'; port: number }
  | { type: 'agreement-received'; port: number }
  | { type: 'protocol-migration'; port: number; protocol: StpProtocol }
  | { type: 'edge-change'; port: number; edge: boolean }
  | { type: 'tc-flush'; port: number }
  | { type: 'tc-start'; forwardDelayMs: number; tcAgeingMs: number }
  | { type: 'tc-end' }
  | { type: 'tcn-received'; port: number }
  | { type: 'tcn-sent'; port: number }
  | { type: 'tc-ack-received'; port: number }
  | { type: 'neighbor-lost'; port: number; designatedBridge: string }
  | { type: 'bpdu-dropped'; port: number; reason: BpduDropReason | StpIgnoreReason; malformed: boolean }
);

/** Well-formed BPDUs the engine does not act on, as br_stp_rcv skips them. */
export type StpIgnoreReason = 'unknown-port' | 'stp-disabled' | 'port-disabled' | 'message-age-exceeds-max-age';

export interface StpPortCounters {
  /** Config BPDUs processed (kernel stp_xstats.rx_bpdu). */
  rxBpdu: number;
  txBpdu: number;
  rxTcn: number;
  txTcn: number;
  /** Frames that were broken on the wire. */
  rxMalformed: number;
  /** Well-formed BPDUs not acted on (other protocol version, STP off, port disabled, …). */
  rxIgnored: number;
  /** Times the port entered blocking / forwarding (stp_xstats.transition_blk / _fwd). */
  transitionBlk: number;
  transitionFwd: number;
  /** RST BPDUs processed / sent (RSTP only; the 802.1D engine counts received ones as ignored). */
  rxRstBpdu: number;
  txRstBpdu: number;
}

export interface StpPortSnapshot {
  portNo: number;
  mac: string;
  up: boolean;
  speedMbps: number;
  /** 0–63. */
  priority: number;
  /** (priority << 10) | portNo, and its brctl text form `8001`. */
  portId: number;
  portIdHex: string;
  pathCost: number;
  /** Set by setPathCost/addPort (BR_ADMIN_COST), so speed changes no longer touch it. */
  adminPathCost: boolean;
  state: number;
  stateName: string;
  role: PortRole;
  designatedRoot: string;
  designatedBridge: string;
  designatedPort: number;
  designatedPortHex: string;
  designatedCost: number;
  /** Remaining seconds, truncated to 1/100 s as brctl shows them; 0 when not running. */
  messageAgeTimer: number;
  forwardDelayTimer: number;
  holdTimer: number;
  topologyChangeAck: boolean;
  configPending: boolean;
  /** brctl's port flags line: CONFIG_PENDING, TOPOLOGY_CHANGE_ACK (RSTP: PROPOSING, AGREED too). */
  flags: string[];
  /** What the port speaks: 'rstp', or 'stp' after it heard an 802.1D bridge (always 'stp' in 802.1D mode). */
  protocol: StpProtocol;
  /** RSTP edge port: configured (edge) and in effect (operEdge: configured or detected, no BPDU heard). */
  edge: boolean;
  operEdge: boolean;
  counters: StpPortCounters;
}

export interface StpSnapshot {
  enabled: boolean;
  /** The engine that made this snapshot. */
  protocol: StpProtocol;
  bridgeId: string;
  bridgePriority: number;
  bridgeMac: string;
  designatedRoot: string;
  isRoot: boolean;
  /** 0 when this bridge is the root. */
  rootPort: number;
  /** Root path cost (brctl's "path cost"). */
  rootPathCost: number;
  /** Operating values (learned from the root), seconds. */
  maxAge: number;
  helloTime: number;
  forwardDelay: number;
  /** Configured values, seconds. */
  bridgeMaxAge: number;
  bridgeHelloTime: number;
  bridgeForwardDelay: number;
  /** Remaining seconds (truncated to 1/100), 0 when not running. */
  helloTimer: number;
  tcnTimer: number;
  topologyChangeTimer: number;
  topologyChange: boolean;
  topologyChangeDetected: boolean;
  /** brctl's bridge flags line: TOPOLOGY_CHANGE, TOPOLOGY_CHANGE_DETECTED. */
  flags: string[];
  /** Ageing time (seconds) the kernel uses while topologyChange is on (2 × forwardDelay), else null. */
  tcAgeingTime: number | null;
  /** Times the root bridge id changed. */
  rootChanges: number;
  /** Times the root port changed. */
  rootPortChanges: number;
  /** Times the topology-change flag went on (fast ageing started) on this bridge. */
  topologyChanges: number;
  /** Times this bridge itself detected a topology change (br_topology_change_detection). */
  topologyChangeDetections: number;
  /** Host time (ms) of the last topology change seen or detected, or null. */
  lastTopologyChangeMs: number | null;
  /** Seconds since then (truncated to 1/100), or null. */
  timeSinceTopologyChange: number | null;
  /** Totals over all ports, plus frames for unknown ports. */
  rxMalformed: number;
  rxIgnored: number;
  /** Drops by reason, over all ports. */
  drops: Partial<Record<BpduDropReason | StpIgnoreReason, number>>;
  ports: StpPortSnapshot[];
}
