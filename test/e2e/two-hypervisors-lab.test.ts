// examples/two-hypervisors/lab.sh as a user runs it (root): `up` builds the three hypervisors
// (two softbr daemons, one kernel VTEP) on a veth underlay, all five hosts ping each other, the
// fdb tables of the three VTEPs show the remote hosts behind their VTEPs, and `down` leaves no
// namespace, link or process of the lab. A failing `up` (a bad VNI, found by softbr's addif once
// namespaces and daemons exist) removes everything it made; an `up` that finds namespaces with
// its prefix that it did not make refuses and leaves them alone; `down` after a daemon crashed
// still removes everything. Each run has its own state directory and prefixes made by labPrefix()
// (`sbhw<pid>…`: never a user's `sb2hv-`), so that sweepStale() clears what a killed run left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canUseNetns, hasCommand, listLinks, listNamespaces } from '../../src/lab/host.js';
import { sh, type ShResult } from '../../src/lab/sh.js';
import { labPrefix, sweepStale } from '../../src/lab/netns.js';
import { REPO, BIN } from '../helpers/softbr.js';
import { until } from '../helpers/wait.js';

const usable = canUseNetns() && hasCommand('bridge');
if (!usable) console.warn('two-hypervisors lab e2e SKIPPED: needs root, /dev/net/tun and iproute2 (ip, bridge)');

const SCRIPT = join(REPO, 'examples/two-hypervisors/lab.sh');
const tmp = mkdtempSync(join(tmpdir(), 'softbr-2hv-'));
const HOSTS = ['a1', 'a2', 'b1', 'b2', 'c1'] as const;
const IP: Record<string, string> = { a1: '10.0.42.1', a2: '10.0.42.2', b1: '10.0.42.3', b2: '10.0.42.4', c1: '10.0.42.5' };
const VTEP = { A: '10.200.0.1', B: '10.200.0.2', C: '10.200.0.3' };

interface Run { prefix: string; state: string }
const run = (prefix: string): Run => ({ prefix, state: join(tmp, prefix) });

function labSh(r: Run, verb: string, env: string[] = []): Promise<ShResult> {
  return sh('env', [`SB2HV_PREFIX=${r.prefix}`, `SB2HV_STATE=${r.state}`, `NODE=${process.execPath}`, `SOFTBR_BIN=${BIN}`, ...env, 'bash', SCRIPT, verb],
    { allowFail: true, timeoutMs: 90_000 });
}

/** PIDs whose command line names the run's state directory (its daemons' control sockets are in it). */
function processesOf(r: Run): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').some((a) => a.includes(r.state))) pids.push(Number(d));
    } catch { /* gone */ }
  }
  return pids;
}

/** Everything of a run that is still there: namespaces and root-namespace links with its prefix, its processes. */
async function leftovers(r: Run): Promise<string[]> {
  return [
    ...(await listNamespaces()).filter((n) => n.startsWith(r.prefix)).map((n) => `netns ${n}`),
    ...(await listLinks()).filter((n) => n.startsWith(r.prefix)).map((n) => `link ${n}`),
    ...processesOf(r).map((p) => `pid ${p}`),
  ];
}

const inNs = (ns: string, cmd: string, args: string[]) => sh('ip', ['netns', 'exec', ns, cmd, ...args], { allowFail: true });

