// An 802.1Q trunk between softbr and an independent VLAN implementation: Open vSwitch's userspace
// datapath (datapath_type=netdev, a private ovsdb-server + ovs-vswitchd in a namespace). This
// kernel has no bridge VLAN filtering and no 8021q, so OVS is the peer that tags and reads tags
// on its own. softbr has access ports on TAPs (hosts a10, a20 in namespaces) and a trunk veth
// tagged 10 and 20; the OVS bridge has the other end of the trunk (trunks=10,20) and access ports
// tag=10 and tag=20 (veths of type system) to hosts o10, o20.
//
//   a10 ─tap(pvid 10)─┐                              ┌─ tag=10 ─ o10
//                     softbr ══ trunk 10,20 ══ OVS br
//   a20 ─tap(pvid 20)─┘                              └─ tag=20 ─ o20
//
// Proves: same-VLAN hosts ping across the trunk, cross-VLAN hosts do not; tcpdump -e on the trunk
// sees the pings tagged 10 and 20, each VLAN with only its own hosts; softbr learns the OVS hosts'
// MACs on the trunk in their VLANs; `vlan show` prints what was configured.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab } from '../../src/lab/netns.js';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { startOvs, ovsMissing, endOvsTest, type Ovs } from '../helpers/ovs.js';
import { startDump } from '../helpers/tcpdump.js';

const missing = ovsMissing(['ethtool', 'tcpdump']);
const NET = '10.216.0';

