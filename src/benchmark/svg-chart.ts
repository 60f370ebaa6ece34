// The result as a self-contained SVG: one group per test, one horizontal bar per switch (the
// median of the primary metric, with a whisker from min to max over the rounds). Written by hand:
// plain elements, no scripts, no fonts beyond the generic family.
import { TESTS } from './catalog.js';
import { findCell, type BenchResult } from './result.js';
import { formatValue } from './table.js';

const LABEL_W = 300;
const BAR_W = 420;
const VALUE_W = 120;
const BAR_H = 16;
const GAP = 6;
const TITLE_H = 26;
const PAD = 12;
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const n = (x: number) => (Math.round(x * 10) / 10).toString();

export function renderSvg(r: BenchResult): string {
  const switches = r.switches.filter((s) => !s.skipped);
  const width = PAD * 2 + LABEL_W + BAR_W + VALUE_W;
  const body: string[] = [];
  let y = PAD;
  body.push(`<text x="${PAD}" y="${y + 14}" font-size="15" font-weight="bold">${escapeXml(`softbr bench: ${r.machine.cpuModel}, ${r.machine.cores} cores, Linux ${r.machine.kernel}`)}</text>`);
  y += TITLE_H;
  for (const t of r.options.tests) {
    const info = TESTS[t];
    const rows = switches.map((s, i) => ({ s, i, sum: findCell(r, s.id, t)?.metrics[info.primary] }));
    const max = Math.max(0, ...rows.map((x) => x.sum?.max ?? 0));
    body.push(`<text x="${PAD}" y="${y + 16}" font-size="13" font-weight="bold">${escapeXml(`${info.label}${info.lowerIsBetter ? ' (lower is better)' : ''}`)}</text>`);
    y += TITLE_H;
    for (const { s, i, sum } of rows) {
      const x0 = PAD + LABEL_W;
      body.push(`<text x="${x0 - 8}" y="${y + BAR_H - 4}" font-size="12" text-anchor="end">${escapeXml(s.label)}</text>`);
      if (sum && max > 0) {
        const w = (v: number) => (v / max) * BAR_W;
        body.push(`<rect x="${x0}" y="${y}" width="${n(w(sum.median))}" height="${BAR_H}" fill="${COLORS[i % COLORS.length]}"/>`);
        if (sum.max > sum.min) {
          const mid = y + BAR_H / 2;
          body.push(`<line x1="${n(x0 + w(sum.min))}" y1="${mid}" x2="${n(x0 + w(sum.max))}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`);
        }
        body.push(`<text x="${n(x0 + w(sum.median) + 6)}" y="${y + BAR_H - 4}" font-size="12">${escapeXml(formatValue(sum.median, info.unit))}</text>`);
      } else {
        body.push(`<text x="${x0 + 6}" y="${y + BAR_H - 4}" font-size="12" fill="#888">not measured</text>`);
      }
      y += BAR_H + GAP;
    }
    y += GAP * 2;
  }
  const height = y + PAD;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
