// End-to-end: `addif BR eth0 --take-address` moves a host's uplink addresses and routes to the
// bridge's host port and back, while a "router" on the other end of the link keeps pinging the
// address. Everything runs inside namespaces this file creates: the daemon itself runs in the
// "host" namespace (its host port TAP is made there), where eth0 is one end of a veth pair.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';

const root = isRoot();
const lab = new Lab('ta');
const P = lab.prefix;
const BR = `${P}br`;
const HOST = '10.209.0.2';
const ROUTER = '10.209.0.1';
const FAR = '10.209.9.0/24'; // reached through the router: a route that must move too
const SECOND = '10.209.5.2/24';
const V6 = 'fd00:209::2/64';

describe.skipIf(!root)('addif --take-address: the uplink moves to the bridge and back', () => {
  const d = new SoftbrDaemon(P);
  let host = '';
  let router = '';
  const inHost = (...args: string[]) => lab.ip('-n', host, ...args);
  const addrs = async (dev: string) => (await inHost('-o', 'addr', 'show', 'dev', dev, 'scope', 'global')).split('\n').filter(Boolean).map((l) => l.split(/\s+/)[3]).sort();
  const routeDev = async (dst: string) => / dev (\S+)/.exec(await inHost('route', 'show', dst))?.[1];

  beforeAll(async () => {
    host = await lab.addNamespace('h', { ipv6: true });
    router = await lab.addNamespace('r');
    const v = await lab.addVeth('h0', 'r0');
    await lab.plug(v.a, host, { rename: 'eth0', cidr: `${HOST}/24` });
    await inHost('addr', 'add', SECOND, 'dev', 'eth0');
    await inHost('addr', 'add', V6, 'dev', 'eth0', 'nodad');
    await lab.plug(v.b, router, { cidr: `${ROUTER}/24` });
    await inHost('route', 'add', FAR, 'via', ROUTER, 'dev', 'eth0');
    await d.start({ wrap: ['ip', 'netns', 'exec', host] });
    await d.ok('addbr', BR);
  });

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
  });

  it('refuses when a step fails part way and leaves eth0 as it was', async () => {
    // the host port already holds eth0's IPv6 address: the last address step fails, after the
    // IPv4 addresses and the route have moved, so every earlier step has to be undone
    await inHost('addr', 'add', V6, 'dev', BR, 'nodad');
    const before = { eth0: await addrs('eth0'), route: await routeDev(FAR) };
    const r = await d.cli('addif', BR, 'eth0', '--take-address');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('eth0 has its addresses and routes back');
    expect(await addrs('eth0')).toEqual(before.eth0);
    expect(before.eth0).toEqual([`${HOST}/24`, SECOND, V6].sort());
    expect(await routeDev(FAR)).toBe('eth0');
    expect(await addrs(BR)).toEqual([V6]);
    expect(await d.ok('show', BR)).not.toContain('eth0');
    await inHost('addr', 'del', V6, 'dev', BR);
  });

  it('moves addresses and routes to the host port and back while the router keeps pinging', async () => {
    const ping: ChildProcess = lab.spawn(router, 'ping', ['-i', '0.05', '-W', '1', HOST]);
    let out = '';
    ping.stdout!.on('data', (b) => { out += b; });
    const replies = () => (out.match(/bytes from/g) ?? []).length;
    const waitReplies = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while (replies() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(replies()).toBeGreaterThanOrEqual(n);
    };
    await waitReplies(10);

    await d.ok('addif', BR, 'eth0', '--take-address');
    expect(await addrs(BR)).toEqual([`${HOST}/24`, SECOND, V6].sort());
    expect(await addrs('eth0')).toEqual([]);
    expect(await routeDev(FAR)).toBe(BR);
    expect(await d.ok('config', 'show')).toMatch(/- name: eth0\n\s+takeAddress: true/);
    // replies now come through the bridge: the router's frames reach the host port via eth0
    const atMove = replies();
    await waitReplies(atMove + 20);
    expect((await d.ok('showmacs', BR))).toMatch(/\n\s+1\s+[0-9a-f:]{17}\s+no/);

    await d.ok('delif', BR, 'eth0');
    expect(await addrs('eth0')).toEqual([`${HOST}/24`, SECOND, V6].sort());
    expect(await addrs(BR)).toEqual([]);
    expect(await routeDev(FAR)).toBe('eth0');
    const atBack = replies();
    await waitReplies(atBack + 10);

    await lab.kill(ping, 'SIGINT');
    const stats = /(\d+) packets transmitted, (\d+) received/.exec(out);
    expect(stats, out.slice(-300)).not.toBeNull();
    const seqs = new Set([...out.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1])));
    const sent = Number(stats![1]);
    const missing = [...Array(sent).keys()].map((i) => i + 1).filter((i) => !seqs.has(i));
    // at 20 pings a second, "a few" lost: the router's ARP entry is corrected by a gratuitous ARP
    expect(sent - Number(stats![2]), `lost icmp_seq ${missing.join(',')}; moved after ${atMove} replies, back after ${atBack}`).toBeLessThanOrEqual(3);
  });

  it('stopping the daemon gives the addresses back before the host port goes', async () => {
    await d.ok('addif', BR, 'eth0', '--take-address');
    expect(await addrs('eth0')).toEqual([]);
    expect(await d.stop()).toBe(0);
    expect(await addrs('eth0')).toEqual([`${HOST}/24`, SECOND, V6].sort());
    expect(await routeDev(FAR)).toBe('eth0');
    // reachable again once the router hears eth0's gratuitous ARP (sent as the daemon exits;
    // under load that takes a moment, so wait for it rather than for a fixed time)
    const r = await lab.exec(router, 'ping', ['-c', '1', '-w', '10', HOST], { allowFail: true });
    expect(r.code, r.stdout).toBe(0);
  });
});
