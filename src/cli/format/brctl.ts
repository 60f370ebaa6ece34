// brctl (bridge-utils 1.7) table formats: `brctl show`, `brctl showmacs`, `brctl showstp`,
// byte for byte, TABs included — plus softbr's own `--json` forms of the same data.
//
// Layouts follow brctl/brctl_cmd.c and brctl/brctl_disp.c and were checked against real
// captures from a kernel bridge (see test/unit/format.test.ts).

import {
  brctlTimerValue,
  compareCNames,
  formatBrctlTimer,
  macSortKey,
  normalizeBridgeId,
  normalizeMac,
  normalizePortId,
  padInt,
  sortByCName,
} from './common.js';
import type { BridgeInfo, MacRow, StpInfo, StpPortInfo } from '../../control/wire-types.js';
import type { JsonFormatOptions } from './types.js';

export interface BrctlShowOptions {
  /** Print the bridges in the order given. Default false: sorted by name (C locale,
   *  byte-wise) like a bare `brctl show`, which scans /sys/class/net with alphasort.
   *  `brctl show br1 br0` prints in argument order: pass keepOrder: true for that. */
  keepOrder?: boolean;
}

const SHOW_HEADER = 'bridge name\tbridge id\t\tSTP enabled\tinterfaces\n';
const SHOW_CONT = '\t\t\t\t\t\t\t';

function orderBridges(bridges: readonly BridgeInfo[], opts: BrctlShowOptions): BridgeInfo[] {
  return opts.keepOrder ? [...bridges] : sortByCName(bridges, (b) => b.name);
}

/**
 * `brctl show`: a header, then per bridge `name\t\tID\tyes|no\t\t` followed by the
 * interfaces, one per line, the next ones indented by 7 TABs. A bridge without
 * interfaces keeps its trailing TABs: 'br0\t\t8000.000000000000\tno\t\t\n'.
 * No bridges: only the header.
 */
export function formatBrctlShow(bridges: readonly BridgeInfo[], opts: BrctlShowOptions = {}): string {
  let out = SHOW_HEADER;
  for (const br of orderBridges(bridges, opts)) {
    out += `${br.name}\t\t${normalizeBridgeId(br.bridgeId)}\t${br.stpEnabled ? 'yes' : 'no'}\t\t`;
    out += [...(br.interfaces ?? [])].sort(compareCNames).join(`\n${SHOW_CONT}`);
    out += '\n';
  }
  return out;
}

/** Same order and normalisation as formatBrctlShow; JSON.stringify of BridgeInfo[]
 *  (keys: name, bridgeId, stpEnabled, interfaces), newline-terminated. */
export function formatBrctlShowJson(
  bridges: readonly BridgeInfo[],
  opts: BrctlShowOptions & JsonFormatOptions = {},
): string {
  const data: BridgeInfo[] = orderBridges(bridges, opts).map((br) => ({
    name: br.name,
    bridgeId: normalizeBridgeId(br.bridgeId),
    stpEnabled: !!br.stpEnabled,
    interfaces: [...(br.interfaces ?? [])].sort(compareCNames),
  }));
  return stringify(data, opts);
}

function sortMacRows(rows: readonly MacRow[]): MacRow[] {
  return rows
    .map((row, i) => ({ row, i, k: macSortKey(row.mac) }))
    .sort((a, b) => (a.k === b.k ? a.i - b.i : a.k < b.k ? -1 : 1))
    .map((x) => x.row);
}

/**
 * `brctl showmacs BR`: header, then rows sorted by MAC (brctl qsorts by the 6 address
 * bytes; equal MACs — the same address in several VLANs — keep their given order):
 * `%3i\tMAC\tyes|no\t\t%4i.%.2i`.
 */
export function formatShowmacs(rows: readonly MacRow[]): string {
  let out = 'port no\tmac addr\t\tis local?\tageing timer\n';
  for (const r of sortMacRows(rows)) {
    out += `${padInt(r.portNo, 3)}\t${normalizeMac(r.mac)}\t${r.isLocal ? 'yes' : 'no'}\t\t${formatBrctlTimer(r.ageingTimerSec)}\n`;
  }
  return out;
}

/** Rows sorted as formatShowmacs prints them; keys portNo, mac (normalised), isLocal,
 *  ageingTimerSec (truncated to 1/100 s, the value the text shows). */
export function formatShowmacsJson(rows: readonly MacRow[], opts: JsonFormatOptions = {}): string {
  const data: MacRow[] = sortMacRows(rows).map((r) => ({
    portNo: r.portNo,
    mac: normalizeMac(r.mac),
    isLocal: !!r.isLocal,
    ageingTimerSec: brctlTimerValue(r.ageingTimerSec),
  }));
  return stringify(data, opts);
}

function stpFlags(flags: readonly [boolean, string][]): string {
  return flags.filter(([on]) => on).map(([, word]) => `${word} `).join('');
}

/**
 * `brctl showstp BR`: the bridge block, two empty lines, then one block per port sorted by
 * name (brctl reads brif/ with alphasort), each ending with an empty line. Flags are
 * printed as 'WORD ' each, so a line with flags ends in a space. A port in hairpin mode
 * gets one more line after its flags, ' hairpin mode\t\t   1' (bridge-utils 1.7).
 */
