// `softbr storm show`: one line per port with its storm-control limit per flood class and the
// frames each limit dropped, in aligned columns; and its JSON form.
import type { StormRow } from '../../control/wire-types.js';
import type { JsonFormatOptions } from './types.js';

const HEAD = ['bridge', 'port', 'unknown-unicast', 'broadcast', 'multicast', 'dropped'];

/** A limit as `1000pps (5 dropped)`, or `off`. */
function cell(c: StormRow['classes'][number]): string {
  return c.pps === 0 ? 'off' : `${c.pps}pps${c.dropped > 0 ? ` (${c.dropped} dropped)` : ''}`;
}

export function formatStormShow(rows: readonly StormRow[]): string {
  if (rows.length === 0) return '';
  const lines = [HEAD, ...rows.map((r) => {
    const by = (k: string) => r.classes.find((c) => c.kind === k)!;
    return [r.bridge, r.port, cell(by('unknown-unicast')), cell(by('broadcast')), cell(by('multicast')), String(r.dropped)];
  })];
  const w = HEAD.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(w[i]! + 2))).join('')).join('\n') + '\n';
}

export function formatStormJson(rows: readonly StormRow[], opts: JsonFormatOptions = {}): string {
  return `${JSON.stringify(rows, null, opts.pretty ? 2 : undefined)}\n`;
}
