// Every netns example of examples/ through the real CLI (root): `softbr lab up`, the checks its
// README promises, `softbr lab down`, and nothing left behind (namespaces, links, processes,
// state). Also: a failing `up` undoes itself, `down` cleans up after a crashed daemon, and two
// labs run side by side. The labs' own objects carry the lab-file prefix `sby<daemon pid>`.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canUseNetns } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';
import { REPO, BIN } from '../helpers/softbr.js';
import { lab, labObjects, labOk, onLab, remains, state, until } from '../helpers/labs.js';
import type { LinkRow, MacRow } from '../../src/control/wire-types.js';

const usable = canUseNetns();
if (!usable) console.warn('lab examples e2e SKIPPED: needs root, /dev/net/tun and iproute2');

const ex = (name: string, file = 'lab.yaml') => join(REPO, 'examples', name, file);
const tmp = mkdtempSync(join(tmpdir(), 'softbr-labs-'));

/** up, body, down, and the proof that down left nothing; down also runs when the body failed. */
async function withLab(file: string, name: string, body: () => Promise<void>, upArgs: string[] = []): Promise<void> {
  await labOk('up', file, ...upArgs);
  const st = state(name);
  try {
    await body();
  } finally {
    await labOk('down', name);
  }
  expect(await remains(st)).toEqual([]);
}

const ping = async (name: string, host: string, ip: string) => (await lab('exec', name, host, '--', 'ping', '-c', '1', '-W', '2', ip)).code === 0;
const ports = async (name: string): Promise<LinkRow[]> => JSON.parse(await onLab(name, 'link', 'show', '-j')) as LinkRow[];
const macOf = async (name: string, host: string, dev: string) => (await labOk('exec', name, host, '--', 'cat', `/sys/class/net/${dev}/address`)).trim();

