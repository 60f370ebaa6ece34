// MemoryPort / MemoryLink / MemoryNet: delivery order, batching, capture, link cut and restore,
// and that long chains of synchronous forwarding do not recurse.
import { describe, expect, it } from 'vitest';
import { MemoryLink, MemoryNet, MemoryPort } from '../../src/ports/memory.js';
import type { RxSink } from '../../src/bridge/port-io.js';

function frame(tag: number, len = 60): Uint8Array {
  const f = new Uint8Array(len);
  f.fill(0xff, 0, 6);
  f.set([0x02, 0, 0, 0, 0, 1], 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  f[14] = tag & 0xff;
  f[15] = tag >> 8;
  return f;
}

/** A sink that records copies of everything it receives, and link events. */
class Recorder implements RxSink {
  frames: Uint8Array[] = [];
  batches: number[] = [];
  events: string[] = [];
  receiveBatch(buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number): void {
    this.batches.push(count);
    for (let i = 0; i < count; i++) this.frames.push(buf.slice(offs[i]!, offs[i]! + lens[i]!));
  }
  linkDown(reason: string): void {
    this.events.push(`down:${reason}`);
  }
  linkUp(): void {
    this.events.push('up');
  }
}

/** A sink that forwards every frame it gets out of `out` (a one-port "bridge"). */
class Forwarder implements RxSink {
  received = 0;
  constructor(private readonly out: MemoryPort) {}
  receiveBatch(buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number): void {
    this.received += count;
    for (let i = 0; i < count; i++) this.out.send(buf, offs[i]!, lens[i]!);
    this.out.flush();
  }
  linkDown(): void {}
}

describe('MemoryPort standalone', () => {
  it('inject delivers to the sink synchronously and flush records copies in sent', () => {
    const net = new MemoryNet();
    const p = new MemoryPort({ name: 'p0', mac: '02:00:00:00:00:aa', net });
    expect(p.kind).toBe('memory');
    expect(p.mac).toBe(0x0200000000aa);
    expect(p.mtu).toBe(1500);
    expect(p.speedMbps).toBe(10000);
    const r = new Recorder();
    p.start(r);
    p.inject([frame(1), frame(2)]);
    expect(r.batches).toEqual([2]);
    expect(r.frames.map((f) => f[14])).toEqual([1, 2]);

    const src = new Uint8Array(200);
    src.set(frame(7), 50);
    expect(p.send(src, 50, 60)).toBe(true);
    expect(p.sent).toHaveLength(0); // nothing is "on the wire" before flush
    src.fill(0, 50, 110); // the engine may reuse its buffer right after send()
    p.flush();
    expect(p.sent).toHaveLength(1);
    expect(p.sent[0]![14]).toBe(7);
    expect(p.takeSent()).toHaveLength(1);
    expect(p.sent).toHaveLength(0);
    expect(p.txFrames).toBe(1);
  });

  it('refuses frames longer than mtu + 22 and counts them', () => {
    const p = new MemoryPort({ name: 'p0', mtu: 100, net: new MemoryNet() });
    expect(p.send(new Uint8Array(123), 0, 123)).toBe(false);
    expect(p.send(new Uint8Array(122), 0, 122)).toBe(true);
    expect(p.txDropped).toBe(1);
  });

  it('drops (and counts) frames for a port that was not started', () => {
    const net = new MemoryNet();
    const p = new MemoryPort({ name: 'p0', net });
    p.inject(frame(1));
    expect(p.rxDropped).toBe(1);
    expect(net.droppedFrames).toBe(1);
  });

  it('flushes early when the batch fills', () => {
    const net = new MemoryNet({ batchFrames: 4 });
    const { a, b } = MemoryPort.pair('a', 'b', net);
    const r = new Recorder();
    b.start(r);
    const f = frame(0);
    for (let i = 0; i < 10; i++) {
      f[14] = i;
      a.send(f, 0, f.length);
    }
    a.flush();
    expect(r.batches).toEqual([4, 4, 2]);
    expect(r.frames.map((x) => x[14])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('MemoryLink', () => {
  it('carries flushed batches to the other end, in both directions', () => {
    const net = new MemoryNet();
    const link = MemoryPort.pair('a', 'b', net);
    const ra = new Recorder();
    const rb = new Recorder();
    link.a.start(ra);
    link.b.start(rb);
    link.a.send(frame(1), 0, 60);
    link.a.send(frame(2), 0, 60);
    link.a.flush();
    link.b.send(frame(3), 0, 60);
    link.b.flush();
    expect(rb.batches).toEqual([2]);
    expect(rb.frames.map((f) => f[14])).toEqual([1, 2]);
    expect(ra.frames.map((f) => f[14])).toEqual([3]);
    expect(link.a.sent).toHaveLength(0); // linked ports capture only when asked
    expect(net.deliveredFrames).toBe(3);
  });

  it('capture: true keeps copies of what a linked port sent', () => {
    const net = new MemoryNet();
    const a = new MemoryPort({ name: 'a', net, capture: true });
    const b = new MemoryPort({ name: 'b', net });
    MemoryLink.connect(a, b);
    b.start(new Recorder());
    a.send(frame(9), 0, 60);
    a.flush();
    expect(a.sent.map((f) => f[14])).toEqual([9]);
  });

  it('down() tells both sinks once, loses frames in flight and refuses sends; up() restores', () => {
    const net = new MemoryNet({ mode: 'manual' });
    const link = MemoryPort.pair('a', 'b', net);
    const ra = new Recorder();
    const rb = new Recorder();
    link.a.start(ra);
    link.b.start(rb);
    link.a.send(frame(1), 0, 60);
    link.a.flush(); // queued, not delivered (manual mode)
    expect(net.pending).toBe(1);
    link.down('cable cut');
    link.down('again'); // no second event
    expect(ra.events).toEqual(['down:cable cut']);
    expect(rb.events).toEqual(['down:cable cut']);
    expect(link.a.send(frame(2), 0, 60)).toBe(false);
    expect(net.deliver()).toBe(1);
    expect(rb.frames).toHaveLength(0);
    expect(net.droppedFrames).toBe(1);

    link.up();
    expect(ra.events).toEqual(['down:cable cut', 'up']);
    expect(rb.events).toEqual(['down:cable cut', 'up']);
    link.a.send(frame(3), 0, 60);
    link.a.flush();
    net.deliver();
    expect(rb.frames.map((f) => f[14])).toEqual([3]);
  });

  it('closing one end drops the carrier at the other', () => {
    const net = new MemoryNet();
    const link = MemoryPort.pair('a', 'b', net);
    const rb = new Recorder();
    link.a.start(new Recorder());
    link.b.start(rb);
    link.a.close();
    expect(rb.events).toEqual(['down:peer a closed']);
    expect(link.a.send(frame(1), 0, 60)).toBe(false);
  });

  it('rejects linking ports of different nets or twice', () => {
    const a = new MemoryPort({ name: 'a', net: new MemoryNet() });
    const b = new MemoryPort({ name: 'b', net: new MemoryNet() });
    expect(() => MemoryLink.connect(a, b)).toThrow(/different MemoryNets/);
    const net = new MemoryNet();
    const c = new MemoryPort({ name: 'c', net });
    const d = new MemoryPort({ name: 'd', net });
    const e = new MemoryPort({ name: 'e', net });
    MemoryLink.connect(c, d);
    expect(() => MemoryLink.connect(c, e)).toThrow(/already linked/);
  });
});

describe('MemoryNet delivery', () => {
  it('manual mode moves nothing until deliver(), then in FIFO order', () => {
    const net = new MemoryNet({ mode: 'manual' });
    const l1 = MemoryPort.pair('a1', 'b1', net);
    const l2 = MemoryPort.pair('a2', 'b2', net);
    const order: string[] = [];
    l1.b.start({ receiveBatch: () => order.push('b1'), linkDown: () => {} });
    l2.b.start({ receiveBatch: () => order.push('b2'), linkDown: () => {} });
    l2.a.send(frame(1), 0, 60);
    l2.a.flush();
    l1.a.send(frame(1), 0, 60);
    l1.a.flush();
    expect(order).toEqual([]);
    expect(net.deliver(1)).toBe(1);
    expect(order).toEqual(['b2']);
    expect(net.deliver()).toBe(1);
    expect(order).toEqual(['b2', 'b1']);
  });

  it('a chain of 2000 forwarders delivers with constant stack depth (no recursion)', () => {
    const net = new MemoryNet();
    const N = 2000;
    // hop i: link i's b end forwards out of link i+1's a end
    const links: MemoryLink[] = [];
    for (let i = 0; i <= N; i++) links.push(MemoryPort.pair(`a${i}`, `b${i}`, net));
    const fwds: Forwarder[] = [];
    for (let i = 0; i < N; i++) {
      const f = new Forwarder(links[i + 1]!.a);
      fwds.push(f);
      links[i]!.b.start(f);
    }
    const end = new Recorder();
    links[N]!.b.start(end);
    let maxDepth = 0;
    const probe = links[N]!.b;
    const orig = probe.acceptBatch.bind(probe);
    probe.acceptBatch = (b) => {
      maxDepth = Math.max(maxDepth, new Error().stack!.split('\n').length);
      return orig(b);
    };
    links[0]!.a.send(frame(42), 0, 60);
    links[0]!.a.flush();
    expect(end.frames.map((f) => f[14])).toEqual([42]);
    expect(fwds.every((f) => f.received === 1)).toBe(true);
    expect(maxDepth).toBeLessThan(30);
    expect(net.pending).toBe(0);
  });

  it('a forwarding loop without STP stops after maxBatchesPerDrain and resumes on deliver()', () => {
    const net = new MemoryNet({ maxBatchesPerDrain: 1000 });
    // a ring of three one-port "bridges": x.b -> y.a, y.b -> z.a, z.b -> x.a
    const x = MemoryPort.pair('xa', 'xb', net);
    const y = MemoryPort.pair('ya', 'yb', net);
    const z = MemoryPort.pair('za', 'zb', net);
    x.b.start(new Forwarder(y.a));
    y.b.start(new Forwarder(z.a));
    const zf = new Forwarder(x.a);
    z.b.start(zf);
    x.a.send(frame(1), 0, 60);
    x.a.flush(); // returns despite the endless loop
    expect(net.deliveredBatches).toBe(1000);
    expect(net.pending).toBe(1);
    expect(net.deliver(300)).toBe(300);
    expect(net.deliveredBatches).toBe(1300);
    // cutting a cable ends the storm
    y.down();
    net.deliver();
    expect(net.pending).toBe(0);
  });

  it('reuses batches from its pool (no allocation per hop once warm)', () => {
    const net = new MemoryNet();
    const link = MemoryPort.pair('a', 'b', net);
    const bufs = new Set<Uint8Array>();
    link.b.start({ receiveBatch: (buf) => void bufs.add(buf), linkDown: () => {} });
    for (let i = 0; i < 100; i++) {
      link.a.send(frame(i), 0, 60);
      link.a.flush();
    }
    expect(bufs.size).toBeLessThanOrEqual(2);
  });
});
