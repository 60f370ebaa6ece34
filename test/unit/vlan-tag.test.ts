// 802.1Q egress tagging: access ports untag, trunk ports tag, the PVID, non-members dropped, and
// the scratch area never overwriting a frame a driver still holds.
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import type { PortIO, RxSink } from '../../src/bridge/port-io.js';
import { MAC_BROADCAST, parseMac } from '../../src/frame/mac.js';
import { vlanIdOf } from '../../src/frame/ethernet.js';
import { addPortVlan, delPortVlan, portVlans, ensureVlanList } from '../../src/bridge/port-vlans.js';
import { capturePorts, frame } from '../helpers/capture-port.js';

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');

/** access p1 (10 untagged pvid), access p2 (20 untagged pvid), trunk p3 (10, 20 tagged, no pvid). */
function setup() {
  const br = new Bridge({ name: 'br0', clock: new VirtualClock(1_000), vlanFiltering: true });
  const { ports, log } = capturePorts(3);
  const bp = ports.map((p) => br.addPort(p));
  for (const p of bp) { ensureVlanList(p); delPortVlan(p, 1); }
  addPortVlan(bp[0]!, 10, { pvid: true, untagged: true });
  addPortVlan(bp[1]!, 20, { pvid: true, untagged: true });
  addPortVlan(bp[2]!, 10);
  addPortVlan(bp[2]!, 20);
  return { br, p: ports, bp, log };
}

const sent = (log: ReturnType<typeof capturePorts>['log']) => log.frames.map((f) => ({ port: f.port, vid: vlanIdOf(f.bytes, 0, f.bytes.length), len: f.bytes.length }));

describe('VLAN egress tagging', () => {
  it('untagged in on an access port → tagged with its PVID out of the trunk, payload intact', () => {
    const { p, log } = setup();
    const f = frame(MAC_BROADCAST, A, { payload: Uint8Array.from({ length: 50 }, (_, i) => i) });
    p[0]!.inject(f);
    expect(sent(log)).toEqual([{ port: 'p3', vid: 10, len: f.length + 4 }]);
    const out = log.frames[0]!.bytes;
    expect(Array.from(out.subarray(0, 12))).toEqual(Array.from(f.subarray(0, 12)));
    expect(Array.from(out.subarray(16))).toEqual(Array.from(f.subarray(12)));
  });

  it('tagged in on the trunk → untagged out of the access port of that VLAN only', () => {
    const { p, log } = setup();
    const f = frame(MAC_BROADCAST, B, { vlan: 20 });
    p[2]!.inject(f);
    expect(sent(log)).toEqual([{ port: 'p2', vid: -1, len: f.length - 4 }]);
    const plain = frame(MAC_BROADCAST, B);
    expect(Array.from(log.frames[0]!.bytes)).toEqual(Array.from(plain));
  });

  it('a priority-tagged frame (vid 0) takes the PVID and leaves the trunk with that vid, priority kept', () => {
    const { p, log } = setup();
    p[0]!.inject(frame(MAC_BROADCAST, A, { vlan: 0, pcp: 5 }));
    expect(sent(log)).toEqual([{ port: 'p3', vid: 10, len: frame(MAC_BROADCAST, A, { vlan: 0 }).length }]);
    expect(log.frames[0]!.bytes[14]! >> 5).toBe(5);
  });

  it('a tagged frame of a VLAN the port is not in is dropped and counted as vlan', () => {
    const { p, bp, log } = setup();
    p[2]!.inject(frame(MAC_BROADCAST, A, { vlan: 30 }));
    p[0]!.inject(frame(MAC_BROADCAST, A, { vlan: 20 }));
    expect(log.frames).toEqual([]);
    expect(bp[2]!.dropVlan).toBe(1);
    expect(bp[0]!.dropVlan).toBe(1);
  });

  it('without a PVID, untagged frames are dropped (vlan); pvid moves with add, goes with del', () => {
    const { p, bp, log } = setup();
    p[2]!.inject(frame(MAC_BROADCAST, A));
    expect(bp[2]!.dropVlan).toBe(1);
    addPortVlan(bp[2]!, 20, { pvid: true });
    p[2]!.inject(frame(MAC_BROADCAST, A));
    expect(sent(log)).toEqual([{ port: 'p2', vid: -1, len: 60 }]);
    expect(portVlans(bp[2]!)).toEqual([{ vid: 10, pvid: false, untagged: false }, { vid: 20, pvid: true, untagged: false }]);
    addPortVlan(bp[2]!, 20); // re-added without pvid: the kernel takes the PVID away
    expect(bp[2]!.pvid).toBe(0);
    expect(delPortVlan(bp[2]!, 20)).toBe(true);
    expect(delPortVlan(bp[2]!, 20)).toBe(false);
    expect(() => addPortVlan(bp[2]!, 4095)).toThrow(/1–4094/);
  });

  it('known unicast crosses the trunk tagged and comes back untagged', () => {
    const { p, log } = setup();
    p[0]!.inject(frame(MAC_BROADCAST, A)); // A at p1 in 10
    log.clear();
    p[2]!.inject(frame(A, B, { vlan: 10 }));
    expect(sent(log)).toEqual([{ port: 'p1', vid: -1, len: 60 }]);
    log.clear();
    p[0]!.inject(frame(B, A)); // B learned at p3 in 10
    expect(sent(log)).toEqual([{ port: 'p3', vid: 10, len: 64 }]);
  });

  it('a port without a member list forwards frames as they came; filtering off never retags', () => {
    const br = new Bridge({ name: 'br1', clock: new VirtualClock(0), vlanFiltering: false });
    const { ports, log } = capturePorts(2);
    const bp = ports.map((x) => br.addPort(x));
    addPortVlan(bp[1]!, 10); // tagged member, but the bridge does not filter
    ports[0]!.inject(frame(MAC_BROADCAST, A));
    expect(sent(log)).toEqual([{ port: 'p2', vid: -1, len: 60 }]);
  });
});

