// AF_PACKET ports on the shared-memory receive ring (src/native/packet-ring.cc, the poller's
// ReadRing): two hosts in namespaces behind veths, bridged by softbr's engine over two packet
// ports. Proves that the ring is the path taken, that pings and a TCP stream cross both ways with
// every byte intact (the veth peers' TSO super-frames are too long for a ring slot and go through
// the TP_STATUS_COPY path), that an 802.1Q tag moved into the slot's metadata is put back, and
// that SOFTBR_PACKET_RING=off keeps recvmmsg() and still forwards. Root only; everything carries
// the lab prefix and is removed in afterAll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAvailable, packetRingDefault } from '../../src/native/index.js';
import { PacketPort } from '../../src/ports/packet.js';
import { parseMac } from '../../src/frame/mac.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { SystemClock } from '../../src/bridge/clock.js';
import { Lab, sweepStale } from '../../src/lab/netns.js';
import { canUseNetns } from '../../src/lab/host.js';
import { tcpCsumErrors, tcpTransfer } from '../helpers/tcp-transfer.js';
import { startDump } from '../helpers/tcpdump.js';

const why = !canUseNetns() ? 'needs root and iproute2' : !nativeAvailable() ? 'native addon not built (npm install)' : '';
if (why) console.warn(`packet-ring e2e SKIPPED: ${why}`);

/** Sends five broadcast VLAN 100 frames of ethertype 0x88b5 from a raw socket on argv[1]. */
const SEND_TAGGED = `
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
src = bytes.fromhex(open('/sys/class/net/%s/address' % sys.argv[1]).read().strip().replace(':', ''))
f = b'\\xff' * 6 + src + bytes.fromhex('8100' '0064' '88b5') + b'softbr ring vlan' + bytes(30)
for _ in range(5): s.send(f)
`;

interface Pair {
  lab: Lab;
  h1: string;
  h2: string;
  /** The veth ends in h1 and h2. */
  d1: string;
  d2: string;
  a: PacketPort;
  b: PacketPort;
  br: Bridge;
}

