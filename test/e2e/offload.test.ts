// Super-frames through the bridge with real peers: hosts in namespaces on offload TAPs send TSO
// super-frames; the bridge carries them whole to another offload TAP and to a veth (packet
// socket with virtio-net headers), and cuts them for a TAP without offload. Each receiver must
// read every byte sent (counted and hashed), its TCP must count no checksum errors, and capture
// must see what each port carried. Root only; everything carries the lab prefix and is removed
// in afterAll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from '../../src/native/index.js';
import { PacketPort } from '../../src/ports/packet.js';
import { TapPort } from '../../src/ports/tap.js';
import { parseMac } from '../../src/frame/mac.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { SystemClock } from '../../src/bridge/clock.js';
import type { PortIO } from '../../src/bridge/port-io.js';
import { CaptureRing, attachCapture, detachCapture } from '../../src/capture/ring.js';
import { Lab, sweepStale } from '../../src/lab/netns.js';
import { canUseNetns } from '../../src/lab/host.js';

const why = !canUseNetns() ? 'needs root, /dev/net/tun and iproute2' : !nativeAvailable() ? 'native addon not built (npm install)' : '';
if (why) console.warn(`offload e2e SKIPPED: ${why}`);

const PORT = 5301;
/** Receives one connection to the end; prints "ready", then "<bytes> <sha256>". */
const RECEIVER = `
import socket, sys, hashlib
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ':' in a else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, ${PORT})); s.listen(1); print('ready', flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(1 << 20)
    if not d: break
    h.update(d); n += len(d)
print(n, h.hexdigest(), flush=True)
`;
/** Sends argv[2] MiB of seeded random bytes (each MiB different); prints "<bytes> <sha256>". */
const SENDER = `
import socket, sys, hashlib, random
a, mib = sys.argv[1], int(sys.argv[2])
r = random.Random(9); h = hashlib.sha256(); n = 0
c = socket.create_connection((a, ${PORT}))
for _ in range(mib):
    d = r.randbytes(1 << 20); c.sendall(d); h.update(d); n += len(d)
c.shutdown(socket.SHUT_WR); c.recv(1); print(n, h.hexdigest(), flush=True)
`;

