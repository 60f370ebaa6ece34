// The data behind every table: plain JSON-able rows built from bridges (what `show`, `showmacs`,
// `fdb show`, `link show` and `showstp` print), in the shapes the CLI's formatters take.
import type { Bridge } from '../bridge/bridge.js';
import { PORT_STATE_NAMES } from '../stp/port-state.js';
import { formatMac } from '../frame/mac.js';
import { DEFAULT_PORT_PRIORITY } from '../stp/constants.js';
import type { BridgeInfo, MacRow, FdbRow, LinkRow, StpInfo, StpPortInfo, VlanRow } from './wire-types.js';
import { portVlans } from '../bridge/port-vlans.js';
import { impairView } from './impair-state.js';
import type { TunnelPort } from '../ports/vxlan.js';

export function bridgeInfo(bridge: Bridge): BridgeInfo {
  return {
    name: bridge.name,
    bridgeId: bridge.stp.snapshot().bridgeId,
    stpEnabled: bridge.stp.enabled,
    interfaces: bridge.allPorts().filter((p) => !p.isHost).map((p) => p.name).sort(),
  };
}

export function macRows(bridge: Bridge, now: number): (MacRow & { vid: number; kind: string; port: string })[] {
  return bridge.fdb.entries(now)
    .sort((a, b) => a.mac - b.mac)
    .map((e) => ({
      portNo: e.port,
      mac: formatMac(e.mac),
      isLocal: e.kind === 'local',
      // brctl's "ageing timer" is the time since the MAC was last heard from
      ageingTimerSec: e.kind === 'learned' ? Math.max(0, (now - e.updated) / 1000) : 0,
      vid: e.vid,
      kind: e.kind,
      port: bridge.ports[e.port]?.name ?? '',
    }));
}

/** `bridge fdb show` rows: per port, as iproute2 lists them. */
export function fdbRows(bridges: Bridge[], now: number): FdbRow[] {
  const rows: FdbRow[] = [];
  for (const bridge of bridges) {
    const entries = bridge.fdb.entries(now);
    for (const p of bridge.allPorts()) {
      for (const e of entries) {
        if (e.port !== p.no) continue;
        rows.push({
          mac: formatMac(e.mac),
          ifname: p.name,
          ...(bridge.vlanFiltering ? { vlan: e.vid } : {}),
          flags: [],
          master: bridge.name,
          state: e.kind === 'local' ? 'permanent' : e.kind === 'static' ? 'static' : '',
          usedSec: Math.floor((now - e.used) / 1000),
          updatedSec: Math.floor((now - e.updated) / 1000),
        });
      }
      // a VXLAN port's own table follows, as the kernel dumps a vxlan device's self entries
      const tunnel = (p.io as Partial<TunnelPort>).tunnel;
      for (const t of tunnel?.fdbRows() ?? []) {
        rows.push({
          mac: t.mac, ifname: p.name, dst: t.dst, ...(t.via !== undefined ? { viaIf: t.via } : {}), flags: ['self'],
          state: t.permanent ? 'permanent' : '', usedSec: Math.floor(t.usedSec), updatedSec: Math.floor(t.updatedSec),
        });
      }
    }
  }
  return rows;
}

/** `bridge link show` rows: the real ports (not the host port). */
/** `vlan show` rows: per bridge its host port, then its ports, as the kernel dumps them; devices without a VLAN list are left out. */
export function vlanRows(bridges: Bridge[], dev?: string): VlanRow[] {
  const rows: VlanRow[] = [];
  for (const bridge of bridges) {
    for (const p of bridge.allPorts()) {
      if (dev !== undefined && p.name !== dev) continue;
      const list = portVlans(p);
      if (list === null || list.length === 0) continue;
      rows.push({
        ifname: p.name,
        self: p.isHost,
        vlans: list.map((v) => ({ vlan: v.vid, flags: [...(v.pvid ? ['PVID' as const] : []), ...(v.untagged ? ['Egress Untagged' as const] : [])] })),
      });
    }
  }
  return rows;
}

export function linkRows(bridges: Bridge[]): LinkRow[] {
  const rows: LinkRow[] = [];
  for (const bridge of bridges) {
    const stp = bridge.stp.snapshot();
    for (const p of bridge.allPorts()) {
      if (p.isHost) continue;
      const sp = stp.ports.find((x) => x.portNo === p.no);
      rows.push({
        ifindex: p.no,
        ifname: p.name,
        // a port whose device went away shows as iproute2 shows a link without carrier
        flags: p.up ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] : ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
        mtu: p.io.mtu,
        master: bridge.name,
        state: PORT_STATE_NAMES[p.state] ?? 'disabled',
        priority: sp?.priority ?? DEFAULT_PORT_PRIORITY,
        cost: sp?.pathCost ?? 2,
        hairpin: p.hairpin,
        learning: p.learning,
        flood: p.floodUnicast,
        mcastFlood: p.floodMulticast,
        bcastFlood: p.floodBroadcast,
        ...(p.impairIn !== null || p.impairOut !== null ? { impair: impairView(p) } : {}),
        ...(p.storm !== null ? { storm: bridge.stormRates(p) } : {}),
      });
    }
  }
  return rows;
}

/** `showstp` data: brctl's fields (StpInfo) plus role and enabled for --json readers. */
export function stpView(b: Bridge, now: number): StpInfo & { enabled: boolean; isRoot: boolean; ports: (StpPortInfo & { role: string })[] } {
  const s = b.stp.snapshot();
  const next = b.fdb.nextExpiry(now);
  return {
    name: b.name,
    enabled: s.enabled,
    isRoot: s.isRoot,
    bridgeId: s.bridgeId,
    designatedRoot: s.designatedRoot,
    rootPort: s.rootPort,
    rootPathCost: s.rootPathCost,
    maxAge: s.maxAge, helloTime: s.helloTime, forwardDelay: s.forwardDelay,
    bridgeMaxAge: s.bridgeMaxAge, bridgeHelloTime: s.bridgeHelloTime, bridgeForwardDelay: s.bridgeForwardDelay,
    ageingTime: b.fdb.effectiveAgeingMs / 1000,
    helloTimer: s.helloTimer, tcnTimer: s.tcnTimer, topologyChangeTimer: s.topologyChangeTimer,
    gcTimer: Number.isFinite(next) ? next / 1000 : 0,
    flags: { topologyChange: s.topologyChange, topologyChangeDetected: s.topologyChangeDetected },
    protocol: s.protocol,
    ports: s.ports.map((p) => ({
      name: b.ports[p.portNo]?.name ?? `port${p.portNo}`,
      portNo: p.portNo,
      portId: p.portIdHex,
      state: p.stateName as StpPortInfo['state'],
      role: p.role,
      designatedRoot: p.designatedRoot,
      pathCost: p.pathCost,
      designatedBridge: p.designatedBridge,
      messageAgeTimer: p.messageAgeTimer,
      designatedPort: p.designatedPortHex,
      forwardDelayTimer: p.forwardDelayTimer,
      designatedCost: p.designatedCost,
      holdTimer: p.holdTimer,
      flags: { configPending: p.configPending, changeAck: p.topologyChangeAck },
      protocol: p.protocol,
      edge: p.edge,
      operEdge: p.operEdge,
    })),
  };
}
