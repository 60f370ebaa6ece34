// The web view's data: one JSON snapshot of every bridge (STP, ports with state, role and
// counters), the MAC table of one bridge in a compact row form (10k MACs stay small), and the
// lab topology when the daemon runs a lab. Built on request, never on the frame path. A bridge
// thread builds its bridge's views with these same functions (bridge-worker.ts), and WebViews is
// where the routes get every bridge's, whichever thread runs it.
import { readFileSync } from 'node:fs';
import type { Bridge } from '../bridge/bridge.js';
import type { EventListener } from '../bridge/events.js';
import { PORT_STATE_NAMES } from '../stp/port-state.js';
import { formatMac } from '../frame/mac.js';
import { byKey } from '../control/thread-routing.js';

export interface WebSource {
  readonly bridges: ReadonlyMap<string, { readonly bridge: Bridge }>;
  readonly clock: { now(): number };
}

export interface PortView {
  no: number; name: string; host: boolean; up: boolean; state: string; role: string;
  rxFrames: number; txFrames: number; rxBytes: number; txBytes: number; drops: number;
}

export interface BridgeView {
  name: string; bridgeId: string; stp: boolean; isRoot: boolean; root: string; rootPort: number;
  ageingSec: number; macs: number; ports: PortView[];
  /**
   * When the counters were read (readStamp): the page's rates divide by the time between two reads
   * of the same bridge, so a bridge thread's last answer served again moves no rate.
   */
  at: number;
}

export interface StateView {
  now: number;
  bridges: BridgeView[];
  /** The lab's hosts and links (from its state file) when the daemon was given one. */
  topology?: unknown;
}

/** A bridge's MAC table: [mac, port name, kind, seconds since last heard] rows, sorted by MAC. */
export interface FdbView {
  bridge: string; ageingSec: number; rows: [string, string, string, number][];
  /** When it was read (readStamp). */
  at: number;
}

/**
 * Where the routes get the bridges: a Daemon's own (localViews), or in the daemon process every
 * bridge, a threaded one's views made on its thread (BridgeThreads.webViews).
 */
export interface WebViews {
  /** Every bridge's view, in bridge-name order (as `show` lists them). */
  bridges(): Promise<BridgeView[]>;
  /** A bridge's MAC table; undefined when there is no such bridge, null when its thread has not answered in time (nor ever before). */
  fdb(name: string): Promise<FdbView | null | undefined>;
  /** Every bridge's events (current and future ones); returns the unsubscribe. */
  onEvent?(fn: EventListener): () => void;
}

/**
 * A time on one scale in every thread of the process (performance.now() counts from each
 * thread's own start; the time origin puts them on one), to stamp when a view was read.
 */
export function readStamp(): number {
  return performance.timeOrigin + performance.now();
}

/** The BridgeView of each of src's bridges (in the order src holds them: mergeBridgeViews orders). */
export function bridgeViews(src: WebSource): BridgeView[] {
  const at = readStamp();
  const bridges: BridgeView[] = [];
  for (const { bridge: b } of src.bridges.values()) {
    const s = b.stp.snapshot();
    const byNo = new Map(s.ports.map((p) => [p.portNo, p]));
    bridges.push({
      name: b.name, bridgeId: s.bridgeId, stp: s.enabled, isRoot: s.isRoot, root: s.designatedRoot, rootPort: s.rootPort,
      ageingSec: b.fdb.effectiveAgeingMs / 1000, macs: b.fdb.learnedCount,
      ports: b.allPorts().map((p) => ({
        no: p.no, name: p.name, host: p.isHost, up: p.up,
        state: PORT_STATE_NAMES[p.state] ?? 'disabled',
        role: s.enabled ? (byNo.get(p.no)?.role ?? 'disabled') : 'none',
        rxFrames: p.rxFrames, txFrames: p.txFrames, rxBytes: p.rxBytes, txBytes: p.txBytes,
        drops: p.dropMalformed + p.dropStpBlocked + p.dropFiltered + p.dropNoBuffer + p.dropTxError + p.dropLimit + p.dropVlan,
      })),
      at,
    });
  }
  return bridges;
}

/** The views of every thread's bridges (the main thread's first) as one list in bridge-name order, as `show` merges its rows. */
export function mergeBridgeViews(parts: readonly BridgeView[][]): BridgeView[] {
  return byKey(parts.flat(), (b) => b.name);
}

/** The snapshot /api/state answers: the bridges' views (WebViews.bridges) and the lab's topology. */
export function stateView(now: number, bridges: BridgeView[], topologyFile?: string): StateView {
  let topology: unknown;
  if (topologyFile) {
    try {
      const t = JSON.parse(readFileSync(topologyFile, 'utf8')) as { hosts?: unknown; links?: unknown; name?: unknown };
      topology = { name: t.name, hosts: t.hosts, links: t.links };
    } catch {
      // the lab may be rewriting it (atomically) or gone: the next poll sees it
    }
  }
  return { now, bridges, ...(topology !== undefined ? { topology } : {}) };
}

/** A bridge's MAC table, sorted by MAC; undefined when src has no bridge of that name. */
export function fdbView(src: WebSource, name: string): FdbView | undefined {
  const m = src.bridges.get(name);
  if (!m) return undefined;
  const b = m.bridge;
  const now = src.clock.now();
  const rows = b.fdb.entries(now).sort((x, y) => x.mac - y.mac).map((e): [string, string, string, number] => [
    formatMac(e.mac), b.ports[e.port]?.name ?? '', e.kind, e.kind === 'learned' ? Math.max(0, Math.round(now - e.updated) / 1000) : 0,
  ]);
  return { bridge: b.name, ageingSec: b.fdb.effectiveAgeingMs / 1000, rows, at: readStamp() };
}

/**
 * v as of `now` (readStamp) when it was read earlier (a bridge thread's last answer, served again
 * because the thread was slow): each learned entry was last heard that much longer ago, so the
 * page's ageing countdown does not run back up.
 */
export function fdbViewAt(v: FdbView, now: number): FdbView {
  const later = Math.max(0, now - v.at) / 1000;
  if (later === 0) return v;
  return { ...v, at: now, rows: v.rows.map(([mac, port, kind, age]): [string, string, string, number] => [mac, port, kind, kind === 'learned' ? age + later : age]) };
}

/** The views of one Daemon's bridges (no threads): the web view of a process that has no others. */
export function localViews(src: WebSource & { onEvent?(fn: EventListener): () => void }): WebViews {
  return {
    bridges: async () => mergeBridgeViews([bridgeViews(src)]),
    fdb: async (name) => fdbView(src, name),
    ...(src.onEvent ? { onEvent: (fn: EventListener) => src.onEvent!(fn) } : {}),
  };
}