describe.skipIf(!usable)('examples/two-hypervisors/lab.sh (root)', () => {
  const main = run(labPrefix('hw'));
  const failing = run(labPrefix('hx'));
  const foreign = run(labPrefix('hy'));

  beforeAll(async () => {
    await sweepStale();
  });

  afterAll(async () => {
    // a test that failed between its up and its down
    for (const r of [main, failing, foreign]) await labSh(r, 'down');
    await sh('ip', ['netns', 'del', `${foreign.prefix}c1`], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('up: all five hosts ping each other; the fdb tables show the remote hosts behind their VTEPs; down leaves nothing', async () => {
    const P = main.prefix;
    const up = await labSh(main, 'up');
    expect(up.code, up.stdout + up.stderr).toBe(0);
    try {
      for (const from of HOSTS) {
        for (const to of HOSTS) {
          if (from === to) continue;
          const p = await inNs(`${P}${from}`, 'ping', ['-c', '1', '-W', '3', IP[to]!]);
          expect(p.code, `${from} → ${to}: ${p.stdout}${p.stderr}`).toBe(0);
        }
      }
      const dev = (h: string) => (h === 'c1' ? `${P}c1` : `${P}t${h}`);
      const mac: Record<string, string> = {};
      for (const h of HOSTS) mac[h] = (await sh('ip', ['netns', 'exec', `${P}${h}`, 'cat', `/sys/class/net/${dev(h)}/address`])).stdout.trim();
      const status = await labSh(main, 'status');
      expect(status.code, status.stderr).toBe(0);
      const vx = `${P}vx0`;
      // each softbr VTEP: the other hypervisors' hosts behind their VTEPs, and the flood list
      for (const [x, remote] of [['A', { b1: VTEP.B, b2: VTEP.B, c1: VTEP.C }], ['B', { a1: VTEP.A, a2: VTEP.A, c1: VTEP.C }]] as const) {
        const fdb = (await sh(process.execPath, [BIN, '--control', join(main.state, `hv${x}.sock`), 'fdb', 'show'])).stdout;
        for (const [h, vtep] of Object.entries(remote)) {
          expect(fdb, `hv${x}`).toContain(`${mac[h]} dev ${vx} dst ${vtep} self \n`);
          expect(status.stdout).toContain(`${mac[h]} dev ${vx} dst ${vtep} self \n`);
        }
        for (const v of Object.values(VTEP).filter((v) => v !== VTEP[x])) expect(fdb).toContain(`00:00:00:00:00:00 dev ${vx} dst ${v} self permanent\n`);
      }
      // the kernel VTEP: softbr's hosts behind softbr's VTEP addresses
      const kernel = (await sh('bridge', ['-n', `${P}hvC`, 'fdb', 'show', 'dev', vx])).stdout;
      for (const [h, vtep] of [['a1', VTEP.A], ['a2', VTEP.A], ['b1', VTEP.B], ['b2', VTEP.B]] as const) {
        expect(kernel).toContain(`${mac[h]} dst ${vtep} self \n`);
        expect(status.stdout).toContain(`${mac[h]} dst ${vtep} self \n`);
      }
      // the daemons run in their hypervisors' namespaces, not in the root one
      for (const x of ['A', 'B']) {
        const pid = readFileSync(join(main.state, `hv${x}.pid`), 'utf8').trim();
        const ns = (await sh('ip', ['netns', 'identify', pid])).stdout.trim();
        expect(ns).toBe(`${P}hv${x}`);
      }
      expect(await leftovers(main)).not.toEqual([]);
      // a crashed daemon: status says so and fails; down still removes everything
      const pidB = Number(readFileSync(join(main.state, 'hvB.pid'), 'utf8'));
      process.kill(pidB, 'SIGKILL');
      expect(await until(() => !processesOf(main).includes(pidB), 5000)).toBe(true);
      const crashed = await labSh(main, 'status');
      expect(crashed.code).toBe(1);
      expect(crashed.stdout).toContain(`hvB: softbr daemon pid ${pidB} NOT RUNNING`);
    } finally {
      const down = await labSh(main, 'down');
      expect(down.code, down.stdout + down.stderr).toBe(0);
    }
    expect(await leftovers(main)).toEqual([]);
    // a second down has nothing to do, and status says the lab is not up
    expect((await labSh(main, 'down')).code).toBe(0);
    expect((await labSh(main, 'status')).code).toBe(3);
  }, 180_000);

  it('a failing up (a VNI softbr refuses) names the bad value and removes the daemons and namespaces it had made', async () => {
    const r = await labSh(failing, 'up', ['SB2HV_VNI=16777216']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/VNI 16777216 is not from 0 to 16777215/);
    // it got far: both daemons ran and the namespaces existed before the failure undid them
    expect(r.stderr).toMatch(/up failed \(exit 2\); removing what was made/);
    expect(r.stderr).toMatch(/ended the softbr daemon of hvA \(pid \d+\)/);
    expect(r.stderr).toMatch(/ended the softbr daemon of hvB \(pid \d+\)/);
    expect(r.stderr).toContain(`removed namespace ${failing.prefix}c1`);
    expect(r.stderr).toContain(`removed namespace ${failing.prefix}u`);
    expect(await leftovers(failing)).toEqual([]);
  }, 120_000);

  it('up refuses when namespaces with its prefix exist that it did not make, and leaves them alone', async () => {
    const ns = `${foreign.prefix}c1`;
    await sh('ip', ['netns', 'add', ns]);
    try {
      const r = await labSh(foreign, 'up');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`exist but are not this lab's: ${ns}`);
      expect(await leftovers(foreign)).toEqual([`netns ${ns}`]);
    } finally {
      await sh('ip', ['netns', 'del', ns]);
    }
    expect(await leftovers(foreign)).toEqual([]);
  });

  it('bad input: an unknown verb and a bad prefix are refused with what is allowed', async () => {
    const v = await labSh(main, 'start');
    expect(v.code).toBe(2);
    expect(v.stderr).toContain("usage: ");
    expect(v.stderr).toContain("up|down|status (got 'start')");
    const p = await labSh(run('SB2HV'), 'up');
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/invalid SB2HV_PREFIX 'SB2HV': 1 to 12 characters/);
  });
});
