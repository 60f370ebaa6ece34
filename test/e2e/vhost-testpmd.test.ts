// End-to-end: DPDK's testpmd as a real vhost-user front-end without a VM. Two testpmd processes
// attach to two softbr `vhost-user:` ports with `net_virtio_user` devices (virtio-net drivers
// over the socket, their mbuf memory shared with softbr): one sends 64-byte frames
// (`--forward-mode=txonly`), the other counts what arrives (`rxonly`). Frames cross softbr
// (flooded: the destination is never learned), softbr learns the sender's MAC on its port, and
// the ports go down when testpmd exits.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { hasCommand } from '../../src/lab/host.js';
import { endProcess } from '../helpers/process.js';

const TESTPMD = 'dpdk-testpmd';
const missing = !isRoot() ? 'not root' : !hasCommand(TESTPMD) ? `${TESTPMD} is not installed (apt-get install dpdk dpdk-dev; scripts/setup.sh does)` : '';
if (missing) process.stderr.write(`vhost-testpmd.test.ts: skipped: ${missing}\n`);

const lab = new Lab('vt');
const P = lab.prefix;
const BR = `${P}br`;
const TX_MAC = '02:7e:00:00:00:01';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Pmd { proc: ChildProcess; out: string; prefix: string }
interface LinkRow { ifname: string; ifindex: number; flags: string[] }

describe.skipIf(missing !== '')(`testpmd through two vhost-user ports${missing ? ` — skipped: ${missing}` : ''}`, () => {
  const d = new SoftbrDaemon(P);
  const pmds: Pmd[] = [];

  /** testpmd with one virtio-user device on `sock`, its main lcore `main` (forwarding on the other). */
  function testpmd(tag: string, sock: string, mac: string, main: number, mode: string[]): Pmd {
    const prefix = `${P}${tag}`;
    const proc = spawn(TESTPMD, [
      '-l', '0-1', '--main-lcore', String(main), '--no-pci', '--no-huge', '-m', '1024', `--file-prefix=${prefix}`,
      `--vdev=net_virtio_user0,path=${sock},mac=${mac}`, '--log-level=user1,info',
      '--', ...mode, '--total-num-mbufs=16384', '--stats-period=1',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const p: Pmd = { proc, out: '', prefix };
    proc.stdout!.on('data', (x) => { p.out += x; });
    proc.stderr!.on('data', (x) => { p.out += x; });
    pmds.push(p);
    return p;
  }

  /** SIGINT by PID: testpmd stops forwarding, prints its totals and exits. */
  async function stop(p: Pmd): Promise<void> {
    await endProcess(p.proc, 'SIGINT', 5000);
    rmSync(`/var/run/dpdk/${p.prefix}`, { recursive: true, force: true });
  }

  /** The last "Accumulated forward statistics" totals testpmd printed. */
  function totals(p: Pmd): { rx: number; tx: number } {
    const acc = p.out.slice(p.out.lastIndexOf('Accumulated forward statistics'));
    const rx = /RX-packets: (\d+)/.exec(acc);
    const tx = /TX-packets: (\d+)/.exec(acc);
    return { rx: rx ? Number(rx[1]) : -1, tx: tx ? Number(tx[1]) : -1 };
  }

  beforeAll(async () => {
    await d.start();
    await d.ok('addbr', BR, '--no-local');
  });

  afterAll(async () => {
    for (const p of pmds) await stop(p);
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
  });

  const ports = async () => JSON.parse(await d.ok('link', 'show', '--json')) as LinkRow[];
  async function waitFor(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nsoftbr: ${d.log.slice(-2000)}\n${pmds.map((p) => p.out.slice(-1500)).join('\n')}`);
      await sleep(100);
    }
  }

  it('txonly → softbr → rxonly: frames arrive and softbr learns the sender', async () => {
    const [p1, p2] = [lab.name('1'), lab.name('2')];
    const [s1, s2] = [join(d.dir, 'p1.sock'), join(d.dir, 'p2.sock')];
    await d.ok('addif', BR, `vhost-user:${p1}=${s1}`, `vhost-user:${p2}=${s2}`);
    const up = async (port: string) => !((await ports()).find((l) => l.ifname === port)?.flags.includes('NO-CARRIER') ?? true);
    const rx = testpmd('r', s2, '02:7e:00:00:00:02', 1, ['--forward-mode=rxonly']);
    await waitFor(`${p2} up`, () => up(p2));
    const tx = testpmd('t', s1, TX_MAC, 0, ['--forward-mode=txonly', '--txpkts=64']);
    await waitFor(`${p1} up`, () => up(p1));
    await waitFor(`${TX_MAC} learned on ${p1}`, async () => {
      const macs = JSON.parse(await d.ok('showmacs', BR, '--json')) as { portNo: number; mac: string; isLocal: boolean }[];
      const link = (await ports()).find((l) => l.ifname === p1);
      return macs.some((m) => m.mac === TX_MAC && !m.isLocal && m.portNo === link?.ifindex);
    });
    await sleep(1000);
    await stop(tx);
    await stop(rx);
    const sent = totals(tx);
    const got = totals(rx);
    process.stderr.write(`vhost-testpmd.test.ts: txonly sent ${sent.tx}, rxonly received ${got.rx} (64-byte frames through softbr)\n`);
    expect(sent.tx).toBeGreaterThan(10_000);
    expect(got.rx).toBeGreaterThan(10_000);
    // every frame rxonly counted came from txonly through softbr, and no more than were sent
    expect(got.rx).toBeLessThanOrEqual(sent.tx);
    await waitFor('both ports down after testpmd exits', async () => !(await up(p1)) && !(await up(p2)));
    expect(d.log).toMatch(new RegExp(`${p1}: features 0x1[46]0008000 \\(mergeable rx buffers`));
    await d.ok('delif', BR, p1, p2);
    expect(existsSync(s1) || existsSync(s2)).toBe(false);
  }, 60_000);
});
