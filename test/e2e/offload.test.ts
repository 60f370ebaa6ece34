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
import { devKind } from '../../src/control/port-kinds/dev.js';
import { parseMac } from '../../src/frame/mac.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { SystemClock } from '../../src/bridge/clock.js';
import type { PortIO } from '../../src/bridge/port-io.js';
import { CaptureRing, attachCapture, detachCapture } from '../../src/capture/ring.js';
import { Lab, sweepStale } from '../../src/lab/netns.js';
import { canUseNetns } from '../../src/lab/host.js';
import { tcpCsumErrors, tcpTransfer } from '../helpers/tcp-transfer.js';

const why = !canUseNetns() ? 'needs root, /dev/net/tun and iproute2' : !nativeAvailable() ? 'native addon not built (npm install)' : '';
if (why) console.warn(`offload e2e SKIPPED: ${why}`);

/**
 * Sends one VLAN 100 TCP super-frame (a virtio-net header with GSO TCPV4, MSS 100, 200 bytes of
 * payload 0..199, the checksum left partial) from a packet socket on argv[1].
 */
const TAGGED_GSO = `
import socket, struct, sys
def csum(b):
    if len(b) % 2: b += b'\\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return s
src, dst = bytes([10, 199, 11, 4]), bytes([10, 199, 11, 1])
payload = bytes(range(200))
tcp_len = 20 + len(payload)
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + tcp_len, 0, 0x4000, 64, 6, 0, src, dst)
ip = ip[:10] + struct.pack('!H', ~csum(ip) & 0xffff) + ip[12:]
pseudo = csum(src + dst + struct.pack('!BBH', 0, 6, tcp_len))
tcp = struct.pack('!HHIIBBHHH', 1234, 5678, 1000, 0, 5 << 4, 0x18, 1000, pseudo, 0)
eth = bytes.fromhex('025b00000a99' '025b00000a04' '8100' '0064' '0800')
vnet = struct.pack('<BBHHHH', 1, 1, 18 + 40, 100, 18 + 20, 16)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
s.bind((sys.argv[1], 0))
s.send(vnet + eth + ip + tcp + payload)
`;

