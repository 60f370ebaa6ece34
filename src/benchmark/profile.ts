// `softbr bench --profile DIR`: where the time per frame goes. After the measured rounds, one
// extra pass per switch and frame test runs under `perf record` (system-wide cpu-clock samples with
// call graphs: virtual machines of this kind expose no hardware counters), so the table's figures
// are never taken under the profiler. Per switch × test it keeps the perf data and writes a
// report: the switch's CPU time per delivered frame, how its samples split between the kernel, JS
// (node's perf map), node/V8, the addon and libraries, and the hottest symbols system-wide (where
// a kernel bridge's work shows, as softirq).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../control/protocol.js';
import { FRAME_BYTES, TEST_IDS, type TestId } from './catalog.js';
import type { Sample } from './measure.js';
import type { ProcessSet } from './processes.js';
import { missingTools } from './tools.js';

/** Samples per second per CPU: enough for a few thousand samples in a short measurement. */
const SAMPLE_HZ = 999;
/** Symbols below this share of the samples are left out of the reports. */
const REPORT_MIN_PCT = 0.5;
const PERF_TIMEOUT_EXTRA_MS = 60_000;

/** The frame tests: the ones whose measurement window the profiler fills. */
export const PROFILED_TESTS: readonly TestId[] = TEST_IDS.filter((t) => FRAME_BYTES[t] !== undefined);

/** Where a sample's code lives. */
export type CodeKind = 'kernel' | 'js' | 'node' | 'addon' | 'libraries';
export const CODE_KINDS: readonly CodeKind[] = ['kernel', 'js', 'node', 'addon', 'libraries'];

/** The kind of code a perf "dso" column names. */
export function codeKind(dso: string): CodeKind {
  if (dso.startsWith('[kernel')) return 'kernel';
  // V8 writes JIT code addresses to /tmp/perf-PID.map when node runs with --perf-basic-prof
  if (/perf-\d+\.map$/.test(dso) || dso.startsWith('[JIT]')) return 'js';
  const b = basename(dso);
  if (b === 'node' || b.startsWith('node.')) return 'node';
  if (b.endsWith('.node')) return 'addon';
  return 'libraries';
}

/** Rows of a `perf report --stdio -g none` table: share and the sort columns, as text. */
export function parseReportRows(text: string): { pct: number; cols: string[] }[] {
  const rows: { pct: number; cols: string[] }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+(\d+(?:\.\d+)?)%\s+(.*\S)\s*$/.exec(line);
    if (m) rows.push({ pct: Number(m[1]), cols: m[2]!.split(/\s{2,}/) });
  }
  return rows;
}

/** Shares of the switch's samples by kind of code, from a report sorted by dso first. */
export function splitByKind(report: string): Record<CodeKind, number> {
  const out: Record<CodeKind, number> = { kernel: 0, js: 0, node: 0, addon: 0, libraries: 0 };
  for (const r of parseReportRows(report)) out[codeKind(r.cols[0] ?? '')] += r.pct;
  return out;
}

/** The report without its rows under REPORT_MIN_PCT (the split needs them all, a reader does not). */
function hottest(report: string): string {
  return report.split('\n').filter((l) => {
    const r = parseReportRows(l)[0];
    return r === undefined ? !/^\s*$/.test(l) : r.pct >= REPORT_MIN_PCT;
  }).join('\n');
}

export interface ProfileSummary {
  switch: string;
  test: TestId;
  /** frames/s delivered while profiled (perturbed by the profiler: not the table's figure) */
  delivered: number;
  /** the switch's processes, % of one core; null for the kernel bridge (no process) */
  switchPct: number | null;
  /** the switch's CPU time per delivered frame, ns */
  nsPerFrame: number | null;
  /** % of the switch's samples by kind of code */
  split: Record<CodeKind, number> | null;
  report: string;
  data: string;
}

