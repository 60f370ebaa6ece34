// Benchmark plumbing shared by run.ts and check.ts: Benchmark.Suite over batched rows, a result
// table, and a GC handle for heap measurements.
import Benchmark from 'benchmark';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface Row {
  name: string;
  /** Frames (operations) done by one call of fn. */
  batch: number;
  fn: () => void;
}

export interface Result {
  name: string;
  framesPerSec: number;
  nsPerFrame: number;
  /** Median of the samples, ns per frame (what check.ts compares: robust to outliers). */
  medianNsPerFrame: number;
  /** 10th percentile of the samples, ns per frame: close to the unloaded speed on a busy machine. */
  p10NsPerFrame: number;
  /** Relative margin of error, %. */
  rme: number;
  samples: number;
}

export interface RunOptions {
  /** Seconds per row (Benchmark maxTime). */
  maxTime?: number;
  minSamples?: number;
  /** Seconds per sample (Benchmark minTime); short samples dodge preemption on a busy machine. */
  minTime?: number;
  /** Milliseconds of untimed calls before measuring (default 300). */
  warmupMs?: number;
  /** Called after each row, e.g. to print progress. */
  onResult?: (r: Result) => void;
}

/** Runs the rows one after another (synchronously) in a Benchmark.Suite. */
export function runRows(rows: Row[], opts: RunOptions = {}): Result[] {
  const suite = new Benchmark.Suite();
  const results: Result[] = [];
  for (const row of rows) {
    const f = row.fn;
    // warm up until the optimizing compiler has had its go (Benchmark's own first cycles would
    // otherwise mix interpreter time into the samples)
    const t0 = performance.now();
    for (let i = 0; i < 20 || performance.now() - t0 < (opts.warmupMs ?? 300); i++) f();
    // Benchmark.js first tries to inline the test body; calling through a name it cannot resolve
    // makes it fall back to calling this function, which runs the closure as written.
    suite.add(row.name, function softbrBench() { f(); }, {
      maxTime: opts.maxTime ?? 2,
      minSamples: opts.minSamples ?? 10,
      ...(opts.minTime !== undefined ? { minTime: opts.minTime } : {}),
      onComplete(this: Benchmark) {
        if (this.error) throw this.error;
        const s = this.stats;
        const sorted = [...s.sample].sort((a, b) => a - b);
        const median = sorted.length ? sorted[sorted.length >> 1]! : s.mean;
        const p10 = sorted.length ? sorted[Math.floor(sorted.length / 10)]! : s.mean;
        const r: Result = {
          name: row.name,
          framesPerSec: this.hz * row.batch,
          nsPerFrame: (s.mean * 1e9) / row.batch,
          medianNsPerFrame: (median * 1e9) / row.batch,
          p10NsPerFrame: (p10 * 1e9) / row.batch,
          rme: s.rme,
          samples: s.sample.length,
        };
        results.push(r);
        opts.onResult?.(r);
      },
    });
  }
  suite.on('error', (e: { target: Benchmark }) => { throw e.target.error; });
  suite.run({ async: false });
  return results;
}

export function fmtRate(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} k`;
  return n.toFixed(1);
}

export function fmtNs(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** A plain text table: first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** global.gc when node runs with --expose-gc; otherwise enabled at run time (same effect). */
export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export function fullGc(gc: () => void): void {
  for (let i = 0; i < 3; i++) gc();
}

/** heapUsed + arrayBuffers (typed-array storage lives outside the JS heap). */
export function memNow(): { heap: number; arrayBuffers: number; total: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers, total: m.heapUsed + m.arrayBuffers };
}
