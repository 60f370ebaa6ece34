// `npm run bench:check`: a regression guard for the fast path. Measures a fixed pure-JS
// calibration workload and the fast-path rows in the same process, expresses each row as
// ratio = row ns/frame ÷ calibration ns/frame, and compares with bench/baseline.json.
// A row fails when its ratio exceeds baseline × tolerance twice in a row (a second measurement
// filters out a burst of load from elsewhere on the machine). Exit 1 on regression.
//   node --expose-gc dist/bench/check.js [--update] [--tolerance 1.5] [--baseline FILE] [--rounds 3] [--max-time 0.6]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRows, table, fmtNs, type Row } from './harness.js';
import {
  bridgeKnownUnicast, KNOWN_UNICAST_NAME, bridgeFlood, bridgeLearnChurn, fdbLookup1M, decision, decisionNumbers, calibration, DECISION_NUMBERS_NAME,
} from './workloads.js';
import { measureTable, MiB, HEAP_TARGET_BYTES } from './memory.js';

const args = process.argv.slice(2);
const arg = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const update = args.includes('--update');
const here = path.dirname(fileURLToPath(import.meta.url));
// compiled to dist/bench/check.js; the baseline lives with the sources in bench/
const baselinePath = path.resolve(arg('--baseline') ?? path.join(here, '..', '..', 'bench', 'baseline.json'));
const MAX_TIME = Number(arg('--max-time') ?? 0.6);
const ROUNDS = Number(arg('--rounds') ?? 3);

interface Baseline {
  note: string;
  created: string;
  node: string;
  cpu: string;
  tolerance: number;
  calibrationNsPerFrame: number;
  ratios: Record<string, number>;
}

const FAST_PATH: { name: string; make: () => Row }[] = [
  { name: 'fdb (ours): known-unicast decision, 100k MACs', make: () => decision('ours') },
  { name: DECISION_NUMBERS_NAME, make: () => decisionNumbers() },
  { name: KNOWN_UNICAST_NAME, make: bridgeKnownUnicast },
  { name: 'bridge: broadcast flood to 8 ports', make: () => bridgeFlood(8) },
  { name: 'bridge: learn churn, 100k MACs moving', make: () => bridgeLearnChurn(100_000) },
  { name: 'fdb (ours): lookup, 1M-entry table', make: fdbLookup1M },
];

/**
 * ROUNDS rounds of [calibration, every row], short samples each. A row's speed is the lowest
 * 10th-percentile ns/frame over the rounds, and so is the calibration's: load from elsewhere only
 * ever adds time, so the fast end of the distribution is what repeats between runs.
 */
function measure(rows: Row[], cal: Row, rounds: number): { calNs: number; ns: Map<string, number> } {
  let calNs = Infinity;
  const ns = new Map<string, number>();
  const opts = { maxTime: MAX_TIME, minTime: 0.01, minSamples: 20, warmupMs: 100 };
  for (let r = 0; r < rounds; r++) {
    calNs = Math.min(calNs, runRows([cal], opts)[0]!.p10NsPerFrame);
    for (const res of runRows(rows, opts)) ns.set(res.name, Math.min(ns.get(res.name) ?? Infinity, res.p10NsPerFrame));
  }
  return { calNs, ns };
}

function main(): number {
  const t0 = Date.now();
  const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`;
  console.log(`softbr bench:check — node ${process.version}, ${cpu}`);
  const baseline: Baseline | null = fs.existsSync(baselinePath) ? JSON.parse(fs.readFileSync(baselinePath, 'utf8')) as Baseline : null;
  const tolerance = Number(arg('--tolerance') ?? baseline?.tolerance ?? 1.5);
  if (!baseline && !update) console.log(`no baseline at ${baselinePath}: run with --update to create it`);

  // absolute target: memory of a 1M-entry table (deterministic, so no ratio needed)
  const mem = measureTable('ours', 1_000_000);
  const memOk = mem.total <= HEAP_TARGET_BYTES;
  console.log(`1M-entry FDB: ${(mem.total / MiB).toFixed(1)} MB (target ≤ ${HEAP_TARGET_BYTES / MiB} MB) ${memOk ? 'PASS' : 'FAIL'}`);

  const made = FAST_PATH.map((f) => ({ name: f.name, row: f.make() }));
  const cal = calibration();
  const first = measure(made.map((m) => m.row), cal, ROUNDS);
  const ratios = new Map<string, number>();
  const nsOf = new Map(first.ns);
  for (const [name, ns] of first.ns) ratios.set(name, ns / first.calNs);
  let calNs = first.calNs;

  if (update) {
    const next: Baseline = {
      note: 'ratio = row ns/frame ÷ calibration ns/frame (each the lowest 10th-percentile sample over the rounds), same process; written by `npm run bench:check -- --update`',
      created: new Date().toISOString(),
      node: process.version,
      cpu,
      tolerance,
      calibrationNsPerFrame: Number(calNs.toFixed(3)),
      ratios: Object.fromEntries([...ratios].map(([k, v]) => [k, Number(v.toFixed(3))])),
    };
    fs.writeFileSync(baselinePath, JSON.stringify(next, null, 2) + '\n');
    console.log(`baseline written to ${baselinePath}`);
  }

  // rows over the limit get a second, independent measurement (fresh calibration too)
  const limitOf = (name: string) => (baseline?.ratios[name] ?? NaN) * tolerance;
  const over = made.filter((m) => !update && baseline && ratios.get(m.name)! > limitOf(m.name));
  if (over.length > 0) {
    console.log(`re-measuring ${over.length} row(s) over the limit: ${over.map((m) => m.name).join('; ')}`);
    const again = measure(over.map((m) => m.row), cal, ROUNDS);
    for (const [name, ns] of again.ns) {
      const ratio = ns / again.calNs;
      if (ratio < ratios.get(name)!) { ratios.set(name, ratio); nsOf.set(name, ns); }
    }
  }

  let failed = !memOk;
  const rows: string[][] = [];
  rows.push(['calibration: hash + probe 4 MB Int32Array', fmtNs(calNs), '1.000', baseline ? '1.000' : '-', '', '']);
  for (const m of made) {
    const ratio = ratios.get(m.name)!;
    const base = baseline?.ratios[m.name];
    let verdict = 'new';
    if (update) verdict = 'baseline';
    else if (base !== undefined) {
      const ok = ratio <= base * tolerance;
      if (!ok) failed = true;
      verdict = ok ? 'ok' : 'REGRESSION';
    }
    rows.push([m.name, fmtNs(nsOf.get(m.name)!), ratio.toFixed(3), base !== undefined ? base.toFixed(3) : '-',
      base !== undefined ? `${(ratio / base).toFixed(2)}×` : '', verdict]);
  }
  console.log(table(['row', 'ns/frame', 'ratio', 'baseline', 'vs base', `(limit ${tolerance}×)`], rows));
  console.log(`${failed ? 'FAIL' : 'PASS'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return failed ? 1 : 0;
}

process.exitCode = main();