describe.skipIf(missing !== '')(`802.1Q trunk between softbr and Open vSwitch (netdev datapath)${missing ? ` — skipped: ${missing}` : ''}`, () => {
  const lab = new Lab('ov');
  const d = new SoftbrDaemon(lab.prefix);
  const BR = lab.name('br');
  let sw = '';
  let O = '';
  let ovs: Ovs | undefined;
  let trunk = '';
  // host → namespace, the bridge-side port (softbr TAP or OVS port), address, VLAN
  const hosts: Record<string, { ns: string; port: string; ip: string; vid: number; mac: string }> = {};

  beforeAll(async () => {
    sw = await lab.addNamespace('sw');
    O = await lab.addNamespace('o');
    ovs = await startOvs(lab, O, { disableSystem: true });
    await ovs.vsctl('add-br', 'obr', '--', 'set', 'bridge', 'obr', 'datapath_type=netdev');
    await d.start({ wrap: ['ip', 'netns', 'exec', sw] });
    await d.ok('addbr', BR, '--no-local');
    // the trunk: veth sw ↔ O; OVS reads it with AF_PACKET, so no checksum left to offload
    const t = await lab.addVeth('tr', 'to', { nsA: sw, nsB: O, up: true });
    trunk = t.a;
    await lab.exec(sw, 'ethtool', ['-K', t.a, 'tx', 'off']);
    await lab.exec(O, 'ethtool', ['-K', t.b, 'tx', 'off']);
    await ovs.vsctl('add-port', 'obr', t.b, '--', 'set', 'port', t.b, 'vlan_mode=trunk', 'trunks=10,20');
    await d.ok('addif', BR, trunk);
    await d.ok('vlan', 'add', 'dev', trunk, 'vid', '10');
    await d.ok('vlan', 'add', 'dev', trunk, 'vid', '20');
    await d.ok('vlan', 'del', 'dev', trunk, 'vid', '1');
    let n = 1;
    // softbr's access hosts, on TAPs that move from sw into the host namespaces
    for (const [h, vid] of [['a10', 10], ['a20', 20]] as const) {
      const ns = await lab.addNamespace(h);
      const tap = lab.name(`t${vid}`);
      await d.ok('addif', BR, `tap:${tap}`);
      await d.ok('vlan', 'add', 'dev', tap, 'vid', String(vid), 'pvid', 'untagged');
      await d.ok('vlan', 'del', 'dev', tap, 'vid', '1');
      await lab.exec(sw, 'ip', ['link', 'set', tap, 'netns', ns]);
      await lab.ip('-n', ns, 'link', 'set', tap, 'name', 'eth0');
      await lab.addrUp(ns, 'eth0', `${NET}.${n}/24`);
      hosts[h] = { ns, port: tap, ip: `${NET}.${n}`, vid, mac: await lab.macOf(ns, 'eth0') };
      n++;
    }
    // OVS's access hosts, on veths: tag=VID ports of type system
    for (const [h, vid] of [['o10', 10], ['o20', 20]] as const) {
      const ns = await lab.addNamespace(h);
      const v = await lab.addVeth(`${h}p`, `${h}h`, { nsA: O, up: true });
      await lab.exec(O, 'ethtool', ['-K', v.a, 'tx', 'off']);
      await ovs.vsctl('add-port', 'obr', v.a, `tag=${vid}`);
      await lab.plug(v.b, ns, { rename: 'eth0', cidr: `${NET}.${n}/24` });
      await lab.exec(ns, 'ethtool', ['-K', 'eth0', 'tx', 'off']);
      hosts[h] = { ns, port: v.a, ip: `${NET}.${n}`, vid, mac: await lab.macOf(ns, 'eth0') };
      n++;
    }
    await d.ok('vlan', 'filtering', BR, 'on');
  }, 90_000);

  afterAll(async () => {
    expect(await endOvsTest(d, ovs, lab)).toEqual({ exitCode: 0, left: { namespaces: [], links: [] } });
  });

  const ping = (from: string, to: string, n = 2) =>
    lab.exec(hosts[from]!.ns, 'ping', ['-c', String(n), '-i', '0.2', '-W', '1', hosts[to]!.ip], { allowFail: true });

  it('vlan show prints the trunk and the access ports as configured', async () => {
    const pad = (s: string) => s.padEnd(16) + '  ';
    expect(await d.ok('vlan', 'show')).toBe('port              vlan-id  \n'
      + `${pad(trunk)}10\n${' '.repeat(18)}20\n`
      + `${pad(hosts['a10']!.port)}10 PVID Egress Untagged\n`
      + `${pad(hosts['a20']!.port)}20 PVID Egress Untagged\n`);
    expect(JSON.parse(await d.ok('vlan', 'show', '-j'))).toEqual([
      { ifname: trunk, vlans: [{ vlan: 10 }, { vlan: 20 }] },
      { ifname: hosts['a10']!.port, vlans: [{ vlan: 10, flags: ['PVID', 'Egress Untagged'] }] },
      { ifname: hosts['a20']!.port, vlans: [{ vlan: 20, flags: ['PVID', 'Egress Untagged'] }] },
    ]);
  });

  it('same-VLAN hosts ping across the trunk; on it tcpdump -e sees their frames tagged 10 and 20', async () => {
    const dump = await startDump(lab, sw, ['-e', '-p', 'icmp or arp or (vlan and (icmp or arp))'], trunk);
    // the first ping may go while OVS still sets up its flows: one retry, then it must work
    for (const [a, b] of [['a10', 'o10'], ['a20', 'o20']] as const) {
      let r = await ping(a, b, 3);
      if (r.code !== 0) r = await ping(a, b, 3);
      expect(r.code, r.stdout).toBe(0);
      const back = await ping(b, a, 2);
      expect(back.code, back.stdout).toBe(0);
    }
    const echoes = () => dump.out().split('\n').filter((l) => l.includes('ICMP echo'));
    for (let i = 0; i < 50 && echoes().length < 20; i++) await new Promise((r) => setTimeout(r, 100));
    await lab.kill(dump.proc);
    const lines = echoes();
    const byVid: Record<string, number> = {};
    const ipRe = (ip: string) => ip.replace(/\./g, '\\.');
    for (const l of lines) {
      expect(l).toMatch(/ethertype 802\.1Q \(0x8100\), length \d+: vlan (10|20), p 0, ethertype IPv4/);
      const vid = /vlan (\d+)/.exec(l)![1]!;
      byVid[vid] = (byVid[vid] ?? 0) + 1;
      // each VLAN carries only its own pair's pings
      const [x, y] = vid === '10' ? ['a10', 'o10'] : ['a20', 'o20'];
      expect(l).toMatch(new RegExp(`${ipRe(hosts[x]!.ip)} > ${ipRe(hosts[y]!.ip)}|${ipRe(hosts[y]!.ip)} > ${ipRe(hosts[x]!.ip)}`));
    }
    console.log(`[vlan-ovs] ICMP echo frames on the trunk by VLAN: ${JSON.stringify(byVid)}`);
    // at least 3 + 2 requests and as many replies per VLAN (more if the first ping was retried)
    expect(byVid['10']).toBeGreaterThanOrEqual(10);
    expect(byVid['20']).toBeGreaterThanOrEqual(10);
    // no untagged frame at all crossed the trunk
    expect(dump.out().split('\n').filter((l) => / > /.test(l) && !l.includes('802.1Q'))).toEqual([]);
  }, 60_000);

  it('softbr learns the OVS hosts behind the trunk in their VLANs (fdb show, showmacs)', async () => {
    const fdb = await d.ok('fdb', 'show');
    for (const h of ['o10', 'o20']) expect(fdb).toContain(`${hosts[h]!.mac} dev ${trunk} vlan ${hosts[h]!.vid} master ${BR} \n`);
    for (const h of ['a10', 'a20']) expect(fdb).toContain(`${hosts[h]!.mac} dev ${hosts[h]!.port} vlan ${hosts[h]!.vid} master ${BR} \n`);
    // and not in the other VLAN
    expect(fdb).not.toContain(`${hosts['o10']!.mac} dev ${trunk} vlan 20 `);
    expect(fdb).not.toContain(`${hosts['o20']!.mac} dev ${trunk} vlan 10 `);
    const rows = JSON.parse(await d.ok('fdb', 'show', '-j')) as { mac: string; ifname: string; vlan?: number }[];
    expect(rows.find((r) => r.mac === hosts['o10']!.mac)).toMatchObject({ ifname: trunk, vlan: 10 });
    expect(rows.find((r) => r.mac === hosts['o20']!.mac)).toMatchObject({ ifname: trunk, vlan: 20 });
    const macs = await d.ok('showmacs', BR);
    for (const h of ['o10', 'o20']) expect(macs).toMatch(new RegExp(`\\s1\\s+${hosts[h]!.mac}\\s+no\\s`));
    // OVS learned softbr's hosts on its trunk port in the same VLANs
    const ofdb = (await ovs!.appctl('fdb/show', 'obr')).stdout;
    for (const h of ['a10', 'a20']) expect(ofdb).toMatch(new RegExp(`\\s${hosts[h]!.vid}\\s+${hosts[h]!.mac}\\s`));
  });

  it('hosts in different VLANs do not reach each other across the trunk', async () => {
    expect((await ping('a10', 'o20')).code).not.toBe(0);
    expect((await ping('a20', 'o10')).code).not.toBe(0);
    expect((await ping('o10', 'a20')).code).not.toBe(0);
    expect((await ping('o20', 'a10')).code).not.toBe(0);
    expect((await ping('a10', 'a20')).code).not.toBe(0);
    // and the same-VLAN pairs still do
    expect((await ping('o10', 'a10', 1)).code).toBe(0);
    expect((await ping('o20', 'a20', 1)).code).toBe(0);
  }, 60_000);
});
