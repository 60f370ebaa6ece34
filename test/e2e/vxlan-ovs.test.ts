// VXLAN interop with Open vSwitch's userspace datapath: a softbr VTEP in one namespace and, in
// another, a private ovsdb-server + ovs-vswitchd (datapath_type=netdev, no kernel module) with a
// `type=vxlan` port (options:remote_ip, key 42). The userspace datapath routes its own tunnels:
// the underlay veth is a port of an OVS bridge that carries the underlay address, and
// `ovs-appctl ovs/route/add` points 10.200.0.0/24 at it. Hosts behind both ping each other, and
// softbr lists the OVS side's host behind OVS's VTEP address.
// One thing had to be found out: the netdev datapath reads the underlay with AF_PACKET and drops
// datagrams whose UDP checksum the sending veth left to offload (CHECKSUM_PARTIAL), so checksum
// offload is off on the two underlay veth ends (ethtool -K … tx off).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab } from '../../src/lab/netns.js';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { startOvs, ovsMissing, endOvsTest, type Ovs } from '../helpers/ovs.js';

const missing = ovsMissing(['ethtool']);

describe.skipIf(missing !== '')(`VXLAN: softbr and an Open vSwitch userspace VTEP${missing ? ` — skipped: ${missing}` : ''}`, () => {
  const lab = new Lab('xo');
  const d = new SoftbrDaemon(lab.prefix);
  let ovs: Ovs | undefined;
  let A = '';
  let O = '';
  const hA = { ns: '', dev: lab.name('ta') };
  const hO = { ns: '', dev: lab.name('ho') };

  beforeAll(async () => {
    A = await lab.addNamespace('A');
    O = await lab.addNamespace('O');
    hA.ns = await lab.addNamespace('ha');
    hO.ns = await lab.addNamespace('ho');
    const u = await lab.addVeth('ua', 'uo', { nsA: A, nsB: O, up: true });
    for (const [ns, dev] of [[A, u.a], [O, u.b]] as const) await lab.exec(ns, 'ethtool', ['-K', dev, 'tx', 'off']);
    await lab.addrUp(A, u.a, '10.200.0.1/24');
    ovs = await startOvs(lab, O, { disableSystem: true });
    const vsctl = ovs.vsctl;
    await vsctl('add-br', 'brphy', '--', 'set', 'bridge', 'brphy', 'datapath_type=netdev');
    await vsctl('add-port', 'brphy', u.b);
    await lab.addrUp(O, 'brphy', '10.200.0.3/24');
    await vsctl('add-br', 'brint', '--', 'set', 'bridge', 'brint', 'datapath_type=netdev');
    await vsctl('add-port', 'brint', 'vx0', '--', 'set', 'interface', 'vx0', 'type=vxlan', 'options:remote_ip=10.200.0.1', 'options:key=42', 'options:local_ip=10.200.0.3');
    const hv = await lab.addVeth('hb', 'hh', { nsA: O, up: true });
    await vsctl('add-port', 'brint', hv.a);
    await lab.plug(hv.b, hO.ns, { rename: hO.dev });
    await lab.ip('-n', hO.ns, 'link', 'set', hO.dev, 'mtu', '1450');
    await lab.ip('-n', hO.ns, 'addr', 'add', '10.0.42.3/24', 'dev', hO.dev);
    await ovs.appctl('ovs/route/add', '10.200.0.0/24', 'brphy');
    // softbr on A
    await d.start({ wrap: ['ip', 'netns', 'exec', A] });
    await d.ok('addbr', 'br0', '--no-local');
    await d.ok('addif', 'br0', 'vxlan:vx0=42@10.200.0.1,remote=10.200.0.3');
    await d.ok('addif', 'br0', `tap:${hA.dev}`);
    await lab.exec(A, 'ip', ['link', 'set', hA.dev, 'netns', hA.ns]);
    await lab.ip('-n', hA.ns, 'link', 'set', hA.dev, 'mtu', '1450');
    await lab.addrUp(hA.ns, hA.dev, '10.0.42.1/24');
  }, 90_000);

  afterAll(async () => {
    expect(await endOvsTest(d, ovs, lab)).toEqual({ exitCode: 0, left: { namespaces: [], links: [] } });
  });

  it('hosts behind softbr and behind OVS ping each other; softbr learns the OVS host behind 10.200.0.3', async () => {
    // the first ping may go while OVS still resolves the underlay neighbour
    let r = await lab.exec(hA.ns, 'ping', ['-c', '3', '-W', '2', '10.0.42.3'], { allowFail: true });
    if (r.code !== 0) r = await lab.exec(hA.ns, 'ping', ['-c', '3', '-W', '2', '10.0.42.3'], { allowFail: true });
    expect(r.stdout).toMatch(/[123] received/);
    const back = await lab.exec(hO.ns, 'ping', ['-c', '2', '-W', '2', '10.0.42.1'], { allowFail: true });
    expect(back.code, back.stdout).toBe(0);
    const mac = await lab.macOf(hO.ns, hO.dev);
    expect(await d.ok('fdb', 'show')).toContain(`${mac} dev vx0 dst 10.200.0.3 self \n`);
  });
});
