// `softbr mirror show`: one line per port-mirroring session under a header, columns padded to
// their widest cell; --json prints the rows as the daemon sends them.
import type { MirrorRow } from '../../control/wire-types.js';
import type { JsonFormatOptions } from './types.js';

const HEADER = ['bridge', 'mirror', 'direction', 'from', 'to', 'copies', 'dropped'] as const;

export function formatMirrorShow(rows: readonly MirrorRow[]): string {
  const cells = rows.map((r) => [r.bridge, r.name, r.direction, r.from.join(','), r.to, String(r.copies), String(r.dropped)]);
  const all = [[...HEADER], ...cells];
  const width = HEADER.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  return all.map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(width[i]!))).join('  ')).join('\n') + '\n';
}

export function formatMirrorJson(rows: readonly MirrorRow[], opts: JsonFormatOptions = {}): string {
  return `${JSON.stringify(rows, null, opts.pretty ? 2 : undefined)}\n`;
}