/** A driver that, like FdIO, queues frames where they lie and reads them only at flush. */
class DeferredPort implements PortIO {
  readonly kind = 'test';
  readonly mtu = 1500;
  readonly speedMbps = 10000;
  readonly out: Uint8Array[] = [];
  private q: { buf: Uint8Array; off: number; len: number }[] = [];
  sink: RxSink | null = null;
  constructor(readonly name: string, readonly mac: number) {}
  send(buf: Uint8Array, off: number, len: number): boolean { this.q.push({ buf, off, len }); return true; }
  flush(): void { for (const f of this.q) this.out.push(f.buf.slice(f.off, f.off + f.len)); this.q = []; }
  start(sink: RxSink): void { this.sink = sink; }
  close(): void {}
}

describe('VLAN scratch area and deferred drivers', () => {
  it('a batch larger than the scratch area is tagged correctly frame by frame', () => {
    const br = new Bridge({ name: 'br0', clock: new VirtualClock(0), vlanFiltering: true });
    const inP = new DeferredPort('in', 0x0200000000f1);
    const trunk = new DeferredPort('trunk', 0x0200000000f2);
    const a = br.addPort(inP);
    const t = br.addPort(trunk);
    addPortVlan(a, 10, { pvid: true, untagged: true });
    addPortVlan(t, 10);
    const n = 100;
    const buf = new Uint8Array(n * 64);
    const offs: number[] = [];
    const lens: number[] = [];
    for (let i = 0; i < n; i++) {
      const f = frame(MAC_BROADCAST, 0x020000001000 + i, { payload: new Uint8Array(46).fill(i) });
      buf.set(f, i * 64);
      offs.push(i * 64);
      lens.push(f.length);
    }
    inP.sink!.receiveBatch(buf, offs, lens, n);
    expect(trunk.out.length).toBe(n);
    for (let i = 0; i < n; i++) {
      const o = trunk.out[i]!;
      expect(vlanIdOf(o, 0, o.length)).toBe(10);
      expect(o[11]).toBe(i & 0xff); // its own source MAC
      expect(o[20]).toBe(i); // and its own payload
    }
  });
});
