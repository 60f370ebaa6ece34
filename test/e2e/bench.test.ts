// End-to-end: `softbr bench` as a user runs it, short (1 round of 1 s) on two switches, checked
// for plausible numbers in its JSON and for leaving nothing behind; and once interrupted by
// SIGTERM mid-run, which must clean up just the same.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runCli } from '../helpers/softbr.js';
import { isRoot } from '../../src/is-root.js';
import { sh } from '../../src/lab/sh.js';
import { hasTool } from '../../src/benchmark/tools.js';
import { BENCH_LAB_TAG } from '../../src/benchmark/cleanup.js';
import { labOwner, labPrefix } from '../../src/lab/netns.js';
import type { BenchResult } from '../../src/benchmark/result.js';
import type { ProfileSummary } from '../../src/benchmark/profile.js';

const ready = isRoot() && hasTool('trafgen') && hasTool('taskset');

/** Namespaces, links and processes (by command line) that carry the prefix. */
async function leftovers(prefix: string): Promise<string[]> {
  const ns = (await sh('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(prefix));
  const links = (await sh('ip', ['-o', 'link', 'show'])).stdout.split('\n').filter((l) => l.includes(prefix));
  const procs: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(prefix)) procs.push(`${d}: ${cmd}`);
    } catch { /* exited */ }
  }
  return [...ns, ...links, ...procs];
}

const benchDirs = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('softbr-bench-')));

describe.skipIf(!ready)('softbr bench', () => {
  it('measures softbr on TAPs and the kernel bridge side by side, then leaves nothing behind', async () => {
    const dirsBefore = benchDirs();
    const r = await runCli(['bench', '--switches', 'softbr-tap,kernel', '--rounds', '1', '--seconds', '1', '--tests', 'small,ping', '--json'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as BenchResult;
    expect(j.prefix).toBe(labPrefix(BENCH_LAB_TAG, labOwner(j.prefix) ?? -1));
    expect(j.machine.cores).toBeGreaterThanOrEqual(1);
    expect(j.machine.kernel).toMatch(/^\d+\.\d+/);
    expect(j.machine.node).toBe(process.version);
    expect(j.switches.map((s) => s.id)).toEqual(['softbr-tap', 'kernel']);
    for (const sw of ['softbr-tap', 'kernel'] as const) {
      const small = j.cells.find((c) => c.switch === sw && c.test === 'small')!;
      expect(small.rounds, JSON.stringify(small.notes)).toBe(1);
      const delivered = small.metrics.delivered!.median;
      const offered = small.metrics.offered!.median;
      // any switch on this machine forwards thousands of 60-byte frames a second, and cannot
      // deliver more than was offered (a little slack: the two counters are read a moment apart)
      expect(delivered).toBeGreaterThan(10_000);
      expect(delivered).toBeLessThanOrEqual(offered * 1.02);
      const ping = j.cells.find((c) => c.switch === sw && c.test === 'ping')!;
      expect(ping.rounds, JSON.stringify(ping.notes)).toBe(1);
      const p = (k: string) => ping.metrics[k]!.median;
      expect(p('min')).toBeGreaterThan(0);
      expect(p('min')).toBeLessThanOrEqual(p('avg'));
      expect(p('avg')).toBeLessThanOrEqual(p('p99'));
      expect(p('p99')).toBeLessThanOrEqual(p('max'));
      expect(p('avg')).toBeLessThan(50);
      expect(p('lost')).toBeLessThan(50);
    }
    // the daemon is a process whose CPU is measured; the kernel bridge has none
    const tapSmall = j.cells.find((c) => c.switch === 'softbr-tap' && c.test === 'small')!;
    expect(tapSmall.cpu!.switch!.median).toBeGreaterThan(5);
    expect(j.cells.find((c) => c.switch === 'kernel' && c.test === 'small')!.cpu!.switch).toBeNull();
    expect(await leftovers(j.prefix)).toEqual([]);
    expect([...benchDirs()].filter((d) => !dirsBefore.has(d))).toEqual([]);
  }, 90_000);

  it('skips what needs a missing tool with a note naming it, without failing', async () => {
    // only /usr/sbin on PATH: ip and trafgen are there; taskset, ping, cc and vde_switch are not
    const r = await new Promise<{ code: number | null; out: string }>((res) => {
      const p = spawn(process.execPath, [BIN, 'bench', '--switches', 'softbr-tap,vde,cforward', '--tests', 'small,ping'],
        { env: { ...process.env, PATH: '/usr/sbin:/nonexistent' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      p.once('exit', (code) => res({ code, out }));
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('vde_switch, TAP ports: skipped, needs vde_switch (Debian vde2)');
    expect(r.out).toContain('skipped, needs cc (Debian gcc)');
    expect(r.out).toContain('softbr-tap small: skipped, needs taskset (Debian util-linux)');
    expect(r.out).toContain('softbr-tap ping: skipped, needs ping (Debian iputils-ping)');
    expect(r.out).toMatch(/^\| softbr, TAP ports \| skipped \| skipped \|$/m);
  }, 30_000);

  it.skipIf(!hasTool('perf'))('--profile: one unmeasured pass under perf, where the switch spends its time per frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbprof-'));
    const maps = () => new Set(readdirSync('/tmp').filter((n) => /^perf-\d+\.map$/.test(n)));
    const mapsBefore = maps();
    try {
      const r = await runCli(['bench', '--switches', 'softbr-tap', '--rounds', '1', '--seconds', '1', '--tests', 'small', '--json', '--profile', dir], { timeoutMs: 90_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/profile softbr-tap small: \d+k frames\/s under perf, switch \d+ ns of CPU per frame: kernel \d+%/);
      const [p] = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as ProfileSummary[];
      expect(p!.switch).toBe('softbr-tap');
      expect(p!.delivered).toBeGreaterThan(10_000);
      // a busy daemon: hundreds of ns of CPU per frame at least, and not more than a core per frame/s
      expect(p!.nsPerFrame!).toBeGreaterThan(100);
      expect(p!.nsPerFrame!).toBeLessThan(1e9 / p!.delivered * 1.1);
      const split = p!.split!;
      expect(split.kernel).toBeGreaterThan(10); // read/write of TAPs is kernel work
      expect(split.js).toBeGreaterThan(0); // V8's perf map named the JIT code
      expect(Object.values(split).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
      const text = readFileSync(p!.report, 'utf8');
      expect(text).toContain('bridge.js'); // the engine's receive path by name
      expect(text).toContain('trafgen'); // the whole machine's table names the generator
      expect(statSync(p!.data).size).toBeGreaterThan(0);
      // the measured table is a separate round, not the profiled one
      const j = JSON.parse(r.stdout) as BenchResult;
      expect(j.cells.find((c) => c.test === 'small')!.rounds).toBe(1);
      expect([...maps()].filter((m) => !mapsBefore.has(m))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('cleans up when SIGTERM arrives in the middle of a measurement, exiting 143', async () => {
    const p = spawn(process.execPath, [BIN, 'bench', '--switches', 'softbr-tap', '--tests', 'small', '--rounds', '1', '--seconds', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
    const prefix = labPrefix(BENCH_LAB_TAG, p.pid!);
    const deadline = Date.now() + 30_000;
    // wait until the hosts exist and the generator runs, then interrupt
    while (!err.includes('[1/1]') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await leftovers(prefix)).length).toBeGreaterThan(0); // the run was really under way
    p.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(err).toContain('SIGTERM: stopping');
    expect(await leftovers(prefix)).toEqual([]);
  }, 60_000);
});
