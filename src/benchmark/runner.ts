// A whole `softbr bench` run: checks the tools, then rounds of A B C … (each switch built, its
// hosts plugged, every test measured, everything torn down), so slow drift of the machine spreads
// over all switches alike. Cleans up after each switch, on failure, and on SIGINT/SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../lab/netns.js';
import { isRoot } from '../is-root.js';
import { UserError } from '../control/protocol.js';
import { SWITCHES, type SwitchId, type TestId } from './catalog.js';
import { BENCH_LAB_TAG, sweep } from './cleanup.js';
import { makeHosts, warmUp, type HostPair } from './hosts.js';
import { describeMachine } from './machine.js';
import { measure, TEST_TOOLS, type MeasureEnv } from './measure.js';
import type { BenchOptions } from './options.js';
import { formatSummary, PROFILED_TESTS, Profiler } from './profile.js';
import { ProcessSet, sleep } from './processes.js';
import { Progress } from './progress.js';
import { addNote, addSample, buildResult, newCollected, SKIPPED, type BenchResult, type Collected } from './result.js';
import { DRIVERS, type BenchEnv, type RunningSwitch } from './switches/index.js';
import { missingTools } from './tools.js';

export interface RunContext { version: string }

/** Thrown by runBench after cleaning up when SIGINT/SIGTERM ended the run. */
export class BenchInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) { super(`interrupted by ${signal}`); }
  get exitCode(): number { return this.signal === 'SIGINT' ? 130 : 143; }
}

/** After a signal, the run gets this long to tear down on its own before it is torn down under it. */
const INTERRUPT_GRACE_MS = 15_000;
const SETTLE_MS = 500;

const firstLine = (e: unknown) => ((e as Error).message ?? String(e)).split('\n')[0]!;

/** Which switches and tests can run here; the rest get their note. */
async function usable(o: BenchOptions, env: BenchEnv, c: Collected, progress: Progress): Promise<{ switches: SwitchId[]; tests: TestId[] }> {
  const switches: SwitchId[] = [];
  for (const s of o.switches) {
    const d = DRIVERS[s];
    let why = missingTools(d.tools);
    if (!why && d.prepare) {
      try { await d.prepare(env); } catch (e) { why = `could not be prepared: ${firstLine(e)}`; }
    }
    if (why) { c.skippedSwitches.set(s, why); progress.note(`${SWITCHES[s].label}: skipped, ${why}`); } else switches.push(s);
  }
  const tests: TestId[] = [];
  for (const t of o.tests) {
    const why = missingTools(TEST_TOOLS[t]);
    if (why) {
      progress.note(`test ${t}: skipped, ${why}`);
      for (const s of switches) addNote(c, s, t, `${SKIPPED}${why}`);
    } else tests.push(t);
  }
  return { switches, tests };
}

/** What a measurement of the running switch needs. */
function measureEnv(env: BenchEnv, o: BenchOptions, running: RunningSwitch, hosts: HostPair): MeasureEnv {
  return { procs: env.procs, dir: env.dir, hosts, switchPids: running.pids, seconds: o.seconds, signal: env.signal };
}

/** Builds switch s with its two hosts, runs body, and tears everything down, also on failure. */
async function withSwitch(s: SwitchId, env: BenchEnv, body: (running: RunningSwitch, hosts: HostPair) => Promise<void>): Promise<void> {
  let running: RunningSwitch | undefined;
  try {
    running = await DRIVERS[s].start(env);
    const hosts = await makeHosts(env.lab, running.links);
    await warmUp(hosts);
    // the previous switch's namespaces are still being freed by kernel workers for a moment
    await sleep(SETTLE_MS, env.signal);
    await body(running, hosts);
  } finally {
    await running?.stop().catch(() => undefined);
    await env.procs.stopAll();
    await env.lab.cleanup();
  }
}

