// iproute2 (6.1) `bridge [-d] link show` and `bridge -j [-p] [-d] link show`
// (bridge/link.c print_linkinfo / print_protinfo).
//
// Text, one line per port, every field followed by a space:
//   IFINDEX: IFNAME[@PARENT]: <FLAGS> mtu N master BR state S priority P cost C \n
// With -d a second line, 4 spaces then 'name on|off ' pairs, also ending in a space:
//   hairpin guard root_block fastleave learning flood mcast_flood bcast_flood
//   mcast_router (a number) mcast_to_unicast neigh_suppress vlan_tunnel isolated locked
// softbr adds, with -d and only for a port that has them, its impairment lines (format/impair.ts)
// and an `impair` key in JSON: an unimpaired port prints exactly as iproute2.

import { jsonwArray, type JsonwObject } from './jsonw.js';
import type { LinkRow } from '../../control/wire-types.js';
import type { JsonFormatOptions } from './types.js';
import { formatImpairLines } from './impair.js';

export interface LinkFormatOptions {
  /** `-d`: add the per-port options (second text line / extra JSON keys). */
  details?: boolean;
}

interface Detail {
  key: string;
  value: boolean | number;
}

function details(row: LinkRow): Detail[] {
  return [
    { key: 'hairpin', value: !!row.hairpin },
    { key: 'guard', value: !!row.guard },
    { key: 'root_block', value: !!row.rootBlock },
    { key: 'fastleave', value: !!row.fastleave },
    { key: 'learning', value: !!row.learning },
    { key: 'flood', value: !!row.flood },
    { key: 'mcast_flood', value: !!row.mcastFlood },
    { key: 'bcast_flood', value: !!row.bcastFlood },
    { key: 'mcast_router', value: row.mcastRouter ?? 1 },
    { key: 'mcast_to_unicast', value: !!row.mcastToUnicast },
    { key: 'neigh_suppress', value: !!row.neighSuppress },
    { key: 'vlan_tunnel', value: !!row.vlanTunnel },
    { key: 'isolated', value: !!row.isolated },
    { key: 'locked', value: !!row.locked },
  ];
}

/** The storm-control limits of a port, as [class, pps], in FLOOD_KIND_NAMES order. */
function stormEntries(row: LinkRow): [string, number][] {
  return Object.entries(row.storm ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0);
}

function int(n: number): number {
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

function formatLinkLine(row: LinkRow, opts: LinkFormatOptions): string {
  const name = row.parent !== undefined && row.parent !== '' ? `${row.ifname}@${row.parent}` : row.ifname;
  let s = `${int(row.ifindex)}: ${name}: <${(row.flags ?? []).join(',')}> mtu ${int(row.mtu)} `;
  s += `master ${row.master} state ${row.state} priority ${int(row.priority)} cost ${int(row.cost)} `;
  if (opts.details) {
    s += '\n    ';
    for (const d of details(row)) {
      s += typeof d.value === 'boolean' ? `${d.key} ${d.value ? 'on' : 'off'} ` : `${d.key} ${int(d.value)} `;
    }
    // softbr's own: only on a port with storm control, so every other line stays iproute2's
    for (const [kind, pps] of stormEntries(row)) s += `storm ${kind} ${int(pps)}pps `;
    return `${s}\n${formatImpairLines(row.impair)}`;
  }
  return `${s}\n`;
}

/** `bridge [-d] link show`: the rows in the given order (iproute2: kernel dump order,
 *  i.e. by ifindex). No rows: ''. */
export function formatLinkShow(rows: readonly LinkRow[], opts: LinkFormatOptions = {}): string {
  return rows.map((r) => formatLinkLine(r, opts)).join('');
}

/**
 * `bridge -j [-p] [-d] link show`, byte for byte. Keys: ifindex, link?, ifname, flags,
 * mtu, master, state, priority, cost, and with details: hairpin, guard, root_block,
 * fastleave, learning, flood, mcast_flood, bcast_flood, mcast_router, mcast_to_unicast,
 * neigh_suppress, vlan_tunnel, isolated, locked (booleans; mcast_router a number).
 */
export function formatLinkJson(rows: readonly LinkRow[], opts: LinkFormatOptions & JsonFormatOptions = {}): string {
  const items = rows.map((row) => {
    const o: JsonwObject = {
      ifindex: int(row.ifindex),
      link: row.parent !== undefined && row.parent !== '' ? row.parent : undefined,
      ifname: row.ifname,
      flags: [...(row.flags ?? [])],
      mtu: int(row.mtu),
      master: row.master,
      state: row.state,
      priority: int(row.priority),
      cost: int(row.cost),
    };
    if (opts.details) {
      for (const d of details(row)) o[d.key] = d.value;
      if (row.impair !== undefined) o['impair'] = JSON.parse(JSON.stringify(row.impair)) as JsonwObject;
      const storm = stormEntries(row);
      if (storm.length > 0) o['storm'] = Object.fromEntries(storm);
    }
    return o;
  });
  return jsonwArray(items, !!opts.pretty);
}
