// softbr as the switch under test: a private daemon (own control socket in the run's temp dir, no
// metrics) with one bridge whose two ports are TAPs it creates or veth ends it attaches by name.
// softbr-tap-rw is softbr-tap with io_uring turned off (SOFTBR_IO_URING=off), to show what the
// batched writes win side by side; softbr-tap-uring also reads through io_uring
// (SOFTBR_IO_URING_READ=on), to show the multishot read against read(); softbr-tap-busy busy-polls
// for 2 ms after frames (SOFTBR_BUSY_POLL: longer than the ping test's 1 ms between pings, so its
// loop never sleeps while it is measured), to show what latency costs a core.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from '../../lab/sh.js';
import { SWITCHES, type PortKind } from '../catalog.js';
import { SOFTBR_BIN } from '../paths.js';
import { BUSY_POLL_ENV } from '../../native/busy-poll.js';
import type { BenchEnv, RunningSwitch, SwitchDriver } from './driver.js';

async function cli(sock: string, args: string[]): Promise<void> {
  await sh(process.execPath, [SOFTBR_BIN, '--control', sock, ...args]);
}

async function start(env: BenchEnv, ports: PortKind, daemonEnv: NodeJS.ProcessEnv = {}): Promise<RunningSwitch> {
  const sock = join(env.dir, 'softbr-control.sock');
  // --perf-basic-prof-only-functions: V8 names its JIT code in /tmp/perf-PID.map for perf
  const nodeFlags = env.perfMap ? ['--perf-basic-prof-only-functions'] : [];
  const d = env.procs.start(process.execPath, [...nodeFlags, SOFTBR_BIN, '--control', sock, 'daemon', '--no-metrics'], {
    env: { ...process.env, ...daemonEnv },
  });
  try {
    await env.procs.waitUntil(d, 'control socket', () => existsSync(sock), 15_000);
    const br = env.lab.name('br');
    await cli(sock, ['addbr', br, '--no-local']);
    let links: [string, string];
    if (ports === 'tap') {
      links = [env.lab.name('t1'), env.lab.name('t2')];
      await cli(sock, ['addif', br, ...links.map((l) => `tap:${l}`)]);
    } else {
      const { a: s1, b: v1 } = await env.lab.addVeth('s1', 'v1');
      const { a: s2, b: v2 } = await env.lab.addVeth('s2', 'v2');
      for (const s of [s1, s2]) await sh('ip', ['link', 'set', s, 'up']);
      await cli(sock, ['addif', br, s1, s2]);
      links = [v1, v2];
    }
    return { links, pids: [d.pid], stop: async () => { await env.procs.stop(d); } };
  } catch (e) {
    await env.procs.stop(d);
    throw new Error(`${(e as Error).message}\n${d.output().trim()}`);
  }
}

export const softbrTap: SwitchDriver = { info: SWITCHES['softbr-tap'], tools: [], start: (env) => start(env, 'tap') };
export const softbrTapRw: SwitchDriver = { info: SWITCHES['softbr-tap-rw'], tools: [], start: (env) => start(env, 'tap', { SOFTBR_IO_URING: 'off' }) };
export const softbrTapUring: SwitchDriver = { info: SWITCHES['softbr-tap-uring'], tools: [], start: (env) => start(env, 'tap', { SOFTBR_IO_URING_READ: 'on' }) };
export const softbrTapBusy: SwitchDriver = { info: SWITCHES['softbr-tap-busy'], tools: [], start: (env) => start(env, 'tap', { [BUSY_POLL_ENV]: '2000' }) };
export const softbrVeth: SwitchDriver = { info: SWITCHES['softbr-veth'], tools: [], start: (env) => start(env, 'veth') };
