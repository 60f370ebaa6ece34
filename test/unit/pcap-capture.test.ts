// Capture on a port: the bounded ring (frame and byte limits, wrap-around, direction, count,
// snaplen), several captures on one port, capture sessions ending by count / duration / port
// loss, that a full ring costs the capture and never forwarding, and the one-line summaries.
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import type { PortIO, RxSink } from '../../src/bridge/port-io.js';
import type { PortCapture } from '../../src/bridge/port.js';
import { CaptureRing, CaptureFanout, attachCapture, detachCapture, MAX_CAPTURES_PER_PORT } from '../../src/capture/ring.js';
import { Capture, type CapturedFrame } from '../../src/capture/capture.js';
import { summarizeFrame, formatCaptureLine, formatIpv6 } from '../../src/capture/summary.js';
import { buildEthernet } from '../../src/frame/ethernet.js';
import { parseMac } from '../../src/frame/mac.js';

class TestPort implements PortIO {
  readonly kind = 'test';
  readonly mtu = 1500;
  readonly speedMbps = 10000;
  sink: RxSink | null = null;
  sends = 0;
  constructor(readonly name: string, readonly mac: number) {}
  send(): boolean { this.sends++; return true; }
  flush(): void {}
  start(sink: RxSink): void { this.sink = sink; }
  close(): void {}
}

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');

/** A frame of len bytes whose payload bytes all equal tag (to check what comes out). */
function tagged(len: number, tag: number): Uint8Array {
  const f = new Uint8Array(len).fill(tag & 0xff);
  return f;
}

function drainAll(ring: CaptureRing): { dir: number; len: number; orig: number; first: number; ok: boolean }[] {
  const out: { dir: number; len: number; orig: number; first: number; ok: boolean }[] = [];
  ring.drain((dir, _ts, data, orig) => out.push({ dir, len: data.length, orig, first: data[0]!, ok: data.every((x) => x === data[0]) }));
  return out;
}

describe('CaptureRing', () => {
  it('holds at most `frames` frames; the rest are counted as capture drops', () => {
    const ring = new CaptureRing({ frames: 4 });
    for (let i = 0; i < 10; i++) ring.frame(0, tagged(60, i), 0, 60);
    expect(ring).toMatchObject({ accepted: 4, dropped: 6, pending: 4 });
    expect(drainAll(ring).map((f) => f.first)).toEqual([0, 1, 2, 3]);
    ring.frame(1, tagged(60, 42), 0, 60);
    expect(drainAll(ring)).toEqual([{ dir: 1, len: 60, orig: 60, first: 42, ok: true }]);
    expect(ring.delivered).toBe(5);
  });

  it('holds at most `bytes` bytes of frame data', () => {
    const ring = new CaptureRing({ bytes: 256, frames: 100 });
    for (let i = 0; i < 5; i++) ring.frame(0, tagged(100, i), 0, 100);
    expect(ring).toMatchObject({ accepted: 2, dropped: 3 });
    const big = new CaptureRing({ bytes: 64 });
    big.frame(0, tagged(100, 1), 0, 100);
    expect(big).toMatchObject({ accepted: 0, dropped: 1 });
  });

  it('wraps around without corrupting or reordering frames (random sizes, partial drains)', () => {
    let seed = 12345;
    const rand = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    const ring = new CaptureRing({ bytes: 1000, frames: 16 });
    const src = new Uint8Array(2000);
    let next = 0; let expectNext = 0; let lost = 0;
    for (let round = 0; round < 2000; round++) {
      const n = rand(6);
      for (let i = 0; i < n; i++) {
        const len = 14 + rand(300);
        const off = rand(500);
        src.fill(next & 0xff, off, off + len);
        const before = ring.dropped;
        ring.frame(0, src, off, len);
        if (ring.dropped === before) next++;
        else { lost++; src.fill(0, off, off + len); }
      }
      ring.drain((_d, _t, data) => {
        expect(data.every((x) => x === (expectNext & 0xff))).toBe(true);
        expectNext++;
      }, rand(5));
    }
    drainAll(ring).forEach((f) => { expect(f.ok).toBe(true); expect(f.first).toBe(expectNext++ & 0xff); });
    expect(expectNext).toBe(next);
    expect(lost).toBeGreaterThan(0); // the test did reach the full-ring paths
    expect(ring.accepted).toBe(next);
  });

  it('filters by direction, stops at the count, cuts at the snaplen', () => {
    const ins = new CaptureRing({ direction: 'in' });
    ins.frame(0, tagged(60, 1), 0, 60); ins.frame(1, tagged(60, 2), 0, 60);
    expect(drainAll(ins).map((f) => f.first)).toEqual([1]);
    const outs = new CaptureRing({ direction: 'out' });
    outs.frame(0, tagged(60, 1), 0, 60); outs.frame(1, tagged(60, 2), 0, 60);
    expect(drainAll(outs).map((f) => f.first)).toEqual([2]);
    const counted = new CaptureRing({ count: 3 });
    for (let i = 0; i < 5; i++) counted.frame(0, tagged(60, i), 0, 60);
    expect(counted).toMatchObject({ accepted: 3, dropped: 0, full: true });
    const snap = new CaptureRing({ snaplen: 20 });
    snap.frame(0, tagged(100, 9), 0, 100);
    expect(drainAll(snap)).toEqual([{ dir: 0, len: 20, orig: 100, first: 9, ok: true }]);
  });

  it('refuses impossible sizes with the value and the range', () => {
    expect(() => new CaptureRing({ frames: 0 })).toThrow(/ring of 0 frames: allowed 1/);
    expect(() => new CaptureRing({ snaplen: 5 })).toThrow(/snaplen 5: allowed 14 to 262144/);
    expect(() => new CaptureRing({ direction: 'sideways' as 'in' })).toThrow(/direction 'sideways': allowed in, out, both/);
  });
});