/** The TCP checksum of an IPv4 frame whose IP header starts at l3 verifies. */
function tcpChecksumOk(f: Uint8Array, l3: number): boolean {
  const ihl = (f[l3]! & 15) * 4;
  const total = (f[l3 + 2]! << 8) | f[l3 + 3]!;
  const tcpLen = total - ihl;
  let sum = 6 + tcpLen;
  const add = (from: number, to: number): void => {
    for (let i = from; i < to; i += 2) sum += (f[i]! << 8) | (i + 1 < to ? f[i + 1]! : 0);
  };
  add(l3 + 12, l3 + 20);
  add(l3 + ihl, l3 + ihl + tcpLen);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

describe.skipIf(why !== '')('GSO super-frames through the bridge (root)', () => {
  const lab = new Lab('g');
  const ports: PortIO[] = [];
  let br: Bridge;
  let t1: TapPort, t2: TapPort, t3: TapPort, pv: PacketPort;
  /** h5's veth, attached by name the way the daemon attaches a netdev (a reattachable port). */
  let byName: PortIO;
  /** The veth end in h4. */
  let vethPeer = '';
  const ns: string[] = [];

  const csumErrors = (n: string): Promise<number> => tcpCsumErrors(lab, n);
  const transfer = (from: string, to: string, addr: string, mib: number): Promise<{ sent: string; got: string }> =>
    tcpTransfer(lab, from, to, addr, mib);

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
    for (const h of ['h1', 'h2', 'h3', 'h4', 'h5']) ns.push(await lab.addNamespace(h, { ipv6: true }));
    t1 = TapPort.open({ name: lab.name('t1') });
    t2 = TapPort.open({ name: lab.name('t2') });
    t3 = TapPort.open({ name: lab.name('t3'), offload: false });
    ports.push(t1, t2, t3);
    const v = await lab.addVeth('v4', 'p4', { nsB: ns[3]!, up: true });
    pv = PacketPort.open({ name: v.a });
    vethPeer = v.b;
    ports.push(pv);
    const v5 = await lab.addVeth('v5', 'p5', { nsB: ns[4]!, up: true });
    byName = await devKind.open!({ kind: 'dev', name: v5.a }, () => undefined);
    ports.push(byName);
    for (const [i, t] of [t1, t2, t3].entries()) await lab.moveLink(t.name, ns[i]!);
    const hostIf = [t1.name, t2.name, t3.name, v.b, v5.b];
    for (let i = 0; i < 5; i++) {
      await lab.addrUp(ns[i]!, hostIf[i]!, `10.199.9.${i + 1}/24`);
      await lab.ip('-n', ns[i]!, 'addr', 'add', `fd00:199:9::${i + 1}/64`, 'dev', hostIf[i]!, 'nodad');
    }
    br = new Bridge({ name: lab.name('br'), clock: new SystemClock(), mac: parseMac('02:5b:00:00:09:f0') });
    br.addPort(t1, { mac: parseMac('02:5b:00:00:09:01') });
    br.addPort(t2, { mac: parseMac('02:5b:00:00:09:02') });
    br.addPort(t3, { mac: parseMac('02:5b:00:00:09:03') });
    br.addPort(pv, { mac: parseMac('02:5b:00:00:09:04') });
    br.addPort(byName, { mac: parseMac('02:5b:00:00:09:05') });
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

  it('a netdev attached by name, as the daemon attaches it: super-frames leave through it whole', async () => {
    // the daemon wraps a netdev port in a reattachable port (addif br0 vnet0 outlives its device);
    // the wrapper must pass super-frames on, or the bridge cuts every one of them for it
    expect(byName.constructor.name).toBe('ReattachPort');
    expect(byName.sendSuper).toBeDefined();
    const p5 = br.portByName(byName.name)!;
    const out5 = new CaptureRing({ direction: 'out', bytes: 16 << 20 });
    attachCapture(p5, out5);
    try {
      const t = await transfer(ns[0]!, ns[4]!, '10.199.9.5', 4);
      expect(t.got).toBe(t.sent);
    } finally {
      detachCapture(p5, out5);
    }
    let biggest = 0;
    out5.drain((_d, _t, _data, orig) => { biggest = Math.max(biggest, orig); });
    expect(biggest).toBeGreaterThan(p5.maxFrame);
    console.log(`iperf3 TCP offload TAP -> veth attached by name: ${(await iperfGbps(ns[0]!, ns[4]!, '10.199.9.5')).toFixed(2)} Gbit/s`);
  }, 60_000);

  it('a VLAN-tagged super-frame: the tag the packet socket took apart is put back and the header offsets follow', async () => {
    // h4 sends one tagged TSO frame (VLAN 100, 200 bytes of TCP payload, MSS 100) through a packet
    // socket with a virtio-net header to an unknown MAC: flooded whole to t1/t2, cut for t3
    const p2 = br.portByName(t2.name)!;
    const p3 = br.portByName(t3.name)!;
    const whole = new CaptureRing({ direction: 'out' });
    const cut = new CaptureRing({ direction: 'out' });
    attachCapture(p2, whole);
    attachCapture(p3, cut);
    const rx0 = pv.stats().rx.superFrames;
    const tags0 = pv.stats().rx.vlanRestored;
    try {
      await lab.exec(ns[3]!, 'python3', ['-c', TAGGED_GSO, vethPeer]);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      detachCapture(p2, whole);
      detachCapture(p3, cut);
    }
    const frames = (ring: CaptureRing): Uint8Array[] => {
      const out: Uint8Array[] = [];
      ring.drain((_d, _t, data) => { if (data[12] === 0x81 && data[15] === 100) out.push(data.slice()); });
      return out;
    };
    const w = frames(whole);
    const c = frames(cut);
    expect(pv.stats().rx.superFrames - rx0).toBe(1);
    expect(pv.stats().rx.vlanRestored - tags0).toBe(1);
    expect(w.map((f) => f.length)).toEqual([18 + 40 + 200]);
    expect(c.map((f) => f.length)).toEqual([18 + 40 + 100, 18 + 40 + 100]);
    // the segments: sequence numbers 100 apart, the payload split in order, valid TCP checksums
    // (computed from csum_start, which had to move by the tag's 4 bytes)
    const seq = c.map((f) => new DataView(f.buffer).getUint32(18 + 20 + 4));
    expect(seq).toEqual([1000, 1100]);
    expect([...c[0]!.subarray(58), ...c[1]!.subarray(58)]).toEqual([...Array(200).keys()]);
    for (const f of c) expect(tcpChecksumOk(f, 18)).toBe(true);
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
