// MAC flooding through real TAPs: a host in a namespace sends 100,000 frames from random source
// MACs (a python raw socket) while two other hosts ping each other. The table stays at its limit
// (whole-table under refuse-new, and the per-port limit on the flooding port), the daemon's RSS
// stays bounded, the flood is counted as `limit` drops, and the two hosts keep talking.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab } from '../../src/lab/netns.js';
import { sh } from '../../src/lab/sh.js';
import { isRoot } from '../../src/is-root.js';
import { rssKiB } from '../helpers/process.js';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { freePort } from '../helpers/prom.js';

const root = isRoot();
const lab = new Lab('mf');
const P = lab.prefix;
const BR = `${P}b`;
const NET = '10.213.0';
const MAX = 1000;
const PER_PORT = 400;
const FLOOD = 100_000;

// random source MACs (locally administered unicast), broadcast destination, from eth0
const FLOODER = `
import os, socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
n = int(sys.argv[1])
rnd = os.urandom(5 * n)
body = b'\\x88\\xb5' + bytes(46)
for i in range(n):
    src = bytes([0x02]) + rnd[5 * i:5 * i + 5]
    s.send(b'\\xff' * 6 + src + body)
`;

describe.skipIf(!root)('MAC flood through real TAPs', () => {
  const d = new SoftbrDaemon(P);
  let metrics = '';
  const ns: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    metrics = `http://127.0.0.1:${port}/metrics`;
    const taps = [1, 2, 3].map((i) => lab.name(`t${i}`));
    await d.start({
      args: ['--metrics', `127.0.0.1:${port}`],
      config: `bridges:\n  ${BR}:\n    maxEntries: ${MAX}\n    limitPolicy: refuse-new\n    maxLearnedPerPort: ${PER_PORT}\n    ports:\n${taps.map((t) => `      - tap:${t}\n`).join('')}`,
    });
    for (let i = 1; i <= 3; i++) {
      const n = await lab.addNamespace(`h${i}`);
      await lab.plug(taps[i - 1]!, n, { rename: 'eth0', cidr: `${NET}.${i}/24` });
      ns.push(n);
    }
  }, 60_000);

  afterAll(async () => {
    await d.stop();
    await lab.cleanup();
  });

  const scrape = async (name: string) => {
    const text = await (await fetch(metrics)).text();
    let sum = 0;
    for (const l of text.split('\n')) if (l.startsWith(name)) sum += Number(l.split(' ').pop());
    return sum;
  };

  it('the table stays at its limits, memory stays bounded, and two hosts keep talking', async () => {
    // the two talkers are learned first (refuse-new keeps them)
    const warm = await lab.exec(ns[0]!, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', `${NET}.2`], { allowFail: true });
    expect(warm.code, warm.stdout).toBe(0);
    const rss0 = rssKiB(d.proc!.pid!);
    const pinging = lab.exec(ns[0]!, 'ping', ['-c', '200', '-i', '0.02', '-W', '1', '-q', `${NET}.2`], { allowFail: true });
    const flood = await lab.exec(ns[2]!, 'python3', ['-c', FLOODER, String(FLOOD)], { allowFail: true });
    expect(flood.code, flood.stderr).toBe(0);
    const ping = await pinging;
    const loss = Number(/(\d+(?:\.\d+)?)% packet loss/.exec(ping.stdout)?.[1] ?? 100);
    const rss1 = rssKiB(d.proc!.pid!);
    const t3 = lab.name('t3');
    const rxName = `softbr_port_rx_frames_total{bridge="${BR}",port="${t3}"}`;
    // the daemon may still be reading the TAP's queue: wait until its count stops moving
    let rx = -1;
    for (let i = 0; i < 50; i++) {
      const now = await scrape(rxName);
      if (now === rx) break;
      rx = now;
      await new Promise((r) => setTimeout(r, 100));
    }
    const entries = await scrape('softbr_fdb_entries');
    const limitDrops = await scrape(`softbr_port_drops_total{bridge="${BR}",port="${t3}",reason="limit"}`);
    // the TAP is h3's eth0: what it queued to softbr (tx_packets) and what its full queue dropped
    const stat = async (f: string) => Number((await lab.exec(ns[2]!, 'cat', [`/sys/class/net/eth0/statistics/${f}`])).stdout.trim());
    const queued = await stat('tx_packets');
    const kernelDropped = await stat('tx_dropped');
    console.log(`mac flood: ${FLOOD} random sources; queued to softbr ${queued}, dropped by the TAP queue ${kernelDropped}; softbr rx ${rx}, limit drops ${limitDrops}; fdb entries ${entries} (limit ${MAX}, per port ${PER_PORT}); RSS ${rss0} -> ${rss1} KiB; ping loss ${loss}%`);
    // every frame is accounted for: the kernel's queue dropped some, softbr read the rest
    expect(queued + kernelDropped).toBeGreaterThanOrEqual(FLOOD);
    expect(rx).toBe(queued);
    // learned: at most PER_PORT from the flooder plus the talkers (and the local port entries)
    expect(entries).toBeLessThanOrEqual(MAX + 4);
    expect(entries).toBeGreaterThanOrEqual(PER_PORT);
    // every flood frame beyond the per-port limit was dropped as `limit` (h3's own few frames, ND and such, may not be)
    expect(limitDrops).toBeGreaterThanOrEqual(Math.min(rx, FLOOD) - PER_PORT - 20);
    expect(rss1 - rss0).toBeLessThan(64 * 1024);
    expect(loss).toBeLessThan(1);
    // the talkers' entries survived
    const macs = await d.ok('showmacs', BR);
    const macOf = async (n: string) => (await lab.exec(n, 'cat', ['/sys/class/net/eth0/address'])).stdout.trim();
    expect(macs).toContain(await macOf(ns[0]!));
    expect(macs).toContain(await macOf(ns[1]!));
  }, 120_000);
});
