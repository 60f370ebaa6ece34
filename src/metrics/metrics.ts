// Prometheus metrics for softbr: a private prom-client Registry whose collectors read the engine's
// plain counter fields (ports, bridges, FDB, STP) when scraped. Nothing on the per-frame path
// touches prom-client; a scrape walks the bridges once per metric family.
import { Registry, AggregatorRegistry, Counter, Gauge, collectDefaultMetrics, type Metric, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Bridge } from '../bridge/bridge.js';
import type { BridgePort } from '../bridge/port.js';
import { DROP_REASONS } from '../bridge/port.js';
import type { TunnelPort, VtepCounters } from '../ports/vxlan.js';
import { PORT_STATE_NAMES } from '../stp/port-state.js';
import { PORT_ROLES, type StpSnapshot } from '../stp/types.js';
import { STP_PROTOCOLS } from '../stp/spanning-tree.js';

/** What the metrics read: the daemon's bridges (a Daemon fits; so does a test's own map). */
export interface MetricsSource {
  readonly bridges: ReadonlyMap<string, { readonly bridge: Bridge }>;
}

export interface Metrics {
  registry: Registry;
  /** Unregisters softbr's collectors from the registry. */
  close(): void;
}

type Labels = Record<string, string>;
type Emit = (labels: Labels, value: number) => void;

/**
 * Process and Node.js runtime metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes…)
 * are collected once per process, unprefixed: those names are the standard every Prometheus client
 * library exports and dashboards expect, and `job`/`instance` already tell softbr apart. The
 * collectors (a GC observer, an event-loop delay monitor) cannot be stopped, so they are made once
 * and shared by every registry createMetrics() builds. They are what keeps `promtool check metrics`
 * quiet either way: a prefix would not fix the three misnamed gauges dropped below.
 */
let processMetrics: Metric[] | undefined;
function sharedProcessMetrics(): Metric[] {
  if (!processMetrics) {
    const r = new Registry();
    collectDefaultMetrics({ register: r });
    // prom-client's nodejs_active_{handles,requests,resources}_total are gauges named like
    // counters, which promtool rejects; they are only the sums of the per-type gauges kept here.
    processMetrics = (r.getMetricsAsArray() as unknown as (Metric & { name: string; type?: string })[])
      .filter((m) => !(m.name.endsWith('_total') && m.type !== 'counter'));
  }
  return processMetrics;
}

