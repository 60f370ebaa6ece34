// iproute2 (6.1) `bridge [-s] [-d] mdb show` and `bridge -j [-p] mdb show` (bridge/mdb.c
// print_mdb_entry, print_router_entries): per membership "dev BR port P grp G temp|permanent",
// with -d " proto kernel " for ports (not for the bridge's own joins), " vid N" when it has one,
// with -s " %4i.%.2i" seconds left; with -d the router ports line "router ports on BR: P "
// (with -s each followed by its timer and "temp"/"permanent"). JSON: one object per bridge
// device, {"mdb":[{"index","dev","port","grp","state","flags":[]}…],"router":{}}. Checked
// against captures from a kernel bridge in test/fixtures/reference/.
import type { MdbView } from '../../control/wire-types.js';
import { jsonwArray, type JsonwObject } from './jsonw.js';
import { formatBrctlTimer } from './common.js';
import type { JsonFormatOptions } from './types.js';

export interface MdbFormatOptions { stats?: boolean; details?: boolean }

export function formatMdbShow(v: MdbView, o: MdbFormatOptions = {}): string {
  let s = '';
  for (const e of v.entries) {
    s += `dev ${e.dev} port ${e.port} grp ${e.grp} ${e.state}`;
    if (o.details && !e.host) s += ' proto kernel ';
    if (e.vid !== 0) s += ` vid ${e.vid}`;
    if (o.stats) s += ` ${formatBrctlTimer(e.timer)}`;
    s += '\n';
  }
  if (o.details) {
    const devs = [...new Set(v.routers.map((r) => r.dev))];
    for (const dev of devs) {
      s += `router ports on ${dev}: `;
      for (const r of v.routers.filter((x) => x.dev === dev)) {
        s += `${r.port} `;
        if (o.stats) s += `${formatBrctlTimer(r.timer)} ${r.permanent ? 'permanent' : 'temp'}`;
      }
      s += '\n';
    }
  }
  return s;
}

/** `bridge -j mdb show`: one object per bridge that has memberships. */
export function formatMdbJson(v: MdbView, opts: JsonFormatOptions = {}): string {
  const devs = v.bridges.filter((b) => v.entries.some((e) => e.dev === b.dev));
  return jsonwArray(devs.map(({ dev, index }): JsonwObject => ({
    mdb: v.entries.filter((e) => e.dev === dev).map((e): JsonwObject => ({
      index, dev: e.dev, port: e.port, grp: e.grp, state: e.state, flags: [], vid: e.vid !== 0 ? e.vid : undefined,
    })),
    router: {},
  })), !!opts.pretty);
}
