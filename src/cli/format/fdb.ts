// iproute2 (6.1) `bridge fdb show`, `bridge -s fdb show`, `bridge -j [-p] [-s] fdb show`.
//
// Field order (bridge/fdb.c print_fdb), text and JSON alike:
//   mac, dev (ifname), dst, vlan, port, vni, src_vni, via (viaIf), used/updated (-s),
//   flags, master, state
// Text: every field is printed as 'word value ' (note the trailing space) and the state
// word ends the line, so a dynamic entry (state '') ends in 'master br0 \n'.
// JSON: "flags" is always present (maybe []), "state" always present (maybe "").

import { normalizeMac } from './common.js';
import { jsonwArray, type JsonwObject } from './jsonw.js';
import type { FdbRow } from '../../control/wire-types.js';
import type { FdbFormatOptions, JsonFormatOptions } from './types.js';

/** iproute2's order of the flag words (fdb_print_flags). */
const FLAG_ORDER = ['self', 'router', 'extern_learn', 'offload', 'master', 'sticky', 'blackhole', 'locked'];

function orderedFlags(flags: readonly string[] | undefined): string[] {
  const given = flags ?? [];
  const known = FLAG_ORDER.filter((f) => given.includes(f));
  const unknown = given.filter((f, i) => !FLAG_ORDER.includes(f) && given.indexOf(f) === i);
  return [...known, ...unknown];
}

function hasStats(row: FdbRow): boolean {
  return row.usedSec !== undefined || row.updatedSec !== undefined;
}

/** Whole seconds, truncated, as iproute2's `ndm_used / hz` integer division. */
function wholeSec(sec: number | undefined): number {
  return sec !== undefined && Number.isFinite(sec) && sec > 0 ? Math.floor(sec) : 0;
}

function formatFdbLine(row: FdbRow, opts: FdbFormatOptions): string {
  let s = `${normalizeMac(row.mac)} `;
  if (!opts.omitIfname) s += `dev ${row.ifname} `;
  if (row.dst !== undefined) s += `dst ${row.dst} `;
  if (row.vlan) s += `vlan ${row.vlan} `;
  if (row.port !== undefined) s += `port ${row.port} `;
  if (row.vni !== undefined) s += `vni ${row.vni} `;
  if (row.srcVni !== undefined) s += `src_vni ${row.srcVni} `;
  if (row.viaIf !== undefined) s += `via ${row.viaIf} `;
  if (opts.stats && hasStats(row)) s += `used ${wholeSec(row.usedSec)}/${wholeSec(row.updatedSec)} `;
  for (const f of orderedFlags(row.flags)) s += `${f} `;
  if (row.master !== undefined) s += `master ${row.master} `;
  return `${s}${row.state ?? ''}\n`;
}

/** `bridge [-s] fdb show`: one line per row, in the given order (iproute2 prints the
 *  kernel's dump order: the bridge's own entries, then each port's). No rows: ''. */
export function formatFdbShow(rows: readonly FdbRow[], opts: FdbFormatOptions = {}): string {
  return rows.map((r) => formatFdbLine(r, opts)).join('');
}

function fdbJsonObject(row: FdbRow, opts: FdbFormatOptions): JsonwObject {
  const stats = opts.stats && hasStats(row);
  return {
    mac: normalizeMac(row.mac),
    ifname: opts.omitIfname ? undefined : row.ifname,
    dst: row.dst,
    vlan: row.vlan ? row.vlan : undefined,
    port: row.port,
    vni: row.vni,
    src_vni: row.srcVni,
    viaIf: row.viaIf,
    used: stats ? wholeSec(row.usedSec) : undefined,
    updated: stats ? wholeSec(row.updatedSec) : undefined,
    flags: orderedFlags(row.flags),
    master: row.master,
    state: row.state ?? '',
  };
}

/**
 * `bridge -j [-p] [-s] fdb show`: iproute2's JSON, byte for byte, newline-terminated.
 * Keys: mac, ifname, dst?, vlan?, port?, vni?, src_vni?, viaIf?, used?, updated?, flags,
 * master?, state. No rows: '[]\n' ('[ ]\n' pretty).
 */
export function formatFdbJson(rows: readonly FdbRow[], opts: FdbFormatOptions & JsonFormatOptions = {}): string {
  return jsonwArray(rows.map((r) => fdbJsonObject(r, opts)), !!opts.pretty);
}