describe('capture hooks on a port', () => {
  it('fans out to several captures and collapses back to one hook, then to null', () => {
    const port = { name: 'p1', capture: null as PortCapture | null };
    const r1 = new CaptureRing(); const r2 = new CaptureRing(); const r3 = new CaptureRing();
    attachCapture(port, r1);
    expect(port.capture).toBe(r1);
    attachCapture(port, r2);
    attachCapture(port, r3);
    expect(port.capture).toBeInstanceOf(CaptureFanout);
    port.capture!.frame(0, tagged(60, 5), 0, 60);
    expect([r1.accepted, r2.accepted, r3.accepted]).toEqual([1, 1, 1]);
    detachCapture(port, r2);
    detachCapture(port, r1);
    expect(port.capture).toBe(r3);
    detachCapture(port, r3);
    expect(port.capture).toBeNull();
  });

  it(`refuses a capture beyond ${MAX_CAPTURES_PER_PORT} on one port with a clear error`, () => {
    const port = { name: 'p1', capture: null as PortCapture | null };
    for (let i = 0; i < MAX_CAPTURES_PER_PORT; i++) attachCapture(port, new CaptureRing({ bytes: 64, frames: 1 }));
    expect(() => attachCapture(port, new CaptureRing({ bytes: 64, frames: 1 })))
      .toThrow(`port p1 already has ${MAX_CAPTURES_PER_PORT} captures running (at most ${MAX_CAPTURES_PER_PORT}); stop one first`);
  });
});

function bridgeWithPorts() {
  const br = new Bridge({ name: 'br0', clock: new VirtualClock(), mac: parseMac('02:00:00:00:00:f0') });
  const io1 = new TestPort('p1', parseMac('02:00:00:00:01:01'));
  const io2 = new TestPort('p2', parseMac('02:00:00:00:01:02'));
  const p1 = br.addPort(io1);
  const p2 = br.addPort(io2);
  return { br, io1, io2, p1, p2 };
}

/** n frames A→B in one batch on io (offsets spaced out like a driver ring). */
function burst(io: TestPort, n: number, src = A, dst = B): void {
  const f = buildEthernet({ dst, src, etherType: 0x0800 });
  const buf = new Uint8Array(n * 64);
  const offs: number[] = []; const lens: number[] = [];
  for (let i = 0; i < n; i++) { buf.set(f, i * 64); offs.push(i * 64); lens.push(f.length); }
  io.sink!.receiveBatch(buf, offs, lens, n);
}

