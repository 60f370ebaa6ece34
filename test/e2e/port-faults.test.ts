// Port faults under load, against real peers: while two hosts on TAPs ping each other every 10 ms,
// (1) the veth an AF_PACKET port reads is deleted and made again, (2) a stream-socket peer is
// killed and started again, (3) a stream-socket peer stops reading while broadcasts flood towards
// it, (4) the daemon is stopped while a host floods an AF_PACKET port, so the kernel drops on the
// socket's full queue (counted as no_buffer from PACKET_STATISTICS).
// Each time only that port goes down (or drops, counted as no_buffer), the pings between the
// other hosts go on without loss, the daemon's memory stays bounded, and the port comes back when
// its device or peer does. (A TAP whose namespace is deleted is test/e2e/daemon.test.ts's; a QEMU
// guest killed and restarted is test/e2e/qemu.test.ts's (b), (e) and (f).)
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { Lab } from '../../src/lab/netns.js';
import { sh } from '../../src/lab/sh.js';
import { isRoot } from '../../src/is-root.js';
import { rssKiB } from '../helpers/process.js';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { freePort, parseExposition } from '../helpers/prom.js';
import type { LinkRow } from '../../src/control/wire-types.js';
import type { ChildProcess } from 'node:child_process';

const root = isRoot();
const lab = new Lab('hf');
const P = lab.prefix;
const BR = `${P}b`;
const NET = '10.213.15';
const PEER_MAC = '02:13:15:00:00:77';

