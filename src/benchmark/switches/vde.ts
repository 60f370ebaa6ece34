// vde_switch (Debian vde2) as the switch under test, with its built-in TAP module (-t) opening
// both TAPs itself, so it pays the same read/write per frame as the C forwarder and no plug
// processes sit between. It runs in the foreground; its console reads stdin, so stdin stays open.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SWITCHES } from '../catalog.js';
import type { BenchEnv, RunningSwitch, SwitchDriver } from './driver.js';

async function start(env: BenchEnv): Promise<RunningSwitch> {
  const links: [string, string] = [env.lab.name('t1'), env.lab.name('t2')];
  const sock = join(env.dir, 'vde');
  const p = env.procs.start('vde_switch', ['-s', sock, '-t', links[0], '-t', links[1]], { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    await env.procs.waitUntil(p, 'its TAPs', () => links.every((l) => existsSync(`/sys/class/net/${l}`)));
  } catch (e) {
    await env.procs.stop(p);
    throw e;
  }
  return { links, pids: [p.pid], stop: async () => { await env.procs.stop(p); } };
}

export const vdeSwitch: SwitchDriver = { info: SWITCHES.vde, tools: ['vde_switch'], start };
