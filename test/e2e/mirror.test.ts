// Port mirroring on a real daemon: three namespaced hosts on softbr TAPs; the third's TAP is the
// analyser. tcpdump on the analyser host counts the echo requests and replies of N pings between
// the other two: both directions with --direction both (copies seen = frames sent), only the
// requests with --direction in on the pinger's port, and the analyser host itself reaches nobody
// while it is one (a SPAN destination takes no part in forwarding). Quiet hosts (no IPv6, static
// ARP, no host port) keep the counts exact.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SoftbrDaemon, tapHosts, type TapHost } from '../helpers/softbr.js';
import { startDump } from '../helpers/tcpdump.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import type { MirrorRow } from '../../src/control/wire-types.js';

const root = isRoot();
const lab = new Lab('pm');
const P = lab.prefix;
const BR = `${P}br`;
const NET = '10.216.0';

type Host = TapHost;

/** tcpdump on the analyser host's NIC (promiscuous: the copies are addressed to others), ICMP only. */
const dump = (ns: string) => startDump(lab, ns, ['icmp']);

const count = (out: string, what: string) => out.split('\n').filter((l) => l.includes(what)).length;

describe.skipIf(!root)('port mirroring: tcpdump on the analyser TAP sees the mirrored ping', () => {
  const d = new SoftbrDaemon(P);
  const hosts: Host[] = [];
  const N = 10;

  beforeAll(async () => {
    await d.start();
    await d.ok('addbr', BR, '--no-local');
    hosts.push(...await tapHosts(d, lab, BR, NET, 3));
    for (const a of hosts) {
      for (const b of hosts) {
        if (a !== b) await lab.exec(a.ns, 'ip', ['neigh', 'replace', b.ip, 'lladdr', b.mac, 'dev', 'eth0', 'nud', 'permanent']);
      }
    }
  }, 60_000);

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
    expect(await lab.leftovers()).toEqual({ namespaces: [], links: [] });
  });

  const ping = (from: Host, to: Host, n: number) => lab.exec(from.ns, 'ping', ['-c', String(n), '-i', '0.2', '-W', '1', '-q', to.ip], { allowFail: true });

  async function mirroredPing(): Promise<{ requests: number; replies: number; out: string }> {
    const [h1, h2, h3] = hosts as [Host, Host, Host];
    const t = await dump(h3.ns);
    const r = await ping(h1, h2, N);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // until tcpdump has printed what it will (bounded; the count is checked below)
    for (let i = 0; i < 30 && count(t.out(), 'ICMP echo') < 2 * N; i++) await new Promise((res) => setTimeout(res, 100));
    await new Promise((res) => setTimeout(res, 300));
    await lab.kill(t.proc);
    return { requests: count(t.out(), 'ICMP echo request'), replies: count(t.out(), 'ICMP echo reply'), out: t.out() };
  }

  it('--direction both on the pinger\'s port: every request and every reply reaches the analyser', async () => {
    const [h1, , h3] = hosts as [Host, Host, Host];
    await d.ok('mirror', 'add', BR, 'span0', '--from', h1.tap, '--to', h3.tap);
    const got = await mirroredPing();
    expect({ requests: got.requests, replies: got.replies }, got.out).toEqual({ requests: N, replies: N });
    const rows = JSON.parse(await d.ok('mirror', 'show', BR, '--json')) as MirrorRow[];
    expect(rows).toEqual([{ bridge: BR, name: 'span0', from: [h1.tap], direction: 'both', to: h3.tap, copies: 2 * N, dropped: 0 }]);
    const text = await d.ok('mirror', 'show');
    expect(text.split('\n')[0]).toMatch(/^bridge\s+mirror\s+direction\s+from\s+to\s+copies\s+dropped$/);
    expect(text).toContain(`span0   both       ${h1.tap}`);
    console.log(`mirror completeness, direction both: ${got.requests + got.replies} copies seen by tcpdump / ${2 * N} frames sent\n${text}`);
  }, 30_000);

  it('the analyser host reaches nobody while it is one (its frames are counted, not forwarded)', async () => {
    const [h1, , h3] = hosts as [Host, Host, Host];
    expect((await ping(h3, h1, 2)).code).not.toBe(0);
  }, 15_000);

  it('--direction in on the pinger\'s port: only the requests', async () => {
    const [h1, , h3] = hosts as [Host, Host, Host];
    await d.ok('mirror', 'del', BR, 'span0');
    await d.ok('mirror', 'add', BR, 'rx', '--from', h1.tap, '--direction', 'in', '--to', h3.tap);
    const got = await mirroredPing();
    expect({ requests: got.requests, replies: got.replies }, got.out).toEqual({ requests: N, replies: 0 });
    console.log(`mirror completeness, direction in: ${got.requests} requests seen / ${N} sent, ${got.replies} replies`);
  }, 30_000);

  it('bad requests are refused with the reason; after mirror del the analyser host pings again', async () => {
    const [h1, h2, h3] = hosts as [Host, Host, Host];
    const bad = await d.cli('mirror', 'add', BR, 'x', '--from', h1.tap, '--direction', 'sideways', '--to', h3.tap);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid mirror direction 'sideways': expected in, out, both/);
    const loop = await d.cli('mirror', 'add', BR, 'x', '--from', h3.tap, '--to', h2.tap);
    expect(loop.code).toBe(2);
    expect(loop.stderr).toMatch(/analyser of mirror rx/);
    await d.ok('mirror', 'del', BR, 'rx');
    expect(await d.ok('mirror', 'show', BR, '--json')).toBe('[]\n');
    expect((await ping(h3, h1, 1)).code).toBe(0);
  }, 15_000);
});
