// The engine's side of super-frames (RxOffload beside a batch): one pass through the pipeline
// per super-frame, sent whole to ports whose driver has sendSuper, cut for the others, refused
// where its segments do not fit, and plain frames of the same batch untouched. The offload here
// is a stand-in for the addon's (a pure-logic mock); test/e2e/offload.test.ts has real peers.
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import type { RxOffload } from '../../src/bridge/port-io.js';
import { MAC_BROADCAST, parseMac } from '../../src/frame/mac.js';
import { CapturePort, frame } from '../helpers/capture-port.js';

const H1 = parseMac('02:00:00:00:01:01');
const H2 = parseMac('02:00:00:00:01:02');

/** A capture port whose device takes super-frames whole. */
class SuperPort extends CapturePort {
  readonly supers: { len: number; hdr: number }[] = [];
  readonly sendSuper = (buf: Uint8Array, off: number, len: number, offload: RxOffload, i: number): boolean => {
    this.supers.push({ len, hdr: offload.hdrs[i]! });
    return true;
  };
}

/** Frame i of the batch is a super-frame of `len` bytes whose segments are `seg` bytes; cuts make `n` segments. */
function fakeOffload(count: number, supers: Record<number, number>, n = 3, seg = 1514) {
  const segLen = new Int32Array(count);
  const hdrs = new Uint8Array(count);
  for (const [i, l] of Object.entries(supers)) {
    segLen[Number(i)] = l;
    hdrs[Number(i)] = 0x40 + Number(i);
  }
  const segBuf = new Uint8Array(n * seg);
  const segOffs = new Int32Array(n);
  const segLens = new Int32Array(n);
  const cuts: number[] = [];
  const offload: RxOffload = {
    segLen, hdrs, segBuf, segOffs, segLens,
    segment(buf, off, _len, i) {
      cuts.push(i);
      for (let k = 0; k < n; k++) {
        segBuf.set(buf.subarray(off, off + 14), k * seg); // each segment repeats the Ethernet header
        segBuf[k * seg + 14] = k;
        segOffs[k] = k * seg;
        segLens[k] = seg;
      }
      return n;
    },
  };
  return { offload, cuts };
}

function setup() {
  const br = new Bridge({ name: 'br0', clock: new VirtualClock(1000), mac: parseMac('02:00:00:00:bb:00') });
  const p1 = new SuperPort('p1');
  const p2 = new SuperPort('p2');
  const p3 = new CapturePort('p3');
  const p4 = new SuperPort('p4', { mtu: 1000 });
  for (const p of [p1, p2, p3, p4]) br.addPort(p);
  return { br, p1, p2, p3, p4 };
}

/** Delivers frames as one batch with an offload beside it, as a vnet TAP would. */
function deliver(p: CapturePort, frames: Uint8Array[], offload: RxOffload | null): void {
  const total = frames.reduce((a, f) => a + f.length, 0);
  const buf = new Uint8Array(total);
  const offs: number[] = [];
  const lens: number[] = [];
  let o = 0;
  for (const f of frames) {
    buf.set(f, o);
    offs.push(o);
    lens.push(f.length);
    o += f.length;
  }
  p.sink!.receiveBatch(buf, offs, lens, frames.length, offload);
}

function superFrame(dst: number, src: number, len: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set(frame(dst, src).subarray(0, 14));
  return f;
}

describe('Bridge: super-frames beside a batch', () => {
  it('tells drivers it takes super-frames', () => {
    const { p1 } = setup();
    expect(p1.sink!.takesSuperFrames).toBe(true);
  });

  it('known unicast: sent whole to a port with sendSuper, once, with its own header; plain frames of the batch as usual', () => {
    const { br, p1, p2, p3 } = setup();
    p2.inject(frame(MAC_BROADCAST, H2)); // learn H2 on p2
    p1.sent.length = 0;
    p3.sent.length = 0;
    const { offload, cuts } = fakeOffload(3, { 1: 1514 });
    deliver(p1, [frame(H2, H1), superFrame(H2, H1, 20_000), frame(H2, H1)], offload);
    expect(p2.supers).toEqual([{ len: 20_000, hdr: 0x41 }]);
    expect(p2.sent.map((s) => s.bytes.length)).toEqual([60, 60]);
    expect(cuts).toEqual([]);
    expect(br.ports[2]!.txFrames).toBe(3);
    expect(br.ports[2]!.txBytes).toBe(20_120);
    expect(br.ports[1]!.rxFrames).toBe(3);
    expect(br.ports[1]!.dropMalformed).toBe(0);
    expect(br.forwarded).toBe(3);
  });

  it('flood: whole to ports that take it, cut into wire frames for a port that does not, refused where segments do not fit', () => {
    const { br, p1, p2, p3, p4 } = setup();
    const { offload, cuts } = fakeOffload(1, { 0: 1514 });
    deliver(p1, [superFrame(H2, H1, 9000)], offload);
    expect(br.unknownUnicastFlooded).toBe(1);
    expect(p2.supers.map((s) => s.len)).toEqual([9000]);
    expect(cuts).toEqual([0]);
    expect(p3.sent.map((s) => [s.bytes.length, s.bytes[14]])).toEqual([[1514, 0], [1514, 1], [1514, 2]]);
    expect(br.ports[3]!.txFrames).toBe(3);
    // p4's MTU of 1000 does not carry 1514-byte segments: as a frame too long for it
    expect(p4.supers).toEqual([]);
    expect(p4.sent).toEqual([]);
    expect(br.ports[4]!.dropTxError).toBe(1);
  });

  it('a super-frame whose segments are longer than the ingress port carries is malformed; so is a long frame without offload', () => {
    const { br, p1, p4 } = setup();
    const { offload } = fakeOffload(1, { 0: 1514 });
    deliver(p4, [superFrame(H2, H1, 9000)], offload);
    expect(br.ports[4]!.dropMalformed).toBe(1);
    deliver(p1, [superFrame(H2, H1, 9000)], null);
    expect(br.ports[1]!.dropMalformed).toBe(1);
    expect(br.rxFrames).toBe(2);
    expect(br.unknownUnicastFlooded).toBe(0);
  });

  it('capture sees the super-frame whole on ingress and on a port that takes it, the segments on one that does not', () => {
    const { br, p1, p2, p3 } = setup();
    const seen: string[] = [];
    for (const no of [1, 2, 3]) {
      br.ports[no]!.capture = { frame: (dir, _b, _o, len) => seen.push(`p${no} ${dir === 0 ? 'in' : 'out'} ${len}`) };
    }
    const { offload } = fakeOffload(1, { 0: 1514 }, 2);
    deliver(p1, [superFrame(H2, H1, 3000)], offload);
    expect(seen).toEqual(['p1 in 3000', 'p2 out 3000', 'p3 out 1514', 'p3 out 1514']);
    expect(p2.supers.length + p3.sent.length).toBe(3);
  });
});
