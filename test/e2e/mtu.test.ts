// End-to-end: jumbo frames. Hosts in namespaces on MTU-9000 TAP ports (and a veth attached by
// name over AF_PACKET, whose MTU comes from the device) ping each other with
// 8000-byte unfragmentable packets, also across a stream port (one softbr bridge connected to
// another over a unix socket, softbr listening on one end and connecting on the other); the
// bridge's host port takes the smallest MTU of its ports, as a kernel bridge does; and a jumbo
// frame towards an MTU-1500 port is dropped and counted, never truncated.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { freePort, parseExposition } from '../helpers/prom.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';

const root = isRoot();
const lab = new Lab('mt');
const P = lab.prefix;
const BR = `${P}b1`;
const BR2 = `${P}b2`;
const NET = '10.213.0';

interface Host { ns: string; ip: string; tap: string }


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!root)('jumbo frames and MTU', () => {
  const d = new SoftbrDaemon(P);
  let metricsUrl = '';
  const hosts: Record<string, Host> = {};

  const hostMtu = async (dev: string, ns?: string) => {
    const r = await sh('ip', [...(ns ? ['-n', ns] : []), '-o', 'link', 'show', dev]);
    return Number(/ mtu (\d+) /.exec(r.stdout)![1]);
  };
  const linkMtu = async () => Object.fromEntries((JSON.parse(await d.ok('link', 'show', '--json')) as { ifname: string; mtu: number }[]).map((l) => [l.ifname, l.mtu]));
  const drops = async (port: string, reason: string) => parseExposition(await (await fetch(metricsUrl)).text())
    .get(`softbr_port_drops_total{bridge="${BR}",port="${port}",reason="${reason}"}`) ?? 0;

  async function host(key: string, bridge: string, spec: (tap: string) => string, i: number): Promise<Host> {
    const tap = lab.name(key);
    await d.ok('addif', bridge, spec(tap));
    const ns = await lab.addNamespace(key);
    await lab.plug(tap, ns, { rename: 'eth0', cidr: `${NET}.${i}/24` });
    await lab.exec(ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1'], { allowFail: true });
    const h = { ns, ip: `${NET}.${i}`, tap };
    hosts[key] = h;
    return h;
  }

  /** `ping -M do`: the kernel may not fragment, so a packet too big for a hop is lost, not split. */
  const ping = (from: Host, to: Host, size: number) =>
    lab.exec(from.ns, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', '-M', 'do', '-s', String(size), to.ip], { allowFail: true });

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    await d.start({ args: ['--metrics', `127.0.0.1:${port}`] });
    await d.ok('addbr', BR);
    // no ports yet: the host port has the Ethernet default, as a new kernel bridge
    expect(await hostMtu(BR)).toBe(1500);
    await host('a', BR, (t) => `tap:${t},mtu=9000`, 1);
    await host('b', BR, (t) => `tap:${t},mtu=9000`, 2);
  });

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
  });

  it('two hosts on MTU-9000 TAP ports: 8000-byte packets pass whole; the bridge MTU is 9000', async () => {
    expect(await hostMtu('eth0', hosts['a']!.ns)).toBe(9000);
    const r = await ping(hosts['a']!, hosts['b']!, 8000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('8008 bytes from');
    expect(await hostMtu(BR)).toBe(9000);
    expect(await linkMtu()).toMatchObject({ [hosts['a']!.tap]: 9000, [hosts['b']!.tap]: 9000 });
  });

  it('a veth attached by name (AF_PACKET) takes its MTU from the device: 9000, and jumbo packets pass', async () => {
    const ns = await lab.addNamespace('v');
    const { a } = await lab.addVeth('v0', 'v1', { nsB: ns });
    await sh('ip', ['link', 'set', a, 'mtu', '9000', 'up']);
    await lab.ip('-n', ns, 'link', 'set', lab.name('v1'), 'mtu', '9000');
    await lab.exec(ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1'], { allowFail: true });
    await lab.addrUp(ns, lab.name('v1'), `${NET}.4/24`);
    await d.ok('addif', BR, a);
    expect((await linkMtu())[a]).toBe(9000);
    const v: Host = { ns, ip: `${NET}.4`, tap: a };
    const r = await ping(hosts['a']!, v, 8000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('8008 bytes from');
    await d.ok('delif', BR, a);
  });

  it('across a stream port (softbr listens on one bridge, connects from another): 8000-byte packets pass whole', async () => {
    const path = join(d.dir, 'jumbo.sock');
    await d.ok('addif', BR, `stream:${lab.name('sl')}=${path},mtu=65535`);
    await d.ok('addbr', BR2, '--no-local');
    await d.ok('addif', BR2, `stream:${lab.name('sc')}=connect:${path},mtu=65535`);
    const c = await host('c', BR2, (t) => `tap:${t},mtu=9000`, 3);
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = await ping(hosts['a']!, c, 8000);
      if (r.code === 0) {
        expect(r.stdout).toContain('8008 bytes from');
        break;
      }
      if (Date.now() > deadline) throw new Error(`no jumbo ping across the stream port: ${r.stdout}${r.stderr}\n${d.log.slice(-800)}`);
      await sleep(200);
    }
    expect(d.log).toContain(`${lab.name('sc')}: connected to the guest at ${path}`);
    // a stream port carries up to 65535; the bridge keeps the smallest of its ports, 9000
    expect((await linkMtu())[lab.name('sl')]).toBe(65535);
    expect(await hostMtu(BR)).toBe(9000);
  });

  it('an MTU-1500 port lowers the bridge MTU, and a 9000-byte frame towards it is dropped and counted', async () => {
    const e = await host('e', BR, (t) => `tap:${t}`, 5);
    expect((await linkMtu())[e.tap]).toBe(1500);
    expect(await hostMtu(BR)).toBe(1500);
    // small frames pass (and teach the bridge where e is)
    const small = await ping(hosts['a']!, e, 56);
    expect(small.code, small.stdout + small.stderr).toBe(0);
    const before = await drops(e.tap, 'tx_error');
    const rxBefore = (await lab.exec(e.ns, 'cat', ['/sys/class/net/eth0/statistics/rx_bytes'])).stdout.trim();
    // 8972 bytes of ICMP data: a 9000-byte IP packet, a 9014-byte frame
    const big = await ping(hosts['a']!, e, 8972);
    expect(big.code).not.toBe(0);
    expect(await drops(e.tap, 'tx_error')).toBe(before + 2);
    // nothing of it reached e, not even a truncated piece
    const rxAfter = (await lab.exec(e.ns, 'cat', ['/sys/class/net/eth0/statistics/rx_bytes'])).stdout.trim();
    expect(Number(rxAfter) - Number(rxBefore)).toBeLessThan(1500);
    // removing the small port brings the bridge back to 9000
    await d.ok('delif', BR, e.tap);
    expect(await hostMtu(BR)).toBe(9000);
  });
});