// a stream peer (4-byte big-endian length + frame): says hello with one broadcast, then either
// reads and counts the frames it gets ('read', the count printed to stdout every 0.5 s) or never
// reads again ('stall'), so that its socket buffer fills up
const PEER = `
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = b'\\xff' * 6 + bytes.fromhex(sys.argv[2].replace(':', '')) + b'\\x88\\xb5' + bytes(46)
s.sendall(struct.pack('>I', len(f)) + f)
if sys.argv[3] == 'stall':
    while True: time.sleep(1)
n = 0; last = time.monotonic()
while True:
    b = s.recv(65536)
    if not b: break
    n += len(b)
    if time.monotonic() - last > 0.5:
        print(n, flush=True); last = time.monotonic()
`;
// broadcasts from a device as fast as python sends them, for the given seconds
const FLOOD = `
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((sys.argv[2], 0))
src = bytes.fromhex(open('/sys/class/net/' + sys.argv[2] + '/address').read().strip().replace(':', ''))
f = b'\\xff' * 6 + src + b'\\x88\\xb5' + bytes(1000)
end = time.monotonic() + float(sys.argv[1]); n = 0
while time.monotonic() < end:
    try: s.send(f); n += 1
    except OSError: time.sleep(0.001)
print(n)
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!root)('port faults under load', () => {
  const d = new SoftbrDaemon(P);
  const sockPath = join(d.dir, 'guest.sock');
  const SP = `${P}s`;
  let metrics = '';
  const ns: string[] = [];
  let veth = '';
  let vethPeer = '';

  const links = async () => JSON.parse(await d.ok('link', 'show', '--json')) as LinkRow[];
  const carrier = async (port: string) => (await links()).find((l) => l.ifname === port)?.flags.includes('LOWER_UP') === true;
  const until = (what: string, f: () => Promise<boolean>, ms?: number) => d.waitFor(what, f, ms);
  const scrape = async () => parseExposition(await (await fetch(metrics)).text());
  const drop = (m: Map<string, number>, port: string, reason: string) => m.get(`softbr_port_drops_total{bridge="${BR}",port="${port}",reason="${reason}"}`) ?? 0;
  /** Pings h1 -> h2 every 10 ms for sec seconds while f runs (f must end sooner); returns the loss in % and f's result. */
  const pingingDuring = async <T>(sec: number, f: () => Promise<T>): Promise<{ loss: number; sent: number; result: T }> => {
    const p = lab.exec(ns[0]!, 'ping', ['-i', '0.01', '-w', String(sec), '-q', `${NET}.2`], { allowFail: true });
    await sleep(200);
    const result = await f();
    const r = await p;
    const loss = Number(/(\d+(?:\.\d+)?)% packet loss/.exec(r.stdout)?.[1] ?? 100);
    const sent = Number(/(\d+) packets transmitted/.exec(r.stdout)?.[1] ?? 0);
    return { loss, sent, result };
  };
  const peers: ChildProcess[] = [];
  const startPeer = (mode: 'read' | 'stall') => {
    const c = lab.spawn(ns[0]!, 'python3', ['-c', PEER, sockPath, PEER_MAC, mode]);
    peers.push(c);
    return c;
  };

  beforeAll(async () => {
    const port = await freePort();
    metrics = `http://127.0.0.1:${port}/metrics`;
    const taps = [1, 2].map((i) => lab.name(`t${i}`));
    for (const t of taps) lab.trackLink(t);
    const h3 = await lab.addNamespace('h3');
    const v = await lab.addVeth('v', 'w', { nsB: h3, up: true });
    veth = v.a;
    vethPeer = v.b;
    await lab.addrUp(h3, vethPeer, `${NET}.3/24`);
    await sh('sysctl', ['-q', '-w', `net.ipv6.conf.${veth}.disable_ipv6=1`], { allowFail: true });
    await d.start({
      args: ['--metrics', `127.0.0.1:${port}`],
      config: `bridges:\n  ${BR}:\n    local: false\n    ports:\n      - tap:${taps[0]}\n      - tap:${taps[1]}\n      - ${veth}\n      - stream:${SP}=${sockPath}\n`,
    });
    for (let i = 1; i <= 2; i++) {
      const n = await lab.addNamespace(`h${i}`);
      await lab.plug(taps[i - 1]!, n, { rename: 'eth0', cidr: `${NET}.${i}/24` });
      ns.push(n);
    }
    ns.push(h3);
    const warm = await lab.exec(ns[0]!, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', `${NET}.2`], { allowFail: true });
    expect(warm.code, warm.stdout).toBe(0);
  }, 60_000);

  it('an AF_PACKET port\'s device deleted under load: the port goes down, the others keep pinging, it comes back with the device', async () => {
    const { loss, sent } = await pingingDuring(6, async () => {
      await lab.deleteLink(veth);
      await until('the port to go down', async () => !(await carrier(veth)));
    });
    console.log(`veth deleted: h1 -> h2 ping loss ${loss}% of ${sent}`);
    expect(loss).toBeLessThan(2);
    expect(d.log).toMatch(new RegExp(`${veth}.*(gone|deleted|down)`, 'i'));
    // the same device again (as the next QEMU makes its TAP): attached by itself, and h3 is back
    await lab.addVeth('v', 'w', { nsB: ns[2]!, up: true });
    await lab.addrUp(ns[2]!, vethPeer, `${NET}.3/24`);
    await until('the port to come back', () => carrier(veth));
    const back = await lab.exec(ns[2]!, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', `${NET}.1`], { allowFail: true });
    expect(back.code, back.stdout).toBe(0);
  }, 60_000);

  it('a socket peer killed under load: its port goes down, the others keep pinging, it comes back with the peer', async () => {
    const first = startPeer('read');
    await until('the peer to connect', () => carrier(SP));
    const { loss, sent } = await pingingDuring(5, async () => {
      await lab.kill(first, 'SIGKILL');
      await until('the port to go down', async () => !(await carrier(SP)));
    });
    console.log(`stream peer killed: h1 -> h2 ping loss ${loss}% of ${sent}`);
    expect(loss).toBeLessThan(2);
    const again = startPeer('read');
    await until('the port to come back', () => carrier(SP));
    await lab.kill(again);
    await until('the port to go down again', async () => !(await carrier(SP)));
  }, 60_000);

  it('a socket peer that stops reading: its frames are dropped as no_buffer, memory stays bounded, the others keep pinging', async () => {
    const stalled = startPeer('stall');
    await until('the peer to connect', () => carrier(SP));
    const m0 = await scrape();
    const rss0 = rssKiB(d.proc!.pid!);
    // h3 floods broadcasts, which go to h1, h2 and the peer that does not read
    const { loss, sent, result: flood } = await pingingDuring(8, async () => lab.exec(ns[2]!, 'python3', ['-c', FLOOD, '5', vethPeer], { allowFail: true }));
    expect(flood.code, flood.stderr).toBe(0);
    const m1 = await scrape();
    const rss1 = rssKiB(d.proc!.pid!);
    const noBuf = drop(m1, SP, 'no_buffer') - drop(m0, SP, 'no_buffer');
    const tx = (m1.get(`softbr_port_tx_frames_total{bridge="${BR}",port="${SP}"}`) ?? 0) - (m0.get(`softbr_port_tx_frames_total{bridge="${BR}",port="${SP}"}`) ?? 0);
    console.log(`stalled stream peer: h3 sent ${flood.stdout.trim()} broadcasts; to the peer: ${tx} queued, ${noBuf} dropped as no_buffer; `
      + `RSS ${rss0} -> ${rss1} KiB; h1 -> h2 ping loss ${loss}% of ${sent}`);
    expect(noBuf).toBeGreaterThan(0);
    expect(rss1 - rss0).toBeLessThan(64 * 1024);
    expect(loss).toBeLessThan(2);
    // still its port (a full buffer is not a dead peer); gone with the peer, back with the next
    expect(await carrier(SP)).toBe(true);
    await lab.kill(stalled, 'SIGKILL');
    await until('the port to go down', async () => !(await carrier(SP)));
    const reader = startPeer('read');
    await until('the port to come back', () => carrier(SP));
    const m2 = await scrape();
    await lab.exec(ns[2]!, 'python3', ['-c', FLOOD, '0.5', vethPeer], { allowFail: true });
    await sleep(500);
    const m3 = await scrape();
    const tx2 = (m3.get(`softbr_port_tx_frames_total{bridge="${BR}",port="${SP}"}`) ?? 0) - (m2.get(`softbr_port_tx_frames_total{bridge="${BR}",port="${SP}"}`) ?? 0);
    expect(tx2).toBeGreaterThan(0);
    await lab.kill(reader);
  }, 90_000);

  it('a daemon that cannot keep up with an AF_PACKET port: what the kernel dropped on its full queue is counted as no_buffer', async () => {
    const m0 = await scrape();
    const rx = (m: Map<string, number>) => m.get(`softbr_port_rx_frames_total{bridge="${BR}",port="${veth}"}`) ?? 0;
    // the daemon stopped (SIGSTOP) reads nothing while h3 floods, so the socket's 4 MiB queue overflows
    const pid = d.proc!.pid!;
    process.kill(pid, 'SIGSTOP');
    let flood;
    try {
      flood = await lab.exec(ns[2]!, 'python3', ['-c', FLOOD, '1.5', vethPeer], { allowFail: true });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(flood.code, flood.stderr).toBe(0);
    const sent = Number(flood.stdout.trim());
    await sleep(1000);
    const m1 = await scrape();
    const got = rx(m1) - rx(m0);
    const noBuf = drop(m1, veth, 'no_buffer') - drop(m0, veth, 'no_buffer');
    console.log(`stopped daemon: h3 sent ${sent} frames; the AF_PACKET port received ${got}, no_buffer ${noBuf} (kernel queue drops)`);
    expect(noBuf).toBeGreaterThan(0);
    // every frame h3 sent is either received or counted (h3 may add an ARP or two of its own)
    expect(got + noBuf).toBeGreaterThanOrEqual(sent);
    expect(got + noBuf).toBeLessThan(sent + 20);
    // and the port goes on: h3 still reaches h1
    const back = await lab.exec(ns[2]!, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', `${NET}.1`], { allowFail: true });
    expect(back.code, back.stdout).toBe(0);
  }, 60_000);

  afterAll(async () => {
    for (const p of peers) await lab.kill(p).catch(() => undefined);
    await d.stop();
    await lab.cleanup();
  });
});
