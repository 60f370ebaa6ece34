// The web view's data: one JSON snapshot of every bridge (STP, ports with state, role and
// counters), the MAC table of one bridge in a compact row form (10k MACs stay small), and the
// lab topology when the daemon runs a lab. Built on request, never on the frame path.
import { readFileSync } from 'node:fs';
import type { Bridge } from '../bridge/bridge.js';
import { PORT_STATE_NAMES } from '../stp/port-state.js';
import { formatMac } from '../frame/mac.js';

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
}

export interface StateView {
  now: number;
  bridges: BridgeView[];
  /** The lab's hosts and links (from its state file) when the daemon was given one. */
  topology?: unknown;
}

export function stateView(src: WebSource, topologyFile?: string): StateView {
  const now = src.clock.now();
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
    });
  }
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

/** A bridge's MAC table as [mac, port name, kind, seconds since last heard] rows, sorted by MAC. */
export function fdbView(src: WebSource, name: string): { bridge: string; ageingSec: number; rows: [string, string, string, number][] } | undefined {
  const m = src.bridges.get(name);
  if (!m) return undefined;
  const b = m.bridge;
  const now = src.clock.now();
  const rows = b.fdb.entries(now).sort((x, y) => x.mac - y.mac).map((e): [string, string, string, number] => [
    formatMac(e.mac), b.ports[e.port]?.name ?? '', e.kind, e.kind === 'learned' ? Math.max(0, Math.round(now - e.updated) / 1000) : 0,
  ]);
  return { bridge: b.name, ageingSec: b.fdb.effectiveAgeingMs / 1000, rows };
}