export function formatSummary(p: ProfileSummary): string {
  const rate = `${Math.round(p.delivered / 1000)}k frames/s under perf`;
  if (p.nsPerFrame === null || p.split === null) return `profile ${p.switch} ${p.test}: ${rate} (no switch process; see softirq in ${p.report})`;
  const parts = CODE_KINDS.filter((k) => p.split![k] > 0).map((k) => `${k} ${p.split![k].toFixed(0)}% (${Math.round(p.nsPerFrame! * p.split![k] / 100)} ns)`);
  return `profile ${p.switch} ${p.test}: ${rate}, switch ${Math.round(p.nsPerFrame)} ns of CPU per frame: ${parts.join(', ')} → ${p.report}`;
}

export class Profiler {
  readonly summaries: ProfileSummary[] = [];

  constructor(readonly dir: string, private readonly procs: ProcessSet) {
    const why = missingTools(['perf']);
    if (why) throw new UserError(`--profile ${why}`);
    try { mkdirSync(dir, { recursive: true }); } catch (e) { throw new UserError(`--profile: cannot create ${dir}: ${(e as Error).message}`); }
  }

  private file(sw: string, test: TestId, ext: string): string {
    return join(this.dir, `${sw}-${test}.${ext}`);
  }

  /** The measurement window of a frame test: perf records the whole machine for `ms`. */
  recorder(sw: string, test: TestId): (ms: number) => Promise<void> {
    return async (ms) => {
      const r = await this.procs.run('perf', ['record', '-e', 'cpu-clock', '-F', String(SAMPLE_HZ), '-g', '-a', '-o', this.file(sw, test, 'data'),
        '--', 'sleep', String(ms / 1000)], ms + PERF_TIMEOUT_EXTRA_MS);
      if (r.exit !== 0) throw new Error(`perf record (exit ${r.exit}): ${r.output.trim().slice(0, 300)}`);
    };
  }

  private async report(data: string, args: string[]): Promise<string> {
    const r = await this.procs.run('perf', ['report', '-i', data, '--stdio', '--no-children', '-g', 'none', ...args], PERF_TIMEOUT_EXTRA_MS);
    if (r.exit !== 0) throw new Error(`perf report (exit ${r.exit}): ${r.output.trim().slice(0, 300)}`);
    return r.stdout;
  }

  /** After the profiled window (the switch may be gone): the report, then node's perf maps removed. */
  async summarize(sw: string, test: TestId, sample: Sample, pids: readonly number[]): Promise<ProfileSummary> {
    const data = this.file(sw, test, 'data');
    const report = this.file(sw, test, 'txt');
    try {
      const delivered = sample.metrics.delivered ?? 0;
      const pct = sample.cpu.switchPct;
      const pidArg = pids.join(',');
      // every row of the switch's own samples, as shares of them alone (relative), for the split
      const ours = pids.length ? await this.report(data, ['--pid', pidArg, '--sort', 'dso,sym', '--percentage', 'relative', '--percent-limit', '0']) : '';
      const system = await this.report(data, ['--sort', 'comm,dso,sym', '--percent-limit', String(REPORT_MIN_PCT)]);
      const nsPerFrame = pct === null || delivered <= 0 ? null : (pct / 100) * 1e9 / delivered;
      const split = pids.length ? splitByKind(ours) : null;
      const s: ProfileSummary = { switch: sw, test, delivered, switchPct: pct, nsPerFrame, split, report, data };
      writeFileSync(report, [formatSummary(s), '',
        ...(pids.length ? [`== the switch's processes (${pidArg}), % of their samples`, hottest(ours)] : []),
        '== the whole machine, % of all samples', system].join('\n'));
      this.summaries.push(s);
      return s;
    } finally {
      for (const pid of pids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
    }
  }

  writeIndex(): string {
    const f = join(this.dir, 'profile.json');
    writeFileSync(f, JSON.stringify(this.summaries, null, 2) + '\n');
    return f;
  }
}
