// IGMP snooping on a real daemon: a sender and three hosts in namespaces on softbr TAPs. One host
// joins 239.1.1.1 (`ip addr add … autojoin`, the kernel's own IGMP join); with snooping and the
// bridge as querier, tcpdump on each host counts the sender's datagrams: the member gets every
// one, the other two none. After the member leaves (its kernel sends the leave, the bridge asks
// with a group query and ends the membership after the last-member grace) nobody gets them.
// With snooping off, all three get them (the contrast that shows the snooping did it).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SoftbrDaemon, tapHosts, type TapHost } from '../helpers/softbr.js';
import { startDump } from '../helpers/tcpdump.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import type { MdbView } from '../../src/control/wire-types.js';

const root = isRoot();
const lab = new Lab('pg');
const P = lab.prefix;
const BR = `${P}br`;
const NET = '10.217.0';
const GROUP = '239.1.1.1';
const N = 20;

type Host = TapHost;

const SENDER = (src: string, n: number) => `
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('${src}'))
for i in range(${n}):
    s.sendto(b'softbr-snoop-%03d' % i, ('${GROUP}', 5000))
    time.sleep(0.03)
`;

const dump = (ns: string) => startDump(lab, ns, ['-p', `udp and dst host ${GROUP}`]);

describe.skipIf(!root)('IGMP snooping: only the member of 239.1.1.1 receives the group', () => {
  const d = new SoftbrDaemon(P);
  const hosts: Host[] = [];
  let sender: Host;

  beforeAll(async () => {
    await d.start();
    await d.ok('addbr', BR, '--no-local');
    hosts.push(...await tapHosts(d, lab, BR, NET, 4));
    sender = hosts.pop()!;
  }, 60_000);

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
    expect(await lab.leftovers()).toEqual({ namespaces: [], links: [] });
  });

  /** Datagrams each receiver's tcpdump saw while the sender sent n. */
  async function send(n = N): Promise<number[]> {
    const dumps = await Promise.all(hosts.map((h) => dump(h.ns)));
    const r = await lab.exec(sender.ns, 'python3', ['-c', SENDER(sender.ip, n)]);
    expect(r.code, r.stderr).toBe(0);
    await new Promise((res) => setTimeout(res, 500));
    for (const t of dumps) await lab.kill(t.proc);
    return dumps.map((t) => t.out().split('\n').filter((l) => l.includes(`> ${GROUP}.5000`)).length);
  }

  const mdb = async () => JSON.parse(await d.ok('mdb', 'show', BR, '-j')) as { mdb: { port: string; grp: string }[] }[];
  async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) { if (await cond()) return true; await new Promise((r) => setTimeout(r, 200)); }
    return cond();
  }

  it('snooping off: all three hosts get the group (flooded like any multicast)', async () => {
    expect(await send()).toEqual([N, N, N]);
  }, 30_000);

  it('snooping on with the bridge as querier: the member gets every datagram, the other two none', async () => {
    const [h1] = hosts as [Host];
    await d.ok('mcast_snooping', BR, 'on');
    await d.ok('mcast_querier', BR, 'on');
    await lab.exec(h1.ns, 'ip', ['addr', 'add', `${GROUP}/32`, 'dev', 'eth0', 'autojoin']);
    expect(await until(async () => (await mdb()).some((b) => b.mdb.some((e) => e.grp === GROUP)), 10_000)).toBe(true);
    expect(await d.ok('mdb', 'show')).toBe(`dev ${BR} port ${h1.tap} grp ${GROUP} temp\n`);
    const s = await d.ok('mdb', 'show', BR, '-s');
    expect(s).toMatch(new RegExp(`^dev ${BR} port ${h1.tap} grp ${GROUP.replace(/\./g, '\\.')} temp  2[0-9]{2}\\.[0-9]{2}\\n$`));
    const got = await send();
    expect(got).toEqual([N, 0, 0]);
    console.log(`snooping on: member received ${got[0]}/${N}, non-members ${got[1]} and ${got[2]}\n${await d.ok('mdb', 'show', BR, '-s', '-d')}`);
  }, 40_000);

  it('after the member leaves, the membership ends (last-member grace) and nobody gets the group', async () => {
    const [h1] = hosts as [Host];
    await lab.exec(h1.ns, 'ip', ['addr', 'del', `${GROUP}/32`, 'dev', 'eth0']);
    const t0 = Date.now();
    expect(await until(async () => (await mdb()).every((b) => b.mdb.length === 0), 10_000)).toBe(true);
    const gone = Date.now() - t0;
    expect(await d.ok('mdb', 'show')).toBe('');
    const got = await send();
    expect(got).toEqual([0, 0, 0]);
    console.log(`after leave: membership gone in ${gone} ms; datagrams received ${got.join(', ')} of ${N}`);
  }, 40_000);

  it('bad arguments are refused with what is allowed', async () => {
    const r = await d.cli('mcast_router', BR, hosts[0]!.tap, '3');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid mcast_router '3': expected an integer from 0 to 2/);
    const s = await d.cli('mcast_snooping', BR, 'maybe');
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/invalid mcast_snooping 'maybe': expected on or off/);
  }, 15_000);
});
