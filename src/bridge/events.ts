// Events the bridge reports off the fast path (a new MAC, a move, ageing, port and STP changes),
// for the monitor, logs and tests. Refreshing a known MAC emits nothing.

export type BridgeEvent =
  | { type: 'learned'; bridge: string; mac: string; vid: number; port: string }
  | { type: 'moved'; bridge: string; mac: string; vid: number; from: string; to: string }
  | { type: 'aged'; bridge: string; mac: string; vid: number; port: string }
  | { type: 'evicted'; bridge: string; mac: string; vid: number; port: string }
  /** Per-MAC events (learned, moved, aged, evicted) left out over the budget since the last such summary (event-budget.ts). */
  | { type: 'mac-events-suppressed'; bridge: string; count: number; perSecond: number }
  | { type: 'flushed'; bridge: string; count: number; port?: string; vid?: number }
  | { type: 'static-added'; bridge: string; mac: string; vid: number; port: string }
  | { type: 'static-removed'; bridge: string; mac: string; vid: number; port: string }
  | { type: 'port-added'; bridge: string; port: string; no: number; kind: string }
  | { type: 'port-removed'; bridge: string; port: string; no: number }
  | { type: 'port-up'; bridge: string; port: string }
  | { type: 'port-down'; bridge: string; port: string; reason: string }
  | { type: 'stp-state'; bridge: string; port: string; from: string; to: string }
  | { type: 'root-change'; bridge: string; root: string; rootPort: string; cost: number; stpTimeMs: number }
  | { type: 'tc-start'; bridge: string }
  | { type: 'tc-end'; bridge: string }
  | { type: 'mirror-added'; bridge: string; mirror: string; from: string; direction: string; to: string }
  | { type: 'mirror-removed'; bridge: string; mirror: string }
  /** Snooping: a port joined a group, sent a leave for it (its grace started), or its membership expired. */
  | { type: 'mdb-added' | 'mdb-leave' | 'mdb-removed'; bridge: string; port: string; group: string }
  /** Other STP engine events (stp-enabled, tcn-received, bpdu-dropped, …), named by `what`. */
  | { type: 'stp'; bridge: string; what: string; stpTimeMs: number; [k: string]: unknown };

export type EventListener = (e: BridgeEvent & { time: number }) => void;
