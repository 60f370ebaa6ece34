// Busy polling (src/native/busy-poll.cc, busy-poll.ts; `softbr daemon --busy-poll USEC`) with
// real peers: two namespaced hosts behind TAP ports. In a daemon with a window, a ping keeps its
// event loop turning without sleeping (it burns CPU with no frame to forward) until the window has
// passed with no frame, then it sleeps again, on a bridge thread as on the main thread; without a
// window it never spins; SIGTERM still ends it at once. In-process, the addon's counters show
// the window opening and closing by itself. A bad window is refused before anything is made.
// Root only; everything is removed afterwards.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, sweepStale } from '../../src/lab/netns.js';
import { canUseNetns } from '../../src/lab/host.js';
import { native, nativeAvailable } from '../../src/native/index.js';
import { TapPort } from '../../src/ports/tap.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { SystemClock } from '../../src/bridge/clock.js';
import { parseMac } from '../../src/frame/mac.js';
import { SoftbrDaemon, runCli, tapHosts } from '../helpers/softbr.js';

const why = !canUseNetns() ? 'needs root, /dev/net/tun and iproute2' : !nativeAvailable() ? 'native addon not built (npm install)' : '';
if (why) console.warn(`busy-poll e2e SKIPPED: ${why}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK_MS = 10; // USER_HZ 100: /proc/PID/stat counts CPU time in 10 ms ticks

/** CPU milliseconds (user + system) process pid has used so far. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields after the command: state is [0], so utime (field 14) is [11] and stime [12]
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

/** CPU ms pid uses over the next ms milliseconds. */
async function cpuOver(pid: number, ms: number): Promise<number> {
  const a = cpuMs(pid);
  await sleep(ms);
  return cpuMs(pid) - a;
}

describe('busy polling: the CLI refuses a bad window', () => {
  it('names the bad value and what is allowed, from the flag and from the environment', async () => {
    const r = await runCli(['--control', '/nonexistent/softbr-bp.sock', 'daemon', '--no-metrics', '--busy-poll', '2ms']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/invalid busy-poll window \(microseconds\) '2ms': expected an integer from 0 to 1000000/);
    const r2 = await runCli(['--control', '/nonexistent/softbr-bp.sock', 'daemon', '--no-metrics', '--busy-poll', '1000001']);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/'1000001'/);
  });
});

describe.skipIf(why !== '')('busy polling with real TAP peers (root)', () => {
  const lab = new Lab('bp');
  const BR = `${lab.prefix}b`;

  beforeAll(async () => { await sweepStale(); });
  afterAll(async () => {
    const problems = await lab.cleanup();
    expect(problems).toEqual([]);
  });

  async function daemonPinged(args: string[], addbr: string[] = []): Promise<{ d: SoftbrDaemon; pid: number; hosts: Awaited<ReturnType<typeof tapHosts>> }> {
    const d = new SoftbrDaemon(`${lab.prefix}${args.length}`);
    await d.start({ args });
    await d.ok('addbr', BR, '--no-local', ...addbr);
    const hosts = await tapHosts(d, lab, BR, '10.213.31', 2);
    const r = await lab.exec(hosts[0]!.ns, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', hosts[1]!.ip], { allowFail: true });
    expect(r.stdout).toMatch(/3 received/);
    return { d, pid: d.proc!.pid!, hosts };
  }

  /** After one ping the daemon (1 s window) burns CPU with no frame to forward, then sleeps again. */
  async function spinsThenSleeps(pid: number, hosts: { ns: string; ip: string }[], where: string): Promise<void> {
    // a frame opens the window: the loop turns with nothing to do, so the daemon uses CPU
    await lab.exec(hosts[0]!.ns, 'ping', ['-c', '1', '-W', '2', hosts[1]!.ip]);
    const spinning = await cpuOver(pid, 500);
    // once the window has passed with no frame the loop sleeps in epoll_wait again
    await sleep(1200);
    const after = await cpuOver(pid, 500);
    console.log(`busy-poll daemon (${where}) CPU over 500 ms: ${spinning} ms in the window, ${after} ms after it`);
    expect(spinning).toBeGreaterThanOrEqual(150);
    expect(after).toBeLessThanOrEqual(50);
  }

  async function teardown(d: SoftbrDaemon, hosts: { ns: string }[]): Promise<void> {
    expect(await d.stop()).toBe(0);
    for (const h of hosts) await lab.deleteNamespace(h.ns);
  }

  it('a daemon with a window spins after frames, then sleeps again once the window passed; SIGTERM ends it', async () => {
    const { d, pid, hosts } = await daemonPinged(['--busy-poll', '1000000']);
    try {
      expect(d.log).toMatch(/busy polling: each thread's event loop spins for 1000000 µs after a wakeup that brought frames/);
      await spinsThenSleeps(pid, hosts, 'main thread');
    } finally {
      await teardown(d, hosts);
    }
  }, 60_000);

  it('a bridge on its own thread (addbr --thread) spins on that thread\'s loop too', async () => {
    const { d, pid, hosts } = await daemonPinged(['--busy-poll', '1000000'], ['--thread']);
    try {
      await spinsThenSleeps(pid, hosts, 'bridge thread');
    } finally {
      await teardown(d, hosts);
    }
  }, 60_000);

  it('a daemon without a window sleeps between frames', async () => {
    const { d, pid, hosts } = await daemonPinged([]);
    try {
      await lab.exec(hosts[0]!.ns, 'ping', ['-c', '1', '-W', '2', hosts[1]!.ip]);
      expect(await cpuOver(pid, 500)).toBeLessThanOrEqual(50);
      expect(d.log).not.toMatch(/busy polling/);
    } finally {
      await teardown(d, hosts);
    }
  }, 60_000);

  it('in-process: frames open the window, the loop turns while it lasts, it closes by itself; 0 turns it off', async () => {
    const n = native();
    const t1 = TapPort.open({ name: lab.name('i1') });
    const t2 = TapPort.open({ name: lab.name('i2') });
    const br = new Bridge({ name: lab.name('ib'), clock: new SystemClock(), mac: parseMac('02:13:31:00:00:f0') });
    try {
      const ns1 = await lab.addNamespace('i1');
      const ns2 = await lab.addNamespace('i2');
      await lab.plug(t1.name, ns1, { cidr: '10.213.32.1/24' });
      await lab.plug(t2.name, ns2, { cidr: '10.213.32.2/24' });
      br.addPort(t1, { mac: parseMac('02:13:32:00:00:01') });
      br.addPort(t2, { mac: parseMac('02:13:32:00:00:02') });
      const ping = async () => {
        const r = await lab.exec(ns1, 'ping', ['-c', '1', '-W', '2', '10.213.32.2'], { allowFail: true });
        expect(r.stdout).toMatch(/1 received/);
      };
      n.setBusyPoll(0);
      const off = n.busyPollStats();
      await ping();
      expect(n.busyPollStats().starts).toBe(off.starts);
      n.setBusyPoll(300_000);
      await ping();
      const open = n.busyPollStats();
      expect(open.windowUs).toBe(300_000);
      expect(open.starts).toBeGreaterThan(off.starts);
      await sleep(50);
      // still inside the window: the loop kept turning (timers and all) without sleeping
      const later = n.busyPollStats();
      expect(later.active).toBe(true);
      expect(later.spins - open.spins).toBeGreaterThan(100);
      await sleep(600);
      const closed = n.busyPollStats();
      expect(closed.active).toBe(false);
      await sleep(100);
      expect(n.busyPollStats().spins).toBe(closed.spins);
      // turned off while the window is open: it closes at once
      await ping();
      expect(n.busyPollStats().active).toBe(true);
      n.setBusyPoll(0);
      expect(n.busyPollStats().active).toBe(false);
      expect(n.busyPollStats().windowUs).toBe(0);
    } finally {
      n.setBusyPoll(0);
      // removing a port closes its TAP
      for (const t of [t1, t2]) if (br.portByName(t.name)) br.removePort(t.name); else t.close();
    }
  }, 60_000);
});
