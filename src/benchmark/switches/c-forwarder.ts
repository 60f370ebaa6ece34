// The reference switch: bench/tap-forward.c, compiled once per run with `cc -O2` into the run's
// temp dir, forwarding between two TAPs it creates (see the C file for its loop).
import { join } from 'node:path';
import { sh } from '../../lab/sh.js';
import { SWITCHES } from '../catalog.js';
import { TAP_FORWARD_SOURCE } from '../paths.js';
import type { BenchEnv, RunningSwitch, SwitchDriver } from './driver.js';

const binary = (env: BenchEnv) => join(env.dir, 'tap-forward');

async function prepare(env: BenchEnv): Promise<void> {
  await sh('cc', ['-O2', '-o', binary(env), TAP_FORWARD_SOURCE]);
}

async function start(env: BenchEnv): Promise<RunningSwitch> {
  const links: [string, string] = [env.lab.name('t1'), env.lab.name('t2')];
  const p = env.procs.start(binary(env), links);
  try {
    await env.procs.waitFor(p, 'ready');
  } catch (e) {
    await env.procs.stop(p);
    throw e;
  }
  return { links, pids: [p.pid], stop: async () => { await env.procs.stop(p); } };
}

export const cForwarder: SwitchDriver = { info: SWITCHES.cforward, tools: ['cc'], prepare, start };