describe.skipIf(!usable)('lab examples (root)', () => {
  afterAll(async () => {
    // a test that failed between up and its own down: take every lab it may have left down
    for (const n of ['two-hosts', 'br-ex', 'runway', 'stp-loop', 'stp-loop-kernel', 'sbytest-a', 'sbytest-b', 'sbytest-fail']) await lab('down', n);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('two-hosts: ping, showmacs learns both hosts on their own ports, and the entries age out', async () => {
    await withLab(ex('two-hosts'), 'two-hosts', async () => {
      const st = state('two-hosts');
      expect(await ping('two-hosts', 'h1', '10.5.0.2')).toBe(true);
      const rows = JSON.parse(await onLab('two-hosts', 'showmacs', 'br0', '--json')) as MacRow[];
      const m1 = await macOf('two-hosts', 'h1', 'eth0');
      const m2 = await macOf('two-hosts', 'h2', 'eth0');
      const portOf = (end: string) => st.links.find((l) => l.ends.includes(end))!.ports[0]!.port;
      const no = async (port: string) => (await ports('two-hosts')).find((p) => p.ifname === port)!.ifindex;
      expect(rows.find((r) => r.mac === m1)).toMatchObject({ isLocal: false, portNo: await no(portOf('h1:eth0')) });
      expect(rows.find((r) => r.mac === m2)).toMatchObject({ isLocal: false, portNo: await no(portOf('h2:eth0')) });
      // `capture BR` without a port: every port, each line naming its port and direction
      const cap = spawn(process.execPath, [BIN, '--lab', 'two-hosts', 'capture', 'br0', '-c', '6'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let lines = '';
      let started = '';
      cap.stdout!.on('data', (d) => { lines += d; });
      cap.stderr!.on('data', (d) => { started += d; });
      const capDone = new Promise((r) => cap.once('exit', r));
      try {
        expect(await until(() => started.includes('every port'), 10_000)).toBe(true);
        await labOk('exec', 'two-hosts', 'h1', '--', 'ip', 'neigh', 'flush', 'all');
        expect(await ping('two-hosts', 'h1', '10.5.0.2')).toBe(true);
        expect(await until(() => lines.split('\n').length > 6, 5000)).toBe(true);
      } finally {
        if (cap.exitCode === null) cap.kill('SIGINT');
        await capDone;
      }
      const t0 = portOf('h1:eth0');
      const t1 = portOf('h2:eth0');
      const seq = lines.trim().split('\n').map((l) => { const w = l.split(' '); return `${w[1]} ${w[2] || w[3]} ${/ARP, (Request|Reply)|ICMP echo (request|reply)/.exec(l)?.[0]}`; });
      expect(seq).toEqual([
        `${t0} in ARP, Request`, `${t1} out ARP, Request`, `${t1} in ARP, Reply`, `${t0} out ARP, Reply`,
        `${t0} in ICMP echo request`, `${t1} out ICMP echo request`,
      ]);
      // and `-w -`: classic pcap on stdout, every port's frames in it, for tcpdump -r -
      const pc = spawn(process.execPath, [BIN, '--lab', 'two-hosts', 'capture', 'br0', '-c', '4', '-w', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let pcErr = '';
      pc.stdout!.on('data', (d: Buffer) => chunks.push(d));
      pc.stderr!.on('data', (d) => { pcErr += d; });
      const pcDone = new Promise((r) => pc.once('exit', r));
      try {
        expect(await until(() => pcErr.includes('every port'), 10_000)).toBe(true);
        expect(await ping('two-hosts', 'h1', '10.5.0.2')).toBe(true);
        expect(await until(() => pcErr.includes('captured'), 5000)).toBe(true);
      } finally {
        if (pc.exitCode === null) pc.kill('SIGINT');
        await pcDone;
      }
      const pcap = join(tmp, 'all-ports.pcap');
      writeFileSync(pcap, Buffer.concat(chunks));
      const read = await sh('tcpdump', ['-n', '-r', pcap]);
      // the echo request in on h1's port and out of h2's, then the reply the other way
      expect(read.stdout.trim().split('\n').map((l) => /ICMP echo (request|reply)/.exec(l)?.[0])).toEqual(['ICMP echo request', 'ICMP echo request', 'ICMP echo reply', 'ICMP echo reply']);
      await onLab('two-hosts', 'setageing', 'br0', '1');
      const aged = await until(async () => !(JSON.parse(await onLab('two-hosts', 'showmacs', 'br0', '--json')) as MacRow[]).some((r) => !r.isLocal), 5000);
      expect(aged).toBe(true);
    });
  });

  it('br-ex: the hypervisor\'s address is on br-ex; the router at 10.5.0.254 is the first hop to the host behind it', async () => {
    await withLab(ex('br-ex'), 'br-ex', async () => {
      const addr = await labOk('exec', 'br-ex', 'hypervisor', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'br-ex');
      expect(addr).toContain('10.5.0.196/24');
      expect(await ping('br-ex', 'hypervisor', '10.5.0.254')).toBe(true);
      expect(await ping('br-ex', 'hypervisor', '10.6.0.1')).toBe(true);
      const tr = await labOk('exec', 'br-ex', 'hypervisor', '--', 'traceroute', '-n', '-q', '1', '-w', '2', '10.6.0.1');
      const hops = tr.split('\n').filter((l) => /^\s*\d+\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
      expect(hops).toEqual(['10.5.0.254', '10.6.0.1']);
      const routerMac = await macOf('br-ex', 'router', 'eth0');
      const rows = JSON.parse(await onLab('br-ex', 'showmacs', 'br-ex', '--json')) as MacRow[];
      expect(rows.some((r) => r.mac === routerMac && !r.isLocal)).toBe(true);
    });
  });

  it('runway: only the front-end is reachable from outside (port-forward), the tiers get out through NAT and reach each other', async () => {
    await withLab(ex('runway'), 'runway', async () => {
      const page = await labOk('exec', 'runway', 'client', '--', 'wget', '-q', '-O', '-', '-T', '3', 'http://10.5.0.254/');
      expect(page).toBe('runway front-end\n');
      expect(await ping('runway', 'client', '192.168.100.20')).toBe(false);
      expect(await ping('runway', 'client', '192.168.100.10')).toBe(false);
      expect(await ping('runway', 'app', '192.168.100.30')).toBe(true);
      // outgoing NAT: the client sees the app's ping come from the router's outside address
      const dump = spawn(process.execPath, [BIN, 'lab', 'exec', 'runway', 'client', '--', 'tcpdump', '-n', '-l', '-c', '1', '-i', 'eth0', 'icmp[icmptype] == icmp-echo'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let seen = '';
      dump.stdout!.on('data', (d) => { seen += d; });
      let ready = '';
      dump.stderr!.on('data', (d) => { ready += d; });
      try {
        expect(await until(() => ready.includes('listening on'), 10_000)).toBe(true);
        expect(await ping('runway', 'app', '10.5.0.10')).toBe(true);
        expect(await until(() => seen.includes('>'), 5000)).toBe(true);
        expect(seen).toMatch(/10\.5\.0\.254 > 10\.5\.0\.10: ICMP echo request/);
      } finally {
        if (dump.exitCode === null) dump.kill('SIGKILL');
      }
    });
  });

  it('stp-loop: one port blocks the triangle; cutting a link on the tree unblocks it and h1 still reaches h3', async () => {
    await withLab(ex('stp-loop'), 'stp-loop', async () => {
      const st = state('stp-loop');
      const blocked = async () => (await ports('stp-loop')).filter((p) => p.state === 'blocking');
      const settled = async () => (await ports('stp-loop')).every((p) => p.state === 'forwarding' || p.state === 'blocking');
      expect(await until(async () => (await settled()) && (await blocked()).length === 1, 15_000)).toBe(true);
      const [b] = await blocked();
      expect(await ping('stp-loop', 'h1', '10.5.0.3')).toBe(true);
      // cut a triangle link that is not the blocked one: the blocked port must take over
      const other = st.links.find((l) => l.ports.length === 2 && !l.ports.some((p) => p.port === b!.ifname))!;
      await labOk('cut', 'stp-loop', ...other.ends);
      expect(await until(async () => (await ports('stp-loop')).find((p) => p.ifname === b!.ifname)?.state === 'forwarding', 20_000)).toBe(true);
      expect(await blocked()).toEqual([]);
      expect(await until(() => ping('stp-loop', 'h1', '10.5.0.3'), 5000)).toBe(true);
    }, ['--web', '127.0.0.1:0']);
  });

  it('stp-loop with a kernel bridge: softbr and the Linux bridge agree on one blocked port', async () => {
    await withLab(ex('stp-loop', 'kernel.yaml'), 'stp-loop-kernel', async () => {
      const kernelStates = async () => (await labOk('exec', 'stp-loop-kernel', 'kbr', '--', 'bridge', '-j', 'link', 'show')).trim();
      const all = async () => [
        ...(await ports('stp-loop-kernel')).map((p) => p.state),
        ...(JSON.parse(await kernelStates()) as { state: string }[]).map((p) => p.state),
      ];
      expect(await until(async () => {
        const s = await all();
        return s.every((x) => x === 'forwarding' || x === 'blocking') && s.filter((x) => x === 'blocking').length === 1;
      }, 20_000)).toBe(true);
      // the kernel bridge has the worst priority: the blocked port is one of its own
      expect((JSON.parse(await kernelStates()) as { state: string }[]).filter((p) => p.state === 'blocking')).toHaveLength(1);
      expect(await ping('stp-loop-kernel', 'h1', '10.5.0.2')).toBe(true);
    });
  });

  it('a failing up removes what it made and says which host and command failed', async () => {
    const before = await labObjects();
    const f = join(tmp, 'fail.yaml');
    writeFileSync(f, 'name: sbytest-fail\nbridges:\n  br0: {}\nhosts:\n  a:\n    interfaces:\n      eth0: 10.5.0.1/24\n  b:\n    run:\n      - "false"\nlinks:\n  - [br0, a:eth0]\n  - [br0, b:eth0]\n');
    const r = await lab('up', f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/host b: false/);
    expect((await lab('list', '--json')).stdout).not.toContain('sbytest-fail');
    expect(await labObjects()).toEqual(before);
  });

  it('two labs at once; down after a crashed daemon removes everything of that lab and nothing of the other', async () => {
    const file = (n: string, net: string) => {
      const f = join(tmp, `${n}.yaml`);
      writeFileSync(f, `name: ${n}\nbridges:\n  br0: {}\nhosts:\n  h1:\n    interfaces: { eth0: ${net}.1/24 }\n    start: [sleep 600]\n  h2:\n    interfaces: { eth0: ${net}.2/24 }\nlinks:\n  - [br0, h1:eth0]\n  - [br0, h2:eth0]\n`);
      return f;
    };
    await labOk('up', file('sbytest-a', '10.5.0'));
    await labOk('up', file('sbytest-b', '10.5.0'));
    const a = state('sbytest-a');
    const b = state('sbytest-b');
    expect(a.prefix).not.toBe(b.prefix);
    expect(await ping('sbytest-a', 'h1', '10.5.0.2')).toBe(true);
    expect(await ping('sbytest-b', 'h1', '10.5.0.2')).toBe(true);
    process.kill(a.daemonPid!, 'SIGKILL');
    expect(JSON.parse((await labOk('list', '--json'))).find((l: { name: string }) => l.name === 'sbytest-a').status).toBe('crashed');
    await labOk('down', 'sbytest-a');
    expect(await remains(a)).toEqual([]);
    expect(await ping('sbytest-b', 'h1', '10.5.0.2')).toBe(true);
    await labOk('down', file('sbytest-b', '10.5.0'));
    expect(await remains(b)).toEqual([]);
  });
});