describe.skipIf(why !== '')('GSO super-frames through the bridge (root)', () => {
  const lab = new Lab('g');
  const ports: PortIO[] = [];
  let br: Bridge;
  let t1: TapPort, t2: TapPort, t3: TapPort, pv: PacketPort;
  const ns: string[] = [];

  /** TCP InCsumErrors in a namespace (the IPv4 and IPv6 stacks share TCP's counters). */
  const csumErrors = async (n: string): Promise<number> => {
    const snmp = (await lab.exec(n, 'cat', ['/proc/net/snmp'])).stdout.split('\n').filter((l) => l.startsWith('Tcp:'));
    const names = snmp[0]!.split(/\s+/);
    const values = snmp[1]!.split(/\s+/);
    return Number(values[names.indexOf('InCsumErrors')]);
  };

  /**
   * A TCP transfer of `mib` MiB (random bytes) from host `from` to addr:port in host `to`, read to
   * the end by the receiver: what it got (bytes, SHA-256) and what was sent, to compare exactly.
   */
  const transfer = async (from: string, to: string, addr: string, mib: number): Promise<{ sent: string; got: string }> => {
    const server = lab.spawn(to, 'python3', ['-c', RECEIVER, addr]);
    let got = '';
    server.stdout!.on('data', (d: Buffer) => { got += d.toString(); });
    const exited = new Promise<void>((r) => server.once('exit', () => r()));
    try {
      const end = Date.now() + 10_000;
      while (!got.includes('ready') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      const out = await lab.exec(from, 'python3', ['-c', SENDER, addr, String(mib)], { timeoutMs: 30_000 });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      return { sent: out.stdout.trim(), got: got.replace('ready', '').trim() };
    } finally {
      await lab.kill(server);
    }
  };

  /** One short iperf3 run, for the log (throughput is measured by `softbr bench`, not here). */
  const iperfGbps = async (from: string, to: string, addr: string): Promise<number> => {
    const server = lab.spawn(to, 'iperf3', ['-s', '-1', '-B', addr]);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const out = await lab.exec(from, 'iperf3', ['-c', addr, '-t', '1', '-J'], { timeoutMs: 20_000 });
      return (JSON.parse(out.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1e9;
    } finally {
      await lab.kill(server);
    }
  };

  beforeAll(async () => {
    await sweepStale();
    for (const h of ['h1', 'h2', 'h3', 'h4']) ns.push(await lab.addNamespace(h, { ipv6: true }));
    t1 = TapPort.open({ name: lab.name('t1') });
    t2 = TapPort.open({ name: lab.name('t2') });
    t3 = TapPort.open({ name: lab.name('t3'), offload: false });
    ports.push(t1, t2, t3);
    const v = await lab.addVeth('v4', 'p4', { nsB: ns[3]!, up: true });
    pv = PacketPort.open({ name: v.a });
    ports.push(pv);
    for (const [i, t] of [t1, t2, t3].entries()) await lab.moveLink(t.name, ns[i]!);
    const hostIf = [t1.name, t2.name, t3.name, v.b];
    for (let i = 0; i < 4; i++) {
      await lab.addrUp(ns[i]!, hostIf[i]!, `10.199.9.${i + 1}/24`);
      await lab.ip('-n', ns[i]!, 'addr', 'add', `fd00:199:9::${i + 1}/64`, 'dev', hostIf[i]!, 'nodad');
    }
    br = new Bridge({ name: lab.name('br'), clock: new SystemClock(), mac: parseMac('02:5b:00:00:09:f0') });
    br.addPort(t1, { mac: parseMac('02:5b:00:00:09:01') });
    br.addPort(t2, { mac: parseMac('02:5b:00:00:09:02') });
    br.addPort(t3, { mac: parseMac('02:5b:00:00:09:03') });
    br.addPort(pv, { mac: parseMac('02:5b:00:00:09:04') });
    // every host learned once, so TCP goes as known unicast
    for (const n of ns.slice(1)) {
      const r = await lab.exec(ns[0]!, 'ping', ['-c', '1', '-W', '2', `10.199.9.${ns.indexOf(n) + 1}`], { allowFail: true });
      expect(r.stdout).toMatch(/1 received/);
    }
  }, 60_000);

  afterAll(async () => {
    for (const p of ports) {
      try {
        p.close();
      } catch {
        // keep cleaning
      }
    }
    const problems = await lab.cleanup();
    const left = await lab.leftovers();
    expect(problems).toEqual([]);
    expect([...left.namespaces, ...left.links]).toEqual([]);
  });

  it('offload TAP to offload TAP: super-frames cross whole, every byte arrives, no checksum errors (v4, v6)', async () => {
    const before = await csumErrors(ns[1]!);
    const rx0 = t1.stats().rx.superFrames;
    const tx0 = t2.stats().tx.superFrames;
    for (const addr of ['10.199.9.2', 'fd00:199:9::2']) {
      const t = await transfer(ns[0]!, ns[1]!, addr, 32);
      expect(t.got).toBe(t.sent);
      expect(t.sent).toMatch(/^33554432 [0-9a-f]{64}$/);
    }
    console.log(`iperf3 TCP offload TAP -> offload TAP: ${(await iperfGbps(ns[0]!, ns[1]!, '10.199.9.2')).toFixed(2)} Gbit/s`);
    const sent = t1.stats().rx.superFrames - rx0;
    // 64 MiB in super-frames of up to 64 KiB: most of it travelled whole
    expect(sent).toBeGreaterThan(200);
    expect(t2.stats().tx.superFrames - tx0).toBe(sent);
    expect(t1.stats().rx.gso).toBe(0);
    expect(await csumErrors(ns[1]!)).toBe(before);
  }, 60_000);

  it('offload TAP to a TAP without offload: the bridge cuts super-frames into wire frames', async () => {
    const before = await csumErrors(ns[2]!);
    const cut0 = t1.stats().superCut;
    for (const addr of ['10.199.9.3', 'fd00:199:9::3']) {
      const t = await transfer(ns[0]!, ns[2]!, addr, 16);
      expect(t.got).toBe(t.sent);
    }
    expect(t1.stats().superCut - cut0).toBeGreaterThan(50);
    expect(t3.stats().tx.superFrames).toBe(0);
    expect(await csumErrors(ns[2]!)).toBe(before);
    // the other way: wire-sized frames into an offload TAP
    const back = await transfer(ns[2]!, ns[0]!, '10.199.9.1', 8);
    expect(back.got).toBe(back.sent);
  }, 60_000);

  it('offload TAP and veth: super-frames go whole through the packet socket both ways', async () => {
    const before = await csumErrors(ns[3]!);
    const tx0 = pv.stats().tx.superFrames;
    for (const addr of ['10.199.9.4', 'fd00:199:9::4']) {
      const t = await transfer(ns[0]!, ns[3]!, addr, 16);
      expect(t.got).toBe(t.sent);
    }
    expect(pv.stats().tx.superFrames - tx0).toBeGreaterThan(50);
    expect(await csumErrors(ns[3]!)).toBe(before);
    // the other way the veth peer's TSO super-frames come up whole through the packet socket,
    // go whole into t1 and are cut for t3
    const rx0 = pv.stats().rx.superFrames;
    const cut0 = pv.stats().superCut;
    const back = await transfer(ns[3]!, ns[0]!, 'fd00:199:9::1', 8);
    expect(back.got).toBe(back.sent);
    const toT3 = await transfer(ns[3]!, ns[2]!, '10.199.9.3', 8);
    expect(toT3.got).toBe(toT3.sent);
    expect(pv.stats().rx.superFrames - rx0).toBeGreaterThan(50);
    expect(pv.stats().superCut - cut0).toBeGreaterThan(20);
    expect(pv.stats().rx.gso).toBe(0);
  }, 60_000);

  it('capture sees what each port carried: super-frames in on t1, wire frames out of t3', async () => {
    const p1 = br.portByName(t1.name)!;
    const p3 = br.portByName(t3.name)!;
    const in1 = new CaptureRing({ direction: 'in', bytes: 16 << 20 });
    const out3 = new CaptureRing({ direction: 'out', bytes: 16 << 20 });
    attachCapture(p1, in1);
    attachCapture(p3, out3);
    try {
      await transfer(ns[0]!, ns[2]!, '10.199.9.3', 2);
    } finally {
      detachCapture(p1, in1);
      detachCapture(p3, out3);
    }
    let biggestIn = 0;
    let biggestOut = 0;
    let outFrames = 0;
    in1.drain((_d, _t, data, orig) => {
      biggestIn = Math.max(biggestIn, orig);
      expect(data.length).toBe(orig);
    });
    out3.drain((_d, _t, _data, orig) => {
      biggestOut = Math.max(biggestOut, orig);
      outFrames++;
    });
    expect(biggestIn).toBeGreaterThan(p1.maxFrame);
    expect(outFrames).toBeGreaterThan(1000); // 2 MiB in wire frames of at most 1514 bytes
    expect(biggestOut).toBeLessThanOrEqual(p3.maxFrame);
  }, 60_000);
});