describe('a full capture ring never costs forwarding', () => {
  it('1000 frames through a port whose capture holds 4: all forwarded, 996 capture drops', () => {
    const plain = bridgeWithPorts();
    const cap = bridgeWithPorts();
    const ring = new CaptureRing({ frames: 4, direction: 'both' });
    attachCapture(cap.p2, ring);
    burst(plain.io2, 1, B, A); burst(cap.io2, 1, B, A); // learn B on p2
    burst(plain.io1, 1000);
    burst(cap.io1, 1000);
    expect(cap.io2.sends).toBe(1000);
    expect(cap.p2.txFrames).toBe(plain.p2.txFrames);
    expect(cap.p2.drops()).toEqual(plain.p2.drops());
    expect(cap.br.forwarded).toBe(plain.br.forwarded);
    expect(ring.accepted).toBe(4);
    expect(ring.dropped).toBe(1 + 1000 - 4); // the learning frame in, then the burst out
  });

  it('without a capture the hook is null: one comparison on the fast path', () => {
    const { p1, p2 } = bridgeWithPorts();
    expect(p1.capture).toBeNull();
    expect(p2.capture).toBeNull();
  });
});

describe('Capture sessions', () => {
  it('delivers in and out frames with timestamps, ends at the count and detaches', async () => {
    const { io1, io2, p1 } = bridgeWithPorts();
    burst(io2, 1, B, A);
    const got: { dir: string; len: number; ts: number }[] = [];
    const cap = new Capture(p1, { count: 3 }, (f: CapturedFrame) => got.push({ dir: f.dir, len: f.data.length, ts: f.tsMs }));
    expect(p1.capture).toBe(cap.ring);
    const t0 = Date.now();
    burst(io1, 2); // in on p1 (forwarded to p2)
    burst(io2, 2, B, A); // out of p1
    const r = await cap.done;
    expect(r).toMatchObject({ captured: 3, dropped: 0, reason: 'count' });
    expect(got.map((g) => g.dir)).toEqual(['in', 'in', 'out']);
    expect(got.every((g) => g.len === 60 && Math.abs(g.ts - t0) < 5000)).toBe(true);
    expect(p1.capture).toBeNull();
  });

  it('ends after its duration, or at once when stopped, delivering what was queued', async () => {
    const { io1, p1 } = bridgeWithPorts();
    const t0 = performance.now();
    const r = await new Capture(p1, { durationMs: 80 }, () => {}).done;
    expect(r.reason).toBe('duration');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    let n = 0;
    const cap = new Capture(p1, {}, () => { n++; });
    burst(io1, 5);
    const s = await cap.stop();
    expect(s).toMatchObject({ reason: 'stopped', captured: 5 });
    expect(n).toBe(5);
    expect(p1.capture).toBeNull();
  });

  it('ends with port-gone when the port leaves the bridge', async () => {
    const { br, p2 } = bridgeWithPorts();
    const cap = new Capture(p2, { pollMs: 10, alive: () => br.ports[p2.no] === p2 }, () => {});
    br.removePort('p2');
    expect((await cap.done).reason).toBe('port-gone');
  });

  it('a consumer that throws ends the capture with its error', async () => {
    const { io1, p1 } = bridgeWithPorts();
    const cap = new Capture(p1, {}, () => { throw new Error('disk full'); });
    burst(io1, 1);
    expect(await cap.done).toMatchObject({ reason: 'error', error: 'disk full' });
    expect(p1.capture).toBeNull();
  });

  it('two captures on one port each see every frame', async () => {
    const { io1, p1 } = bridgeWithPorts();
    const a = new Capture(p1, { count: 3 }, () => {});
    const b = new Capture(p1, { count: 2, direction: 'in' }, () => {});
    burst(io1, 3);
    expect((await a.done).captured).toBe(3);
    expect((await b.done).captured).toBe(2);
    expect(p1.capture).toBeNull();
  });
});