export function formatShowstp(info: StpInfo): string {
  const t = formatBrctlTimer;
  let out = `${info.name}\n`;
  out += ` bridge id\t\t${normalizeBridgeId(info.bridgeId)}\n`;
  out += ` designated root\t${normalizeBridgeId(info.designatedRoot)}\n`;
  out += ` root port\t\t${padInt(info.rootPort, 4)}\t\t\tpath cost\t\t${padInt(info.rootPathCost, 4)}\n`;
  out += ` max age\t\t${t(info.maxAge)}\t\t\tbridge max age\t\t${t(info.bridgeMaxAge)}\n`;
  out += ` hello time\t\t${t(info.helloTime)}\t\t\tbridge hello time\t${t(info.bridgeHelloTime)}\n`;
  out += ` forward delay\t\t${t(info.forwardDelay)}\t\t\tbridge forward delay\t${t(info.bridgeForwardDelay)}\n`;
  out += ` ageing time\t\t${t(info.ageingTime)}\n`;
  out += ` hello timer\t\t${t(info.helloTimer)}\t\t\ttcn timer\t\t${t(info.tcnTimer)}\n`;
  out += ` topology change timer\t${t(info.topologyChangeTimer)}\t\t\tgc timer\t\t${t(info.gcTimer)}\n`;
  out += ` flags\t\t\t${stpFlags([
    [!!info.flags?.topologyChange, 'TOPOLOGY_CHANGE'],
    [!!info.flags?.topologyChangeDetected, 'TOPOLOGY_CHANGE_DETECTED'],
  ])}\n`;
  const rstp = info.protocol === 'rstp';
  // brctl has no RSTP lines: softbr adds them in brctl's layout, only in RSTP mode
  if (rstp) out += ` protocol\t\trstp\n`;
  out += '\n\n';
  for (const p of sortByCName(info.ports ?? [], (x) => x.name)) out += formatStpPort(p, rstp);
  return out;
}

function formatStpPort(p: StpPortInfo, rstp: boolean): string {
  const t = formatBrctlTimer;
  let out = `${p.name} (${Math.trunc(p.portNo)})\n`;
  out += ` port id\t\t${normalizePortId(p.portId)}\t\t\tstate\t\t${String(p.state).padStart(15, ' ')}\n`;
  out += ` designated root\t${normalizeBridgeId(p.designatedRoot)}\tpath cost\t\t${padInt(p.pathCost, 4)}\n`;
  out += ` designated bridge\t${normalizeBridgeId(p.designatedBridge)}\tmessage age timer\t${t(p.messageAgeTimer)}\n`;
  out += ` designated port\t${normalizePortId(p.designatedPort)}\t\t\tforward delay timer\t${t(p.forwardDelayTimer)}\n`;
  out += ` designated cost\t${padInt(p.designatedCost, 4)}\t\t\thold timer\t\t${t(p.holdTimer)}\n`;
  out += ` flags\t\t\t${stpFlags([
    [!!p.flags?.configPending, 'CONFIG_PENDING'],
    [!!p.flags?.changeAck, 'TOPOLOGY_CHANGE_ACK'],
  ])}\n`;
  if (p.hairpinMode) out += ` hairpin mode\t\t${padInt(1, 4)}\n`;
  if (rstp) {
    out += ` role\t\t\t${(p.role ?? '').padEnd(10, ' ')}\t\tprotocol\t\t${p.protocol ?? 'rstp'}\n`;
    out += ` edge port\t\t${p.edge ? 'yes' : 'no'}\t\t\toper edge\t\t${p.operEdge ? 'yes' : 'no'}\n`;
  }
  out += '\n';
  return out;
}

/** StpInfo with ids normalised, timers truncated to 1/100 s (as shown) and ports sorted
 *  by name; keys in the order of the StpInfo / StpPortInfo declarations. */
export function formatShowstpJson(info: StpInfo, opts: JsonFormatOptions = {}): string {
  const tv = brctlTimerValue;
  const data: StpInfo = {
    name: info.name,
    bridgeId: normalizeBridgeId(info.bridgeId),
    designatedRoot: normalizeBridgeId(info.designatedRoot),
    rootPort: info.rootPort,
    rootPathCost: info.rootPathCost,
    maxAge: tv(info.maxAge),
    helloTime: tv(info.helloTime),
    forwardDelay: tv(info.forwardDelay),
    bridgeMaxAge: tv(info.bridgeMaxAge),
    bridgeHelloTime: tv(info.bridgeHelloTime),
    bridgeForwardDelay: tv(info.bridgeForwardDelay),
    ageingTime: tv(info.ageingTime),
    helloTimer: tv(info.helloTimer),
    tcnTimer: tv(info.tcnTimer),
    topologyChangeTimer: tv(info.topologyChangeTimer),
    gcTimer: tv(info.gcTimer),
    flags: {
      topologyChange: !!info.flags?.topologyChange,
      topologyChangeDetected: !!info.flags?.topologyChangeDetected,
    },
    ...(info.protocol === 'rstp' ? { protocol: 'rstp' as const } : {}),
    ports: sortByCName(info.ports ?? [], (x) => x.name).map((p) => ({
      name: p.name,
      portNo: p.portNo,
      portId: normalizePortId(p.portId),
      state: p.state,
      designatedRoot: normalizeBridgeId(p.designatedRoot),
      pathCost: p.pathCost,
      designatedBridge: normalizeBridgeId(p.designatedBridge),
      messageAgeTimer: tv(p.messageAgeTimer),
      designatedPort: normalizePortId(p.designatedPort),
      forwardDelayTimer: tv(p.forwardDelayTimer),
      designatedCost: p.designatedCost,
      holdTimer: tv(p.holdTimer),
      flags: { configPending: !!p.flags?.configPending, changeAck: !!p.flags?.changeAck },
      hairpinMode: !!p.hairpinMode,
      ...(info.protocol === 'rstp' ? { role: p.role, protocol: p.protocol, edge: !!p.edge, operEdge: !!p.operEdge } : {}),
    })),
  };
  return stringify(data, opts);
}

function stringify(data: unknown, opts: JsonFormatOptions): string {
  return `${JSON.stringify(data, null, opts.pretty ? 2 : undefined)}\n`;
}