async function oneSwitch(s: SwitchId, tests: readonly TestId[], round: number, o: BenchOptions, env: BenchEnv, c: Collected, progress: Progress): Promise<void> {
  let stepped = 0;
  try {
    await withSwitch(s, env, async (running, hosts) => {
      for (const t of tests) {
        if (env.signal.aborted) return;
        progress.step(`round ${round}/${o.rounds} ${s}: ${t}`);
        stepped++;
        try {
          addSample(c, s, t, await measure(t, measureEnv(env, o, running, hosts)));
        } catch (e) {
          if (env.signal.aborted) return;
          addNote(c, s, t, `round ${round} failed: ${firstLine(e)}`);
          progress.note(`${s} ${t}, round ${round}: ${firstLine(e)}`);
        }
      }
    });
  } catch (e) {
    if (env.signal.aborted) return;
    progress.note(`${s}, round ${round}: ${firstLine(e)}`);
    for (const t of tests) addNote(c, s, t, `round ${round} failed: ${firstLine(e)}`);
    for (; stepped < tests.length; stepped++) progress.step(`round ${round}/${o.rounds} ${s}: failed`);
  }
}

/** The unmeasured profiling pass of one switch: each frame test once under perf (see profile.ts). */
async function profileSwitch(s: SwitchId, tests: readonly TestId[], o: BenchOptions, env: BenchEnv, profiler: Profiler, progress: Progress): Promise<void> {
  let stepped = 0;
  try {
    await withSwitch(s, { ...env, perfMap: true }, async (running, hosts) => {
      for (const t of tests) {
        if (env.signal.aborted) return;
        progress.step(`profile ${s}: ${t}`);
        stepped++;
        const sample = await measure(t, { ...measureEnv(env, o, running, hosts), window: profiler.recorder(s, t) });
        progress.note(formatSummary(await profiler.summarize(s, t, sample, running.pids)));
      }
    });
  } catch (e) {
    if (env.signal.aborted) return;
    progress.note(`profile ${s}: ${firstLine(e)}`);
    for (; stepped < tests.length; stepped++) progress.step(`profile ${s}: failed`);
  }
}

export async function runBench(o: BenchOptions, ctx: RunContext): Promise<BenchResult> {
  if (!isRoot()) throw new UserError('softbr bench needs root: it creates namespaces, TAPs, veths and bridges (run it with sudo)');
  const startedAt = new Date();
  const machine = describeMachine();
  const lab = new Lab(BENCH_LAB_TAG);
  const prefix = lab.prefix;
  // the prefix in the directory's name puts it in the command line of every process that uses a
  // file there, so a leftover process of this run can be found by the prefix alone
  const dir = mkdtempSync(join(tmpdir(), `softbr-bench-${prefix}-`));
  const abort = new AbortController();
  const env: BenchEnv = { lab, procs: new ProcessSet(), dir, signal: abort.signal };
  const c = newCollected();
  const progress = new Progress();
  let cleaned: Promise<void> | undefined;
  const cleanup = () => (cleaned ??= (async () => {
    await env.procs.stopAll();
    await env.lab.cleanup();
    const left = await sweep(prefix);
    if (left.length) progress.note(`could not remove: ${left.join(', ')}`);
    rmSync(dir, { recursive: true, force: true });
  })());
  let interrupted: BenchInterrupted | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = new BenchInterrupted(sig);
    progress.note(`${sig}: stopping, removing the run's hosts and switches`);
    // the running step fails at once; the loop sees the abort, stops building, and cleans up
    abort.abort();
    void env.procs.stopAll();
    const code = interrupted.exitCode;
    setTimeout(() => { void cleanup().finally(() => process.exit(code)); }, INTERRUPT_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { switches, tests } = await usable(o, env, c, progress);
    const profiled = tests.filter((t) => PROFILED_TESTS.includes(t));
    const profiler = o.profile === undefined ? undefined : new Profiler(o.profile, env.procs);
    progress.setTotal(o.rounds * switches.length * tests.length + (profiler ? switches.length * profiled.length : 0));
    if (tests.length > 0) {
      for (let round = 1; round <= o.rounds && !abort.signal.aborted; round++) {
        for (const s of switches) if (!abort.signal.aborted) await oneSwitch(s, tests, round, o, env, c, progress);
      }
    }
    if (profiler && profiled.length > 0) {
      for (const s of switches) if (!abort.signal.aborted) await profileSwitch(s, profiled, o, env, profiler, progress);
      progress.note(`profiles: ${profiler.writeIndex()} (perf report -i DIR/SWITCH-TEST.data for more)`);
    }
    progress.finish();
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) throw interrupted;
  return buildResult({ version: ctx.version, startedAt, durationSeconds: (Date.now() - startedAt.getTime()) / 1000, prefix, machine, options: o }, c);
}