/** Builds the registry for source. Values are read at scrape time, so bridges and ports added later appear. */
export function createMetrics(source: MetricsSource, opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // a bridge thread's registry leaves them out: the main thread's are the process's (exposition)
  const shared = (opts.processMetrics ?? true) ? sharedProcessMetrics() : [];
  for (const m of shared) registry.registerMetric(m);

  const bridges = (): Bridge[] => [...source.bridges.values()].map((m) => m.bridge);

  // STP snapshots allocate; one per bridge per scrape is enough for all STP families.
  let stpCache: Map<Bridge, StpSnapshot | null> | null = null;
  const stp = (b: Bridge): StpSnapshot | null => {
    if (stpCache === null) {
      stpCache = new Map();
      queueMicrotask(() => { stpCache = null; });
    }
    let s = stpCache.get(b);
    if (s === undefined) {
      try { s = b.stp.snapshot(); } catch { s = null; }
      stpCache.set(b, s);
    }
    return s;
  };

  const counter = (name: string, help: string, labelNames: string[], fill: (emit: Emit) => void) => {
    new Counter({
      name, help, labelNames, registers: [registry],
      collect() {
        this.reset();
        fill((labels, v) => this.inc(labels, v));
      },
    });
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (emit: Emit) => void) => {
    new Gauge({
      name, help, labelNames, registers: [registry],
      collect() {
        this.reset();
        fill((labels, v) => this.set(labels, v));
      },
    });
  };
  const eachPort = (emit: Emit, read: (p: BridgePort) => number) => {
    for (const b of bridges()) for (const p of b.allPorts()) emit({ bridge: b.name, port: p.name }, read(p));
  };
  const eachBridge = (emit: Emit, read: (b: Bridge) => number) => {
    for (const b of bridges()) emit({ bridge: b.name }, read(b));
  };
  const PL = ['bridge', 'port'];
  const BL = ['bridge'];

  // ---- per port
  counter('softbr_port_rx_frames_total', 'Frames received on the port, before any check.', PL, (e) => eachPort(e, (p) => p.rxFrames));
  counter('softbr_port_rx_bytes_total', 'Bytes of frames received on the port.', PL, (e) => eachPort(e, (p) => p.rxBytes));
  counter('softbr_port_tx_frames_total', 'Frames sent out of the port.', PL, (e) => eachPort(e, (p) => p.txFrames));
  counter('softbr_port_tx_bytes_total', 'Bytes of frames sent out of the port.', PL, (e) => eachPort(e, (p) => p.txBytes));
  counter('softbr_port_flooded_frames_total', 'Frames sent out of the port as part of a flood (broadcast, multicast, unknown unicast).', PL,
    (e) => eachPort(e, (p) => p.txFlooded));
  counter('softbr_port_drops_total', `Frames dropped at the port, by reason (${DROP_REASONS.join(', ')}).`,
    [...PL, 'reason'], (emit) => {
      for (const b of bridges()) {
        for (const p of b.allPorts()) {
          const d = p.drops();
          for (const reason of DROP_REASONS) emit({ bridge: b.name, port: p.name, reason }, d[reason]);
        }
      }
    });
  gauge('softbr_port_up', '1 when the port\'s link is up, 0 when down.', PL, (e) => eachPort(e, (p) => (p.up ? 1 : 0)));
  gauge('softbr_port_stp_state', 'STP state of the port: 1 for the current state, 0 for the others.', [...PL, 'state'], (emit) => {
    for (const b of bridges()) {
      for (const p of b.allPorts()) {
        for (let s = 0; s < PORT_STATE_NAMES.length; s++) emit({ bridge: b.name, port: p.name, state: PORT_STATE_NAMES[s]! }, p.state === s ? 1 : 0);
      }
    }
  });
  gauge('softbr_port_stp_role', 'Spanning-tree role of the port (root, designated, alternate, backup, disabled): 1 for the current role, 0 for the others; only while STP runs.',
    [...PL, 'role'], (emit) => {
      for (const b of bridges()) {
        const s = stp(b);
        if (s === null || !s.enabled) continue;
        for (const sp of s.ports) {
          const name = b.ports[sp.portNo]?.name;
          if (name === undefined) continue;
          for (const r of PORT_ROLES) emit({ bridge: b.name, port: name, role: r }, sp.role === r ? 1 : 0);
        }
      }
    });
  gauge('softbr_port_learned_entries', 'Learned FDB entries pointing at the port.', PL, (e) => {
    for (const b of bridges()) for (const p of b.allPorts()) e({ bridge: b.name, port: p.name }, b.fdb.portCount(p.no));
  });

  // ---- per port: impairments and rate limits (only ports that have them)
  const IMPAIR_EFFECTS = [
    ['frames', 'offered'], ['lost', 'lost'], ['duplicated', 'duplicated'], ['corrupted', 'corrupted'], ['reordered', 'reordered'],
    ['delayed', 'delayed'], ['shaped', 'shaped'], ['policed', 'policed'], ['queueFull', 'queue_full'],
  ] as const;
  const eachImpairer = (fn: (labels: Labels, imp: NonNullable<BridgePort['impairIn']>) => void) => {
    for (const b of bridges()) {
      for (const p of b.allPorts()) {
        if (p.impairIn !== null) fn({ bridge: b.name, port: p.name, direction: 'in' }, p.impairIn);
        if (p.impairOut !== null) fn({ bridge: b.name, port: p.name, direction: 'out' }, p.impairOut);
      }
    }
  };
  counter('softbr_port_impair_frames_total', 'Frames a port\'s impairment or rate limit handled, by direction (in, out) and effect (offered, lost, duplicated, corrupted, reordered, delayed, shaped, policed, queue_full).',
    [...PL, 'direction', 'effect'], (emit) => eachImpairer((l, imp) => {
      for (const [k, effect] of IMPAIR_EFFECTS) emit({ ...l, effect }, imp[k]);
    }));
  gauge('softbr_port_impair_queue_frames', 'Frames waiting in a port\'s delay line, by direction.', [...PL, 'direction'], (emit) => eachImpairer((l, imp) => emit(l, imp.count)));
  // ---- per remote VTEP of a VXLAN port (label remote: the VTEP's address)
  const eachVtep = (emit: Emit, read: (v: VtepCounters) => number) => {
    for (const b of bridges()) {
      for (const p of b.allPorts()) {
        const t = (p.io as Partial<TunnelPort>).tunnel;
        if (t !== undefined) for (const v of t.vteps()) emit({ bridge: b.name, port: p.name, remote: v.remote }, read(v));
      }
    }
  };
  const VL = [...PL, 'remote'];
  counter('softbr_vxlan_remote_rx_frames_total', 'Frames received from the remote VTEP on the VXLAN port.', VL, (e) => eachVtep(e, (v) => v.rxFrames));
  counter('softbr_vxlan_remote_rx_bytes_total', 'Bytes of inner frames received from the remote VTEP.', VL, (e) => eachVtep(e, (v) => v.rxBytes));
  counter('softbr_vxlan_remote_tx_frames_total', 'Frames sent to the remote VTEP (a flood counts once per VTEP it went to).', VL, (e) => eachVtep(e, (v) => v.txFrames));
  counter('softbr_vxlan_remote_tx_bytes_total', 'Bytes of inner frames sent to the remote VTEP.', VL, (e) => eachVtep(e, (v) => v.txBytes));
  counter('softbr_vxlan_socket_drops_total', 'Datagrams the VXLAN port\'s UDP socket (shared by the VNIs on one local address and port) dropped before any port saw them, by reason (short, no_i_flag, reserved, unknown_vni).',
    [...PL, 'reason'], (emit) => {
      for (const b of bridges()) {
        for (const p of b.allPorts()) {
          const t = (p.io as Partial<TunnelPort>).tunnel;
          if (t === undefined) continue;
          const d = t.socketDrops();
          for (const reason of Object.keys(d)) emit({ bridge: b.name, port: p.name, reason }, d[reason]!);
        }
      }
    });

  // ---- per bridge: forwarding
  counter('softbr_rx_frames_total', 'Frames received by the bridge on all ports.', BL, (e) => eachBridge(e, (b) => b.rxFrames));
  counter('softbr_forwarded_frames_total', 'Frames forwarded to a single known port.', BL, (e) => eachBridge(e, (b) => b.forwarded));
  counter('softbr_flooded_frames_total', 'Frames flooded (broadcast, multicast and unknown unicast), counted once per frame.', BL, (e) => eachBridge(e, (b) => b.flooded));
  counter('softbr_unknown_unicast_flooded_total', 'Unicast frames flooded because their destination was not in the FDB.', BL, (e) => eachBridge(e, (b) => b.unknownUnicastFlooded));
  counter('softbr_filtered_frames_total', 'Unicast frames not forwarded because the destination is behind the ingress port or the egress port cannot send.', BL,
    (e) => eachBridge(e, (b) => b.filtered));

  // ---- per bridge: FDB
  gauge('softbr_fdb_entries', 'Entries in the forwarding database (learned, static and local).', BL, (e) => eachBridge(e, (b) => b.fdb.size));
  gauge('softbr_fdb_max_entries', 'Most learned entries the forwarding database holds.', BL, (e) => eachBridge(e, (b) => b.fdb.maxEntries));
  gauge('softbr_fdb_ageing_seconds', 'Ageing time in force (shorter during a topology change).', BL, (e) => eachBridge(e, (b) => b.fdb.effectiveAgeingMs / 1000));
  counter('softbr_fdb_learned_total', 'MAC addresses newly learned.', BL, (e) => eachBridge(e, (b) => b.learned));
  counter('softbr_fdb_aged_total', 'Learned entries removed because they aged out.', BL, (e) => eachBridge(e, (b) => b.aged));
  counter('softbr_fdb_moved_total', 'Learned MAC addresses seen on a different port than before (station moves).', BL, (e) => eachBridge(e, (b) => b.moved));
  counter('softbr_fdb_evicted_total', 'Learned entries evicted to make room in a full table.', BL, (e) => eachBridge(e, (b) => b.evicted));
  counter('softbr_fdb_flushed_total', 'Entries removed by flushes (user, port down or removed, STP).', BL, (e) => eachBridge(e, (b) => b.flushed));
  counter('softbr_fdb_refused_total', 'Source addresses not learned because the table was full (policy refuse-new).', BL, (e) => eachBridge(e, (b) => b.notLearnedTableFull));

  // ---- per bridge: STP
  const eachStp = (emit: Emit, read: (s: StpSnapshot, b: Bridge) => number | null) => {
    for (const b of bridges()) {
      const s = stp(b);
      if (s === null) continue;
      const v = read(s, b);
      if (v !== null) emit({ bridge: b.name }, v);
    }
  };
  gauge('softbr_stp_enabled', '1 when spanning tree runs on the bridge.', BL, (e) => eachBridge(e, (b) => (b.stp.enabled ? 1 : 0)));
  gauge('softbr_stp_protocol', 'Spanning tree the bridge is set to run: 1 for the current protocol (stp = 802.1D, rstp), 0 for the other.', [...BL, 'protocol'], (emit) => {
    for (const b of bridges()) for (const pr of STP_PROTOCOLS) emit({ bridge: b.name, protocol: pr }, b.stp.protocol === pr ? 1 : 0);
  });
  gauge('softbr_stp_is_root', '1 when this bridge is the root bridge.', BL, (e) => eachStp(e, (s) => (s.isRoot ? 1 : 0)));
  gauge('softbr_stp_topology_change', '1 while a topology change is in force (fast ageing).', BL, (e) => eachStp(e, (s) => (s.topologyChange ? 1 : 0)));
  counter('softbr_stp_root_changes_total', 'Times the root bridge changed.', BL, (e) => eachStp(e, (s) => s.rootChanges));
  counter('softbr_stp_topology_changes_total', 'Topology changes seen or detected by this bridge.', BL, (e) => eachStp(e, (s) => s.topologyChanges));
  gauge('softbr_stp_seconds_since_topology_change', 'Seconds since the last topology change; absent until the first one.', BL,
    (e) => eachStp(e, (s, b) => (s.lastTopologyChangeMs === null || s.lastTopologyChangeMs === undefined
      ? null : Math.max(0, b.clock.now() - s.lastTopologyChangeMs) / 1000)));

  const ours = (registry.getMetricsAsArray() as unknown as Metric[]).filter((m) => !shared.includes(m));
  return {
    registry,
    close() {
      for (const m of ours) registry.removeSingleMetric((m as unknown as { name: string }).name);
    },
  };
}

/** Metric families as another registry's getMetricsAsJSON gives them (a bridge thread's). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The text exposition of metrics, with the softbr_ families of other registries (bridge threads,
 * each with its own bridges) merged in: one family per name, each bridge's series once. The
 * process metrics are this process's, as they stand.
 */
export async function exposition(metrics: Metrics, remote: readonly MetricsJson[]): Promise<string> {
  if (remote.length === 0) return metrics.registry.metrics();
  const shared = sharedProcessMetrics();
  const ours = (await metrics.registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('softbr_'));
  const merged = AggregatorRegistry.aggregate([ours, ...remote] as MetricObjectWithValues<MetricValue<string>>[][]);
  const out = new Registry();
  for (const m of shared) out.registerMetric(m);
  for (const m of merged.getMetricsAsArray()) out.registerMetric(m as unknown as Metric);
  return out.metrics();
}