describe('frame summaries', () => {
  const ip = (proto: number, l4: number[]) => {
    const b = new Uint8Array(20 + l4.length);
    b.set([0x45, 0, 0, b.length, 0, 0, 0, 0, 64, proto, 0, 0, 10, 202, 0, 1, 10, 202, 0, 2]);
    b.set(l4, 20);
    return b;
  };

  it('ICMP, UDP, ARP reply, IPv6, VLAN, STP and unknown types', () => {
    const icmp = buildEthernet({ dst: B, src: A, etherType: 0x0800, payload: ip(1, [0, 0, 0, 0, 0, 9, 0, 3, 1, 2, 3, 4]) });
    expect(summarizeFrame(icmp)).toEqual({
      link: '02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype IPv4 (0x0800)',
      payload: '10.202.0.1 > 10.202.0.2: ICMP echo reply, id 9, seq 3, length 12',
    });
    const udp = buildEthernet({ dst: B, src: A, etherType: 0x0800, vlan: 7, payload: ip(17, [0x13, 0x88, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4]) });
    expect(summarizeFrame(udp)).toEqual({
      link: '02:00:00:00:00:0a > 02:00:00:00:00:0b, 802.1Q vlan 7, ethertype IPv4 (0x0800)',
      payload: '10.202.0.1.5000 > 10.202.0.2.53: UDP, length 4',
    });
    const arp = new Uint8Array(28);
    arp.set([0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 0, 0x0b, 10, 202, 0, 2]);
    expect(summarizeFrame(buildEthernet({ dst: A, src: B, etherType: 0x0806, payload: arp })).payload).toBe('ARP, Reply 10.202.0.2 is-at 02:00:00:00:00:0b, length 28');
    const v6 = new Uint8Array(48);
    v6.set([0x60, 0, 0, 0, 0, 8, 58, 255]);
    v6.set([0xfe, 0x80], 8); v6[23] = 1;
    v6.set([0xff, 0x02], 24); v6[39] = 1;
    v6[40] = 128;
    expect(summarizeFrame(buildEthernet({ dst: parseMac('33:33:00:00:00:01'), src: A, etherType: 0x86dd, payload: v6 })).payload)
      .toBe('fe80::1 > ff02::1: ICMP6, echo request, length 8');
    const bpdu = new Uint8Array(38); bpdu.set([0x42, 0x42, 0x03, 0, 0, 0, 0]);
    expect(summarizeFrame(buildEthernet({ dst: parseMac('01:80:c2:00:00:00'), src: A, etherType: 38, payload: bpdu })))
      .toEqual({ link: '02:00:00:00:00:0a > 01:80:c2:00:00:00, 802.3', payload: 'STP 802.1d, Config' });
    expect(summarizeFrame(buildEthernet({ dst: B, src: A, etherType: 0x88b5 })).link).toMatch(/ethertype Unknown \(0x88b5\)$/);
    expect(summarizeFrame(new Uint8Array(10)).link).toBe('runt frame (10 bytes)');
    expect(formatIpv6(new Uint8Array([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]), 0)).toBe('2001:db8::1:0:0:1');
  });

  it('one line per frame: time with µs, direction, addresses, type, length, payload', () => {
    const icmp = buildEthernet({ dst: B, src: A, etherType: 0x0800, payload: ip(1, [8, 0, 0, 0, 0, 9, 0, 3]) });
    const d = new Date(2024, 0, 2, 13, 4, 5, 678);
    const line = formatCaptureLine(d.getTime() + 0.9, 'in', icmp, 98);
    expect(line).toBe('13:04:05.678900 in  02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype IPv4 (0x0800), length 98: 10.202.0.1 > 10.202.0.2: ICMP echo request, id 9, seq 3, length 8');
  });
});

describe('a backed-up consumer', () => {
  it('pauses draining: frames wait in the ring, overflow is counted, delivery resumes after', async () => {
    const { io1, p1 } = bridgeWithPorts();
    let paused = true;
    let n = 0;
    const cap = new Capture(p1, { frames: 3, pollMs: 5, paused: () => paused, direction: 'in' }, () => { n++; });
    burst(io1, 10);
    await new Promise((r) => setTimeout(r, 30));
    expect(n).toBe(0);
    expect(cap.stats).toEqual({ captured: 0, dropped: 7, pending: 3 });
    paused = false;
    await new Promise((r) => setTimeout(r, 30));
    expect(n).toBe(3);
    expect(await cap.stop()).toMatchObject({ captured: 3, dropped: 7 });
  });
});