describe.skipIf(why !== '')('AF_PACKET ports on the receive ring (root)', () => {
  const labs: Lab[] = [];
  const ports: PacketPort[] = [];

  beforeAll(async () => {
    await sweepStale();
  });

  afterAll(async () => {
    for (const p of ports) {
      try {
        p.close();
      } catch {
        // keep cleaning
      }
    }
    const problems: string[] = [];
    for (const l of labs) problems.push(...(await l.cleanup()));
    expect(problems).toEqual([]);
  });

  /**
   * Hosts h1 10.197.N.1 and h2 10.197.N.2, each behind one packet port of one bridge (on
   * veths pa/pb). The ports are opened with `env` as the
   * process environment, so that the ring choice comes from SOFTBR_PACKET_RING as a daemon's would.
   */
  async function pair(tag: string, net: number, env: NodeJS.ProcessEnv): Promise<Pair> {
    const lab = new Lab(tag);
    labs.push(lab);
    const h1 = await lab.addNamespace('h1');
    const h2 = await lab.addNamespace('h2');
    const v1 = await lab.addVeth('a', 'pa', { nsB: h1, up: true });
    const v2 = await lab.addVeth('b', 'pb', { nsB: h2, up: true });
    for (const [ns, dev, host] of [[h1, v1.b, 1], [h2, v2.b, 2]] as const) {
      await lab.addrUp(ns, dev, `10.197.${net}.${host}/24`);
    }
    const saved = process.env.SOFTBR_PACKET_RING;
    let a: PacketPort, b: PacketPort;
    try {
      if (env.SOFTBR_PACKET_RING === undefined) delete process.env.SOFTBR_PACKET_RING;
      else process.env.SOFTBR_PACKET_RING = env.SOFTBR_PACKET_RING;
      a = PacketPort.open({ name: v1.a });
      ports.push(a);
      b = PacketPort.open({ name: v2.a });
      ports.push(b);
    } finally {
      if (saved === undefined) delete process.env.SOFTBR_PACKET_RING;
      else process.env.SOFTBR_PACKET_RING = saved;
    }
    const br = new Bridge({ name: lab.name('br'), clock: new SystemClock(), mac: parseMac(`02:5c:00:00:${net.toString(16).padStart(2, '0')}:f0`) });
    br.addPort(a, { mac: parseMac(`02:5c:00:00:${net.toString(16).padStart(2, '0')}:01`) });
    br.addPort(b, { mac: parseMac(`02:5c:00:00:${net.toString(16).padStart(2, '0')}:02`) });
    return { lab, h1, h2, d1: v1.b, d2: v2.b, a, b, br };
  }

  /**
   * Five VLAN 100 frames (ethertype 0x88b5) that h1 sends through a raw socket, as tcpdump in h2
   * sees them: the kernel moves the tag into metadata before our socket reads the frame, so it
   * arrives tagged only if the port put the tag back. (No 8021q here to make a VLAN device.)
   */
  const taggedAcross = async (p: Pair): Promise<number> => {
    const dump = await startDump(p.lab, p.h2, ['-e', 'ether', 'broadcast'], p.d2);
    try {
      await p.lab.exec(p.h1, 'python3', ['-c', SEND_TAGGED, p.d1]);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await p.lab.kill(dump.proc);
    }
    return dump.out().split('\n').filter((l) => /vlan 100\b/.test(l) && /0x88b5/.test(l)).length;
  };

  const pings = async (p: Pair, from: string, addr: string, n: number): Promise<string> =>
    (await p.lab.exec(from, 'ping', ['-c', String(n), '-i', '0.01', '-W', '2', addr], { allowFail: true })).stdout;

  it('the ring is the path taken: pings both ways, a TCP stream with every byte intact both ways, a VLAN tag put back', async () => {
    expect(packetRingDefault({})).toBe(true);
    const p = await pair('pr', 1, {});
    for (const port of [p.a, p.b]) {
      const s = port.stats().rx;
      expect(s.ring).toBe(true);
      expect(s.ringError).toBeNull();
      // a power-of-two slot that holds a 1500-byte MTU frame with its headers, <= 2 MiB in all
      expect(s.ringSlotBytes).toBe(2048);
      expect(s.ringSlots * s.ringSlotBytes).toBeLessThanOrEqual(2 << 20);
      expect(s.ringSlots).toBeGreaterThanOrEqual(64);
    }
    const f0 = p.a.stats().rx.ringFrames + p.b.stats().rx.ringFrames;
    expect(await pings(p, p.h1, '10.197.1.2', 20)).toMatch(/20 received/);
    expect(await pings(p, p.h2, '10.197.1.1', 20)).toMatch(/20 received/);
    // 40 echo requests and 40 replies, one ring slot each (plus the ARP exchange)
    expect(p.a.stats().rx.ringFrames + p.b.stats().rx.ringFrames - f0).toBeGreaterThanOrEqual(80);

    const c0 = p.a.stats().rx.ringCopied + p.b.stats().rx.ringCopied;
    const e1 = await tcpCsumErrors(p.lab, p.h1);
    const e2 = await tcpCsumErrors(p.lab, p.h2);
    const there = await tcpTransfer(p.lab, p.h1, p.h2, '10.197.1.2', 16);
    expect(there.got).toBe(there.sent);
    expect(there.got.startsWith(String(16 << 20))).toBe(true);
    const back = await tcpTransfer(p.lab, p.h2, p.h1, '10.197.1.1', 8);
    expect(back.got).toBe(back.sent);
    expect(back.got.startsWith(String(8 << 20))).toBe(true);
    expect(await tcpCsumErrors(p.lab, p.h1)).toBe(e1);
    expect(await tcpCsumErrors(p.lab, p.h2)).toBe(e2);
    // the veth peers' TSO super-frames did not fit a slot: taken whole through the COPY path
    expect(p.a.stats().rx.ringCopied + p.b.stats().rx.ringCopied - c0).toBeGreaterThan(10);
    for (const port of [p.a, p.b]) {
      const s = port.stats().rx;
      expect(s.gso).toBe(0);
      expect(s.truncated).toBe(0);
      expect(s.errors).toEqual({});
    }

    const t0 = p.a.stats().rx.vlanRestored;
    const r0 = p.a.stats().rx.ringFrames;
    // the tag was in the slot's tp_vlan_tci and went back in front of the payload
    expect(await taggedAcross(p)).toBe(5);
    expect(p.a.stats().rx.vlanRestored - t0).toBe(5);
    expect(p.a.stats().rx.ringFrames - r0).toBeGreaterThanOrEqual(5);
    expect(p.a.stats().rx.ring && p.b.stats().rx.ring).toBe(true);
  }, 90_000);

  it('SOFTBR_PACKET_RING=off keeps recvmmsg() and still forwards', async () => {
    expect(packetRingDefault({ SOFTBR_PACKET_RING: 'off' })).toBe(false);
    const p = await pair('pq', 2, { SOFTBR_PACKET_RING: 'off' });
    for (const port of [p.a, p.b]) {
      const s = port.stats().rx;
      expect(s.ring).toBe(false);
      expect(s.ringError).toBeNull();
      expect(s.ringSlots).toBe(0);
    }
    expect(await pings(p, p.h1, '10.197.2.2', 10)).toMatch(/10 received/);
    const t = await tcpTransfer(p.lab, p.h1, p.h2, '10.197.2.2', 4);
    expect(t.got).toBe(t.sent);
    expect(await taggedAcross(p)).toBe(5);
    for (const port of [p.a, p.b]) {
      const s = port.stats().rx;
      expect(s.ringFrames + s.ringCopied).toBe(0);
      expect(s.frames).toBeGreaterThan(0);
    }
  }, 60_000);
});
