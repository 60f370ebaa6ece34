// The side-by-side report as Markdown (it is what the README's performance table is pasted from):
// one row per switch, medians with the min–max of the rounds, then the switch's CPU, the ratios
// to the C forwarder and to vde_switch, and notes on anything skipped, failed or noisy.
import { REFERENCES, SWITCHES, TESTS, type TestId } from './catalog.js';
import { machineLine } from './machine.js';
import { findCell, SKIPPED, type BenchResult, type Cell } from './result.js';
import type { Summary } from './stats.js';

/** 1234567 → "1.23M", 302123 → "302k", 2.334 → "2.33" (by unit). */
export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '–';
  if (unit === 'frames/s') {
    if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
    if (v >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
    if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
    return v.toFixed(0);
  }
  if (unit === 'ms') return v.toFixed(3);
  if (unit === '%') return v.toFixed(0);
  return v.toFixed(2);
}

function range(s: Summary, unit: string): string {
  const m = formatValue(s.median, unit);
  if (s.samples.length < 2) return m;
  return `${m} (${formatValue(s.min, unit)}–${formatValue(s.max, unit)})`;
}

const NOISY_MARK = '*';
/** load average per core above which the report warns that the machine was busy at the start */
const BUSY_LOAD = 0.25;

function mainCell(c: Cell | undefined, t: TestId): string {
  if (!c || c.rounds === 0) return c?.notes.some((n) => n.startsWith(SKIPPED)) ? 'skipped' : c?.notes.length ? 'failed' : '';
  const info = TESTS[t];
  const p = c.metrics[info.primary];
  if (!p) return '';
  let s = range(p, info.unit);
  if (t === 'ping' && c.metrics.p99) s += ` p99 ${formatValue(c.metrics.p99.median, 'ms')}`;
  return s + (c.noisy ? NOISY_MARK : '');
}

function cpuCell(c: Cell | undefined): string {
  if (!c?.cpu) return '';
  const sw = c.cpu.switch ? formatValue(c.cpu.switch.median, '%') : 'n/a';
  return `${sw} (softirq ${formatValue(c.cpu.softirq.median, '%')})`;
}

function ratioCell(c: Cell | undefined, ref: (typeof REFERENCES)[number]): string {
  const r = c?.ratios[ref];
  return r === undefined ? '' : `${r.toFixed(2)}×`;
}

function mdTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

export function formatReport(r: BenchResult): string {
  const tests = r.options.tests;
  const measured = r.switches.filter((s) => !s.skipped);
  const parts: string[] = [];
  parts.push(`softbr bench ${r.version}: ${machineLine(r.machine)}`);
  parts.push(`${r.options.rounds} interleaved round(s), ${r.options.seconds} s per measurement; medians (min–max)${r.noisy ? `; ${NOISY_MARK} = noisy: other processes took CPU` : ''}`);
  const small = r.cells.filter((c) => c.test === 'small' && c.metrics.offered);
  if (small.length) parts.push(`offered 60 B frames/s: ${small.map((c) => `${c.switch} ${formatValue(c.metrics.offered!.median, 'frames/s')}`).join(', ')}`);
  parts.push('');
  parts.push(mdTable(['switch (2 ports)', ...tests.map((t) => TESTS[t].label)],
    measured.map((s) => [s.label, ...tests.map((t) => mainCell(findCell(r, s.id, t), t))])));
  parts.push('Switch CPU, % of one core (softirq of all cores), medians:\n');
  parts.push(mdTable(['switch', ...tests.map((t) => t)], measured.map((s) => [s.label, ...tests.map((t) => cpuCell(findCell(r, s.id, t)))])));
  const refs = REFERENCES.filter((ref) => r.cells.some((c) => c.switch === ref && c.rounds > 0));
  if (refs.length) {
    parts.push('Ratios of medians (for ping, lower is better):\n');
    const head = ['switch'];
    for (const t of tests) for (const ref of refs) head.push(`${t} vs ${ref}`);
    parts.push(mdTable(head, measured.map((s) => {
      const row = [s.label];
      for (const t of tests) for (const ref of refs) row.push(ratioCell(findCell(r, s.id, t), ref));
      return row;
    })));
  }
  const notes: string[] = [];
  const load = r.machine.loadBefore[0];
  if (load > BUSY_LOAD * r.machine.cores) notes.push(`the load average was ${load.toFixed(2)} when the run started: the machine was not idle`);
  for (const s of r.switches) if (s.skipped) notes.push(`${SWITCHES[s.id].label}: skipped, ${s.skipped}`);
  for (const c of r.cells) for (const n of c.notes) notes.push(`${c.switch} ${c.test}: ${n}`);
  for (const c of r.cells) {
    const drops = c.metrics.tapDrops;
    if (drops && drops.median > 0) notes.push(`${c.switch} ${c.test}: sender's queue dropped ${formatValue(drops.median, 'frames/s')} frames/s (not counted as delivered)`);
  }
  if (notes.length) parts.push(['Notes:', ...notes.map((n) => `- ${n}`)].join('\n') + '\n');
  return parts.join('\n');
}
