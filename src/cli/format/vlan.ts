// iproute2 (6.1) `bridge vlan show` and `bridge -j [-p] vlan show` (bridge/vlan.c print_vlan_info):
// a header "%-16s  %-9s" of "port" and "vlan-id"; per device its name "%-16s  " on the first
// line and 18 spaces on the others, one VLAN per line followed by " PVID" and " Egress Untagged"
// as they apply. JSON: [{"ifname":…,"vlans":[{"vlan":N,"flags":[…]}]}], "flags" only when a flag
// is set (the bridge's own entries always have one, BRENTRY, so theirs may be []).
import { jsonwArray, type JsonwObject } from './jsonw.js';
import type { VlanRow } from '../../control/wire-types.js';
import type { JsonFormatOptions } from './types.js';

const IFNAMSIZ = 16;

export function formatVlanShow(rows: readonly VlanRow[]): string {
  let s = `${'port'.padEnd(IFNAMSIZ)}  ${'vlan-id'.padEnd(9)}\n`;
  for (const r of rows) {
    r.vlans.forEach((v, i) => {
      s += i === 0 ? `${r.ifname.padEnd(IFNAMSIZ)}  ` : ' '.repeat(IFNAMSIZ + 2);
      s += String(v.vlan);
      for (const f of v.flags) s += ` ${f}`;
      s += '\n';
    });
  }
  return s;
}

export function formatVlanJson(rows: readonly VlanRow[], opts: JsonFormatOptions = {}): string {
  return jsonwArray(rows.map((r): JsonwObject => ({
    ifname: r.ifname,
    vlans: r.vlans.map((v): JsonwObject => ({ vlan: v.vlan, flags: v.flags.length > 0 || r.self ? [...v.flags] : undefined })),
  })), !!opts.pretty);
}
