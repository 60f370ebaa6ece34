// A trunk between two softbr bridges carrying VLANs 10 and 20 tagged, hosts in namespaces on
// access ports on both sides: same-VLAN hosts ping, cross-VLAN hosts do not, tcpdump -e on the
// trunk sees the 802.1Q tags and on an access port sees none, and `vlan show` lists the set-up.
// (This kernel has neither 8021q nor bridge VLAN filtering, so no kernel peer can tag here: the
// far side of the trunk is a second softbr bridge; see test/fixtures/reference/README.md.
// test/e2e/vlan-ovs.test.ts trunks softbr to an independent peer that tags: Open vSwitch.)
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/is-root.js';
import { SoftbrDaemon } from '../helpers/softbr.js';

const root = isRoot();
const lab = new Lab('vl');
const NET = '10.214.0';

describe.skipIf(!root)('802.1Q trunk between two softbr bridges, access hosts in namespaces', () => {
  const d = new SoftbrDaemon(lab.prefix);
  let sw = '';
  const BA = lab.name('A');
  const BB = lab.name('B');
  // host → [namespace, bridge-side veth, address]
  const hosts: Record<string, { ns: string; port: string; ip: string }> = {};
  let trunkA = '';
  let trunkB = '';

  beforeAll(async () => {
    sw = await lab.addNamespace('sw');
    await d.start({ wrap: ['ip', 'netns', 'exec', sw] });
    await d.ok('addbr', BA, '--no-local');
    await d.ok('addbr', BB, '--no-local');
    const t = await lab.addVeth('ta', 'tb', { nsA: sw, nsB: sw, up: true });
    trunkA = t.a;
    trunkB = t.b;
    await d.ok('addif', BA, trunkA);
    await d.ok('addif', BB, trunkB);
    let n = 1;
    for (const [h, br, vid] of [['a10', BA, 10], ['a20', BA, 20], ['b10', BB, 10], ['b20', BB, 20]] as const) {
      const ns = await lab.addNamespace(h);
      const v = await lab.addVeth(`${h}p`, `${h}h`, { nsA: sw, up: true });
      await lab.plug(v.b, ns, { rename: 'eth0', cidr: `${NET}.${n}/24` });
      await d.ok('addif', br, v.a);
      await d.ok('vlan', 'add', 'dev', v.a, 'vid', String(vid), 'pvid', 'untagged');
      await d.ok('vlan', 'del', 'dev', v.a, 'vid', '1');
      hosts[h] = { ns, port: v.a, ip: `${NET}.${n}` };
      n++;
    }
    for (const tr of [trunkA, trunkB]) {
      await d.ok('vlan', 'add', 'dev', tr, 'vid', '10');
      await d.ok('vlan', 'add', 'dev', tr, 'vid', '20');
      await d.ok('vlan', 'del', 'dev', tr, 'vid', '1');
    }
    await d.ok('vlan', 'filtering', BA, 'on');
    await d.ok('vlan', 'filtering', BB, 'on');
  }, 60_000);

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
    expect(await lab.leftovers()).toEqual({ namespaces: [], links: [] });
  });

  const ping = (from: string, to: string, n = 2) =>
    lab.exec(hosts[from]!.ns, 'ping', ['-c', String(n), '-i', '0.2', '-W', '1', hosts[to]!.ip], { allowFail: true });

  it('vlan show lists both bridges\' ports as bridge vlan show would', async () => {
    const pad = (s: string) => s.padEnd(16) + '  ';
    const acc = (p: string, vid: number) => `${pad(p)}${vid} PVID Egress Untagged\n`;
    const trunk = (p: string) => `${pad(p)}10\n${' '.repeat(18)}20\n`;
    expect(await d.ok('vlan', 'show')).toBe(
      `port              vlan-id  \n${trunk(trunkA)}${acc(hosts['a10']!.port, 10)}${acc(hosts['a20']!.port, 20)}`
      + `${trunk(trunkB)}${acc(hosts['b10']!.port, 10)}${acc(hosts['b20']!.port, 20)}`);
    expect(JSON.parse(await d.ok('vlan', 'show', 'dev', trunkA, '-j'))).toEqual([{ ifname: trunkA, vlans: [{ vlan: 10 }, { vlan: 20 }] }]);
  });

  it('same-VLAN hosts ping across the trunk, tagged on it and untagged on the access ports', async () => {
    const trunkDump = lab.spawn(sw, 'tcpdump', ['-i', trunkA, '-n', '-e', '-l', '-p', 'icmp or arp or (vlan and (icmp or arp))']);
    const accessDump = lab.spawn(hosts['b10']!.ns, 'tcpdump', ['-i', 'eth0', '-n', '-e', '-l', '-p', 'icmp']);
    let trunkOut = '';
    let accessOut = '';
    trunkDump.stdout!.on('data', (c) => { trunkOut += c; });
    accessDump.stdout!.on('data', (c) => { accessOut += c; });
    // tcpdump says "listening on" on stderr once it captures
    await Promise.all([trunkDump, accessDump].map((p) => new Promise<void>((r) => {
      let e = '';
      p.stderr!.on('data', (c) => { e += c; if (e.includes('listening on')) r(); });
    })));
    expect((await ping('a10', 'b10')).code).toBe(0);
    expect((await ping('a20', 'b20')).code).toBe(0);
    // wait until the dumps have printed what crossed (not a fixed sleep)
    const echoes = (out: string) => out.split('\n').filter((l) => l.includes('ICMP echo')).length;
    for (let i = 0; i < 50 && !(echoes(trunkOut) >= 8 && echoes(accessOut) >= 4); i++) await new Promise((r) => setTimeout(r, 100));
    await lab.kill(trunkDump);
    await lab.kill(accessDump);
    const lines = trunkOut.split('\n').filter((l) => l.includes('ICMP echo'));
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const l of lines) {
      expect(l).toMatch(/ethertype 802\.1Q \(0x8100\), length \d+: vlan (10|20), p 0, ethertype IPv4/);
      const vid = /vlan (\d+)/.exec(l)![1];
      // each VLAN carries only its own hosts' pings
      if (vid === '10') expect(l).toMatch(new RegExp(`${hosts['a10']!.ip.replace(/\./g, '\\.')} > ${hosts['b10']!.ip.replace(/\./g, '\\.')}|${hosts['b10']!.ip.replace(/\./g, '\\.')} > ${hosts['a10']!.ip.replace(/\./g, '\\.')}`));
      else expect(l).toMatch(new RegExp(`${hosts['a20']!.ip.replace(/\./g, '\\.')} > |${hosts['b20']!.ip.replace(/\./g, '\\.')} > `));
    }
    const acc = accessOut.split('\n').filter((l) => l.includes('ICMP echo'));
    expect(acc.length).toBeGreaterThanOrEqual(4);
    for (const l of acc) expect(l).toMatch(/ethertype IPv4 \(0x0800\)/);
  }, 30_000);

  it('hosts in different VLANs do not reach each other, on the same bridge or across the trunk', async () => {
    expect((await ping('a10', 'b20', 2)).code).not.toBe(0);
    expect((await ping('a10', 'a20', 2)).code).not.toBe(0);
    expect((await ping('b20', 'a10', 2)).code).not.toBe(0);
    // and VLAN 10 still works afterwards
    expect((await ping('b10', 'a10', 1)).code).toBe(0);
  }, 30_000);

  it('a port taken out of VLAN 10 on the trunk cuts VLAN 10 only; the others keep going', async () => {
    await d.ok('vlan', 'del', 'dev', trunkB, 'vid', '10');
    expect((await ping('a10', 'b10', 2)).code).not.toBe(0);
    expect((await ping('a20', 'b20', 1)).code).toBe(0);
    expect(await d.ok('vlan', 'show', 'dev', trunkB)).toBe(`port              vlan-id  \n${trunkB.padEnd(16)}  20\n`);
    await d.ok('vlan', 'add', 'dev', trunkB, 'vid', '10');
    expect((await ping('a10', 'b10', 2)).code).toBe(0);
  }, 30_000);

  it('bad VLAN input is refused with a clear message and changes nothing', async () => {
    const r = await d.cli('vlan', 'add', 'dev', trunkA, 'vid', '5000');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('vlan id');
    const r2 = await d.cli('vlan', 'del', 'dev', trunkA, 'vid', '30');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('not a member of VLAN 30');
    const r3 = await d.cli('vlan', 'add', 'dev', 'nope', 'vid', '10');
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('nope is not a port');
    expect(JSON.parse(await d.ok('vlan', 'show', 'dev', trunkA, '-j'))).toEqual([{ ifname: trunkA, vlans: [{ vlan: 10 }, { vlan: 20 }] }]);
  });
});
