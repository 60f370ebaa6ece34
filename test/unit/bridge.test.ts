import { describe, it, expect } from 'vitest';
import { Bridge, type BridgeOptions } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { PORT_FORWARDING, PORT_LEARNING, PORT_BLOCKING } from '../../src/stp/port-state.js';
import type { BridgeEvent } from '../../src/bridge/events.js';
import { MAC_BROADCAST, MAC_STP, parseMac, formatMac, readMac } from '../../src/frame/mac.js';
import { buildTcnBpdu } from '../../src/stp/bpdu.js';
import { FDB_TO_HOST } from '../../src/fdb/fdb.js';
import { CapturePort, capturePorts, frame } from '../helpers/capture-port.js';

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');
const C = parseMac('02:00:00:00:00:0c');
const D = parseMac('02:00:00:00:00:0d');
const MCAST = parseMac('01:00:5e:00:00:fb');
const BR_MAC = parseMac('02:00:00:00:bb:00');
const T = 300_000;

function setup(n: number, opts: Partial<BridgeOptions> = {}) {
  const clock = new VirtualClock(1_000);
  const br = new Bridge({ name: 'br0', clock, mac: BR_MAC, ...opts });
  const { ports, log } = capturePorts(n);
  const bp = ports.map((p) => br.addPort(p));
  const events: (BridgeEvent & { time: number })[] = [];
  br.on((e) => events.push(e));
  const sentTo = () => log.ports().sort();
  const clear = () => log.clear();
  return { br, clock, ports, bp, log, events, sentTo, clear, p: ports };
}

/** Teaches the bridge that mac lives behind port (a frame from it to a MAC nobody has). */
function teach(port: CapturePort, mac: number) {
  port.inject(frame(parseMac('02:99:99:99:99:99'), mac));
}

describe('Bridge: ports', () => {
  it('ports are forwarding right after addPort (STP off), numbered from 1', () => {
    const { br, bp } = setup(3);
    expect(br.stp.enabled).toBe(false);
    expect(bp.map((p) => p.no)).toEqual([1, 2, 3]);
    for (const p of bp) {
      expect(p.state).toBe(PORT_FORWARDING);
      expect(p.up).toBe(true);
    }
  });

  it('each port MAC is a local FDB entry; a duplicate name is refused', () => {
    const { br, p } = setup(2);
    expect(br.fdb.lookup(0, p[0]!.mac, 0)).toBe(FDB_TO_HOST);
    expect(() => br.addPort(new CapturePort('p1'))).toThrow(/p1/);
  });

  it('host port carries the bridge MAC and receives frames addressed to it', () => {
    const { br, p, log } = setup(2);
    const host = new CapturePort('br0', { log, mac: 0x020000000999 });
    const hp = br.addPort(host, { host: true });
    expect(hp.no).toBe(0);
    expect(hp.mac).toBe(BR_MAC);
    expect(hp.state).toBe(PORT_FORWARDING);
    p[0]!.inject(frame(BR_MAC, A));
    expect(log.ports()).toEqual(['br0']);
    log.clear();
    p[0]!.inject(frame(p[1]!.mac, A)); // a port's own MAC also goes to the host
    expect(log.ports()).toEqual(['br0']);
  });
});

describe('Bridge: learning and forwarding', () => {
  it('learns the source MAC on the ingress port', () => {
    const { br, p, bp, events } = setup(3);
    p[0]!.inject(frame(B, A));
    expect(br.fdb.lookup(0, A, 1_000)).toBe(bp[0]!.no);
    expect(br.learned).toBe(1);
    expect(events.filter((e) => e.type === 'learned')).toMatchObject([{ mac: formatMac(A), port: 'p1', vid: 0 }]);
  });

  it('broadcast floods to every other forwarding port, never back to ingress', () => {
    const { br, p, sentTo, log, bp } = setup(4);
    const f = frame(MAC_BROADCAST, A, { etherType: 0x0806 });
    p[1]!.inject(f);
    expect(sentTo()).toEqual(['p1', 'p3', 'p4']);
    for (const s of log.frames) expect(s.bytes).toEqual(f);
    expect(br.flooded).toBe(1);
    expect(bp[0]!.txFlooded).toBe(1);
  });

  it('multicast and unknown unicast flood the same way', () => {
    const { br, p, sentTo, clear } = setup(4);
    p[3]!.inject(frame(MCAST, A));
    expect(sentTo()).toEqual(['p1', 'p2', 'p3']);
    clear();
    p[3]!.inject(frame(B, A));
    expect(sentTo()).toEqual(['p1', 'p2', 'p3']);
    expect(br.unknownUnicastFlooded).toBe(1);
  });

  it('known unicast goes to exactly one port, bytes unchanged', () => {
    const { br, p, log, clear } = setup(4);
    teach(p[2]!, B);
    clear();
    const f = frame(B, A, { payload: new Uint8Array([9, 8, 7, 6]) });
    p[0]!.inject(f);
    expect(log.ports()).toEqual(['p3']);
    expect(log.frames[0]!.bytes).toEqual(f);
    expect(br.forwarded).toBe(1);
    // and the reply goes back to where A was learned
    clear();
    p[2]!.inject(frame(A, B));
    expect(log.ports()).toEqual(['p1']);
  });

  it('reads the MACs where each batch lies: a view at an offset into a larger buffer, and a new buffer on the same port', () => {
    const { br, p, bp, log, clear } = setup(3);
    teach(p[2]!, B);
    clear();
    const sink = p[0]!.sink!;
    const fa = frame(B, A);
    // bytes around the frames are group addresses: a MAC read from the wrong place is malformed
    const big = new Uint8Array(256).fill(0xff);
    const view = big.subarray(3, 200);
    view.set(fa, 7);
    sink.receiveBatch(view, [7], [fa.length], 1);
    expect(br.fdb.lookup(0, A, 1_000)).toBe(bp[0]!.no);
    const other = new Uint8Array(128).fill(0xff);
    const fc = frame(B, C);
    other.set(fc, 0);
    sink.receiveBatch(other, [0], [fc.length], 1);
    expect(br.fdb.lookup(0, C, 1_000)).toBe(bp[0]!.no);
    // back to the first buffer, with a new frame in it
    const fd = frame(B, D);
    view.set(fd, 7);
    sink.receiveBatch(view, [7], [fd.length], 1);
    expect(br.fdb.lookup(0, D, 1_000)).toBe(bp[0]!.no);
    expect(bp[0]!.dropMalformed).toBe(0);
    expect(log.ports()).toEqual(['p3', 'p3', 'p3']);
    expect(log.frames.map((s) => s.bytes)).toEqual([fa, fc, fd]);
  });

  it('a destination on the ingress port is filtered and counted', () => {
    const { br, p, bp, log, clear } = setup(3);
    teach(p[0]!, B);
    clear();
    p[0]!.inject(frame(B, A));
    expect(log.frames).toEqual([]);
    expect(bp[0]!.dropFiltered).toBe(1);
    expect(br.filtered).toBe(1);
  });

  it('hairpin on the ingress port: filtered frames and floods go back out of it', () => {
    const { p, bp, sentTo, clear } = setup(3);
    teach(p[0]!, B);
    bp[0]!.setFlags({ hairpin: true });
    clear();
    p[0]!.inject(frame(B, A));
    expect(sentTo()).toEqual(['p1']);
    expect(bp[0]!.dropFiltered).toBe(0);
    clear();
    p[0]!.inject(frame(MAC_BROADCAST, A));
    expect(sentTo()).toEqual(['p1', 'p2', 'p3']);
  });

  it('egress flood flags exclude a port per frame class; known unicast is unaffected', () => {
    const { p, bp, sentTo, clear } = setup(4);
    teach(p[1]!, B);
    bp[1]!.setFlags({ floodUnicast: false });
    bp[2]!.setFlags({ floodBroadcast: false });
    bp[3]!.setFlags({ floodMulticast: false });
    clear();
    p[0]!.inject(frame(C, A)); // unknown unicast
    expect(sentTo()).toEqual(['p3', 'p4']);
    clear();
    p[0]!.inject(frame(MAC_BROADCAST, A));
    expect(sentTo()).toEqual(['p2', 'p4']);
    clear();
    p[0]!.inject(frame(MCAST, A));
    expect(sentTo()).toEqual(['p2', 'p3']);
    clear();
    p[0]!.inject(frame(B, A)); // known unicast to the port that refuses unicast floods
    expect(sentTo()).toEqual(['p2']);
  });

  it('learning off: the source is not learned and replies flood', () => {
    const { br, p, bp, sentTo, clear } = setup(3);
    bp[0]!.setFlags({ learning: false });
    p[0]!.inject(frame(B, A));
    expect(br.fdb.lookup(0, A, 1_000)).toBe(-1);
    expect(br.learned).toBe(0);
    clear();
    p[1]!.inject(frame(A, B));
    expect(sentTo()).toEqual(['p1', 'p3']);
  });

  it('hub mode (setAgeing(0)): every unicast floods, nothing is learned', () => {
    const { br, p, sentTo, clear } = setup(3);
    teach(p[1]!, B);
    br.setAgeing(0);
    clear();
    p[0]!.inject(frame(B, A));
    expect(sentTo()).toEqual(['p2', 'p3']);
    clear();
    p[1]!.inject(frame(A, B));
    expect(sentTo()).toEqual(['p1', 'p3']);
    expect(br.fdb.learnedCount).toBe(0);
  });

  it('static entries win: a frame from a static MAC on another port does not move it', () => {
    const { br, p, log, clear } = setup(3);
    br.addStatic(B, 'p3');
    p[0]!.inject(frame(C, B));
    expect(br.pinnedSourceSeen).toBe(1);
    clear();
    p[1]!.inject(frame(B, A));
    expect(log.ports()).toEqual(['p3']);
    expect(() => br.addStatic(A, 'nope')).toThrow(/nope/);
  });
});

describe('Bridge: link-local and BPDUs', () => {
  it('01:80:c2:00:00:01..0f are dropped and counted by default', () => {
    const { p, bp, log, br } = setup(3);
    for (let i = 1; i <= 0x0f; i++) p[0]!.inject(frame(MAC_STP + i, A));
    expect(log.frames).toEqual([]);
    expect(bp[0]!.dropLinkLocal).toBe(15);
    expect(br.fdb.lookup(0, A, 1_000)).toBe(-1); // not learned either
  });

  it('a groupFwdMask with the STP, pause or LACP bit is refused, as the kernel refuses it', () => {
    for (const bit of [0, 1, 2]) {
      expect(() => new Bridge({ name: 'm', clock: new VirtualClock(), groupFwdMask: 1 << bit })).toThrow(/without bits 0–2/);
    }
  });

  it('a groupFwdMask bit forwards that group (flooded as multicast); pause (…:01) never', () => {
    const { p, bp, sentTo, clear, br } = setup(3, { groupFwdMask: (1 << 0x0e) | (1 << 0x03) });
    br.groupFwdMask |= 1 << 0x01; // even set behind the constructor's back, pause is never forwarded
    p[0]!.inject(frame(MAC_STP + 0x0e, A)); // LLDP
    expect(sentTo()).toEqual(['p2', 'p3']);
    clear();
    p[0]!.inject(frame(MAC_STP + 0x03, A)); // 802.1X PAE
    expect(sentTo()).toEqual(['p2', 'p3']);
    clear();
    p[0]!.inject(frame(MAC_STP + 0x01, A));
    p[0]!.inject(frame(MAC_STP + 0x0d, A));
    expect(sentTo()).toEqual([]);
    expect(bp[0]!.dropLinkLocal).toBe(2);
  });

  it('BPDUs (01:80:c2:00:00:00) are flooded while STP is off', () => {
    const { p, sentTo, bp } = setup(4);
    const llc = new Uint8Array(38);
    llc.set([0x42, 0x42, 0x03]);
    p[2]!.inject(frame(MAC_STP, A, { etherType: llc.length, payload: llc }));
    expect(sentTo()).toEqual(['p1', 'p2', 'p4']);
    expect(bp[2]!.dropLinkLocal).toBe(0);
  });
});

describe('Bridge: malformed frames', () => {
  it('too short, too long, multicast or zero source: dropped, counted, not learned', () => {
    const { br, p, bp, log } = setup(3);
    const ok = frame(B, A);
    p[0]!.inject({ buf: ok, len: 13 });
    p[0]!.inject({ buf: new Uint8Array(0), len: 0 });
    p[0]!.inject(frame(B, A, { payload: new Uint8Array(1500 + 18 - 14 + 1) })); // 1519 > mtu + 18
    p[0]!.inject(frame(B, MCAST));
    p[0]!.inject(frame(B, MAC_BROADCAST));
    p[0]!.inject(frame(B, 0));
    expect(log.frames).toEqual([]);
    expect(bp[0]!.dropMalformed).toBe(6);
    expect(br.fdb.learnedCount).toBe(0);
    expect(bp[0]!.rxFrames).toBe(6);
  });

  it('boundaries: 14 bytes and mtu + 18 bytes pass; the mtu is per port', () => {
    const { p, bp, log } = setup(2);
    p[0]!.inject(frame(B, A).subarray(0, 14));
    p[0]!.inject(frame(B, A, { payload: new Uint8Array(1500 + 4) })); // 1518
    expect(log.frames.map((f) => f.bytes.length)).toEqual([14, 1518]);
    expect(bp[0]!.dropMalformed).toBe(0);
    const j = setup(0);
    const j1 = new CapturePort('j1', { mtu: 9000, log: j.log });
    const j2 = new CapturePort('j2', { mtu: 9000, log: j.log });
    j.br.addPort(j1);
    const jp2 = j.br.addPort(j2);
    j1.inject(frame(B, C, { payload: new Uint8Array(9004) }));
    j1.inject(frame(B, C, { payload: new Uint8Array(9005) }));
    expect(j.log.frames.map((f) => [f.port, f.bytes.length])).toEqual([['j2', 9018]]);
    expect(jp2.maxFrame).toBe(9018);
  });
});

describe('Bridge: ageing and events', () => {
  it('tick() ages an entry at exactly the ageing time, not a millisecond before', () => {
    const { br, clock, p, log, clear, events } = setup(3);
    teach(p[1]!, B); // at 1000
    clock.advance(T - 1);
    br.tick();
    clear();
    p[0]!.inject(frame(B, A));
    expect(log.ports()).toEqual(['p2']);
    expect(br.aged).toBe(0);
    clock.advance(1);
    br.tick();
    expect(br.aged).toBe(1);
    expect(events.filter((e) => e.type === 'aged')).toMatchObject([{ mac: formatMac(B), port: 'p2', vid: 0 }]);
    clear();
    p[2]!.inject(frame(B, C));
    expect(log.ports().sort()).toEqual(['p1', 'p2']);
  });

  it('a forwarded-to MAC still ages: lookups do not refresh', () => {
    const { br, clock, p } = setup(2);
    teach(p[1]!, B);
    for (let i = 0; i < 10; i++) { clock.advance(T / 10 - 1); p[0]!.inject(frame(B, A)); }
    clock.advance(10);
    br.tick();
    expect(br.fdb.lookup(0, B, clock.now())).toBe(-1);
    expect(br.fdb.lookup(0, A, clock.now())).toBe(1);
  });

  it('learned, moved and aged are emitted once each; a refresh emits nothing', () => {
    const { br, clock, p, events } = setup(3);
    const of = () => events.filter((e) => e.type === 'learned' || e.type === 'moved' || e.type === 'aged').map((e) => e.type);
    p[0]!.inject(frame(B, A), frame(B, A), frame(MAC_BROADCAST, A));
    expect(of()).toEqual(['learned']);
    clock.advance(1000);
    p[0]!.inject(frame(B, A));
    expect(of()).toEqual(['learned']);
    p[1]!.inject(frame(B, A), frame(B, A));
    expect(of()).toEqual(['learned', 'moved']);
    expect(events.find((e) => e.type === 'moved')).toMatchObject({ mac: formatMac(A), from: 'p1', to: 'p2' });
    expect(br.moved).toBe(1);
    clock.advance(T);
    br.tick();
    br.tick();
    expect(of()).toEqual(['learned', 'moved', 'aged']);
    expect(br.aged).toBe(1);
  });

  it('no listener: nothing is built, counters still count', () => {
    const clock = new VirtualClock();
    const br = new Bridge({ name: 'br1', clock, mac: BR_MAC });
    const { ports } = capturePorts(2);
    ports.forEach((x) => br.addPort(x));
    expect(br.hasListeners).toBe(false);
    ports[0]!.inject(frame(B, A));
    expect(br.learned).toBe(1);
    const off = br.on(() => {});
    expect(br.hasListeners).toBe(true);
    off();
    expect(br.hasListeners).toBe(false);
  });

  it('evict-oldest through the bridge emits evicted and counts it', () => {
    const { br, p, events } = setup(2, { maxEntries: 2 });
    p[0]!.inject(frame(D, A), frame(D, B), frame(D, C));
    expect(br.evicted).toBe(1);
    expect(events.find((e) => e.type === 'evicted')).toMatchObject({ mac: formatMac(A), port: 'p1' });
    expect(br.fdb.learnedCount).toBe(2);
  });

  it('refuse-new: the frame is still forwarded, the MAC not learned', () => {
    const { br, p, log, clear } = setup(2, { maxEntries: 1, policy: 'refuse-new' });
    p[0]!.inject(frame(D, A));
    clear();
    p[0]!.inject(frame(D, B));
    expect(log.ports()).toEqual(['p2']);
    expect(br.notLearnedTableFull).toBe(1);
    expect(br.fdb.lookup(0, B, 1_000)).toBe(-1);
  });
});

describe('Bridge: link state, port removal, send failures', () => {
  it('link down: no sends to the port, its entries flushed, link up restores it', () => {
    const { br, p, bp, sentTo, clear, events } = setup(3);
    teach(p[1]!, B);
    br.addStatic(D, 'p2');
    p[1]!.linkDown('carrier lost');
    expect(bp[1]!.up).toBe(false);
    expect(bp[1]!.state).not.toBe(PORT_FORWARDING);
    expect(events.find((e) => e.type === 'port-down')).toMatchObject({ port: 'p2', reason: 'carrier lost' });
    expect(br.fdb.lookup(0, B, br.clock.now())).toBe(-1);
    expect(br.fdb.get(0, D)?.kind).toBe('static'); // static entries stay
    clear();
    p[0]!.inject(frame(MAC_BROADCAST, A));
    p[0]!.inject(frame(B, A));
    p[0]!.inject(frame(D, A));
    expect(sentTo()).toEqual(['p3', 'p3']);
    expect(p[1]!.sendCalls).toBe(0);
    // frames arriving on a down port are not forwarded
    clear();
    p[1]!.inject(frame(MAC_BROADCAST, C));
    expect(sentTo()).toEqual([]);
    expect(br.fdb.lookup(0, C, br.clock.now())).toBe(-1);
    p[1]!.linkUp();
    expect(bp[1]!.up).toBe(true);
    expect(bp[1]!.state).toBe(PORT_FORWARDING);
    clear();
    p[0]!.inject(frame(MAC_BROADCAST, A));
    expect(sentTo()).toEqual(['p2', 'p3']);
  });

  it('removePort: entries and local address go, driver closed, number reused', () => {
    const { br, p, bp, sentTo, clear, events } = setup(3);
    teach(p[1]!, B);
    br.addStatic(D, 'p2');
    const no = bp[1]!.no;
    const mac2 = p[1]!.mac;
    br.removePort('p2');
    expect(p[1]!.closed).toBe(true);
    expect(br.ports[no]).toBeUndefined();
    expect(br.portByName('p2')).toBeUndefined();
    expect(br.fdb.get(0, B)).toBeUndefined();
    expect(br.fdb.get(0, D)).toBeUndefined();
    expect(br.fdb.get(0, mac2)).toBeUndefined();
    expect(events.find((e) => e.type === 'port-removed')).toMatchObject({ port: 'p2', no });
    clear();
    p[0]!.inject(frame(B, A));
    expect(sentTo()).toEqual(['p3']);
    expect(() => br.removePort('p2')).toThrow(/p2/);
    const again = br.addPort(new CapturePort('p9'));
    expect(again.no).toBe(no);
    expect(again.state).toBe(PORT_FORWARDING);
  });

  it('a failed send is counted as dropNoBuffer and not as tx', () => {
    const { p, bp, sentTo } = setup(3);
    p[1]!.failSend = true;
    p[0]!.inject(frame(MAC_BROADCAST, A));
    expect(sentTo()).toEqual(['p3']);
    expect(bp[1]!.dropNoBuffer).toBe(1);
    expect(bp[1]!.txFrames).toBe(0);
    expect(bp[1]!.txBytes).toBe(0);
    expect(bp[2]!.txFrames).toBe(1);
  });
});

describe('Bridge: counters and batching', () => {
  it('rx/tx frames and bytes are exact', () => {
    const { br, p, bp } = setup(3);
    const f1 = frame(MAC_BROADCAST, A, { payload: new Uint8Array(100) }); // 114
    const f2 = frame(A, B, { payload: new Uint8Array(50) }); // 64
    const f3 = frame(B, A, { payload: new Uint8Array(200) }); // 214
    p[0]!.inject(f1);        // flood p2, p3
    p[1]!.inject(f2);        // known: to p1
    p[0]!.inject(f3);        // known: to p2
    p[0]!.inject({ buf: f3, len: 10 }); // malformed: counted rx only
    expect(br.rxFrames).toBe(4);
    expect([bp[0]!.rxFrames, bp[0]!.rxBytes]).toEqual([3, 114 + 214 + 10]);
    expect([bp[1]!.rxFrames, bp[1]!.rxBytes]).toEqual([1, 64]);
    expect([bp[2]!.rxFrames, bp[2]!.rxBytes]).toEqual([0, 0]);
    expect([bp[0]!.txFrames, bp[0]!.txBytes]).toEqual([1, 64]);
    expect([bp[1]!.txFrames, bp[1]!.txBytes]).toEqual([2, 114 + 214]);
    expect([bp[2]!.txFrames, bp[2]!.txBytes]).toEqual([1, 114]);
    expect(br.forwarded).toBe(2);
    expect(br.flooded).toBe(1);
    expect(bp[1]!.txFlooded).toBe(1);
    expect(bp[0]!.dropMalformed).toBe(1);
    expect(bp[0]!.drops()).toMatchObject({ malformed: 1, filtered: 0 });
  });

  it('one flush per egress port per batch, none where nothing was sent', () => {
    const { p } = setup(4);
    teach(p[1]!, B);
    for (const x of p) x.clear();
    const batch = [];
    for (let i = 0; i < 16; i++) batch.push(frame(MAC_BROADCAST, A), frame(B, A));
    p[0]!.inject(...batch);
    expect(p.map((x) => x.flushes)).toEqual([0, 1, 1, 1]);
    expect(p.map((x) => x.sent.length)).toEqual([0, 32, 16, 16]);
    expect(p.map((x) => x.pending)).toEqual([0, 0, 0, 0]);
    p[0]!.inject(frame(B, A));
    expect(p.map((x) => x.flushes)).toEqual([0, 2, 1, 1]);
    p[0]!.inject(frame(B, 0)); // nothing leaves
    expect(p.map((x) => x.flushes)).toEqual([0, 2, 1, 1]);
  });

  it('a failed send still gets its port flushed once', () => {
    const { p } = setup(2);
    p[1]!.failSend = (_b, _o, len) => len > 60;
    p[0]!.inject(frame(MAC_BROADCAST, A), frame(MAC_BROADCAST, A, { payload: new Uint8Array(100) }));
    expect(p[1]!.flushes).toBe(1);
    expect(p[1]!.sent.length).toBe(1);
  });

  it('frames in one batch are handled in order (learn from frame 1 serves frame 2)', () => {
    const { p, log } = setup(3);
    p[1]!.inject(frame(MAC_BROADCAST, B), frame(B, C), frame(A, B));
    // 1: flood p1,p3  2: B is on p2 = ingress → filtered  3: A unknown → flood
    expect(log.ports()).toEqual(['p1', 'p3', 'p1', 'p3']);
  });
});

describe('Bridge: per-port limit', () => {
  it('a new MAC past the port limit is dropped (dropLimit), others still pass', () => {
    const { br, p, bp, log, clear } = setup(2, { perPortLimit: 2 });
    p[0]!.inject(frame(D, A), frame(D, B));
    clear();
    p[0]!.inject(frame(D, C));
    expect(log.frames).toEqual([]);
    expect(bp[0]!.dropLimit).toBe(1);
    expect(br.fdb.lookup(0, C, 1_000)).toBe(-1);
    p[0]!.inject(frame(D, A));
    expect(log.ports()).toEqual(['p2']);
    p[1]!.inject(frame(D, C)); // another port has room
    expect(br.fdb.lookup(0, C, 1_000)).toBe(2);
  });
});

describe('Bridge: port states', () => {
  it('learning state learns but does not forward; blocking drops', () => {
    const { br, p, bp, log } = setup(3);
    bp[0]!.setState(PORT_LEARNING);
    p[0]!.inject(frame(MAC_BROADCAST, A));
    expect(log.frames).toEqual([]);
    expect(br.fdb.lookup(0, A, 1_000)).toBe(1);
    expect(bp[0]!.dropStpBlocked).toBe(1);
    bp[1]!.setState(PORT_BLOCKING);
    p[1]!.inject(frame(MAC_BROADCAST, B));
    expect(br.fdb.lookup(0, B, 1_000)).toBe(-1);
    expect(bp[1]!.dropStpBlocked).toBe(1);
    // neither receives floods nor known unicast
    p[2]!.inject(frame(MAC_BROADCAST, C), frame(A, C));
    expect(log.frames).toEqual([]);
  });
});

describe('Bridge: VLAN filtering', () => {
  function vsetup() {
    const s = setup(4, { vlanFiltering: true });
    const [p1, p2, p3, p4] = s.bp as [typeof s.bp[0], typeof s.bp[0], typeof s.bp[0], typeof s.bp[0]];
    const member = (...v: number[]) => { const a = new Uint8Array(4096); for (const x of v) a[x] = 1; return a; };
    p1.pvid = 10; p1.vlans = member(10);
    p2.pvid = 10; p2.vlans = member(10, 20);
    p3.pvid = 20; p3.vlans = member(20);
    p4.pvid = 1; p4.vlans = null; // all VLANs
    return s;
  }

  it('untagged frames take the pvid; learning is per vid', () => {
    const { br, p } = vsetup();
    p[0]!.inject(frame(MAC_BROADCAST, A));
    expect(br.fdb.lookup(10, A, 1_000)).toBe(1);
    expect(br.fdb.lookup(0, A, 1_000)).toBe(-1);
    expect(br.fdb.lookup(1, A, 1_000)).toBe(-1);
  });

  it('tagged frames use the tag vid', () => {
    const { br, p } = vsetup();
    p[1]!.inject(frame(MAC_BROADCAST, A, { vlan: 20 }));
    expect(br.fdb.lookup(20, A, 1_000)).toBe(2);
    expect(br.fdb.lookup(10, A, 1_000)).toBe(-1);
  });

  it('floods reach only member ports; non-member ingress is dropped (dropVlan)', () => {
    const { p, bp, sentTo, clear } = vsetup();
    p[0]!.inject(frame(MAC_BROADCAST, A)); // vid 10
    expect(sentTo()).toEqual(['p2', 'p4']);
    clear();
    p[1]!.inject(frame(MAC_BROADCAST, B, { vlan: 20 }));
    expect(sentTo()).toEqual(['p3', 'p4']);
    clear();
    p[0]!.inject(frame(MAC_BROADCAST, A, { vlan: 20 })); // p1 is not in 20
    expect(sentTo()).toEqual([]);
    expect(bp[0]!.dropVlan).toBe(1);
  });

  it('the same MAC lives independently per VLAN; known unicast stays in its VLAN', () => {
    const { br, p, sentTo, clear } = vsetup();
    p[2]!.inject(frame(MAC_BROADCAST, B)); // B on vid 20 at p3
    p[0]!.inject(frame(MAC_BROADCAST, B)); // B on vid 10 at p1
    expect(br.fdb.lookup(20, B, 1_000)).toBe(3);
    expect(br.fdb.lookup(10, B, 1_000)).toBe(1);
    expect(br.moved).toBe(0);
    clear();
    p[1]!.inject(frame(B, A, { vlan: 20 }));
    expect(sentTo()).toEqual(['p3']);
    clear();
    p[1]!.inject(frame(B, A)); // untagged → pvid 10
    expect(sentTo()).toEqual(['p1']);
    clear();
    p[1]!.inject(frame(C, A, { vlan: 20 })); // unknown in 20
    expect(sentTo()).toEqual(['p3', 'p4']);
  });

  it('known unicast to a port that left the VLAN is dropped (dropVlan)', () => {
    const { p, bp, sentTo, clear } = vsetup();
    p[1]!.inject(frame(MAC_BROADCAST, B, { vlan: 20 }));
    p[3]!.inject(frame(MAC_BROADCAST, C, { vlan: 20 }));
    bp[3]!.vlans = new Uint8Array(4096); // p4 leaves every VLAN
    clear();
    p[1]!.inject(frame(C, B, { vlan: 20 }));
    expect(sentTo()).toEqual([]);
    expect(bp[1]!.dropVlan).toBe(1);
  });
});

// Regressions: priority-tagged frames used to be dropped as VLAN 0, and frames to the bridge's own
// MAC flooded the VLAN (local entries are recorded on vid 0 only).
describe('Bridge: VLAN filtering, priority tags and local addresses', () => {
  it('priority-tagged frames (vid 0) are classified to the pvid, as 802.1Q and the kernel do', () => {
    const { br, p, bp, sentTo } = setup(3, { vlanFiltering: true });
    for (const x of bp) { x.pvid = 10; x.vlans = new Uint8Array(4096); x.vlans[10] = 1; }
    p[0]!.inject(frame(MAC_BROADCAST, A, { vlan: 0, pcp: 5 }));
    expect(bp[0]!.dropVlan).toBe(0);
    expect(sentTo()).toEqual(['p2', 'p3']);
    expect(br.fdb.lookup(10, A, br.clock.now())).toBe(1);
  });

  it('frames to the bridge MAC reach the host port only, not every port of the VLAN', () => {
    const { br, p, log } = setup(2, { vlanFiltering: true });
    br.addPort(new CapturePort('br0', { log }), { host: true });
    p[0]!.inject(frame(BR_MAC, A)); // untagged → pvid 1 on every port
    expect(log.ports()).toEqual(['br0']);
  });
});

describe('Bridge: STP on (integration with the capture ports)', () => {
  function stpSetup() {
    const s = setup(3);
    s.br.stp.enable();
    for (let t = 0; t < 40; t++) { s.clock.advance(1000); s.br.tick(); } // listening → learning → forwarding
    // step to a moment when p1's hold timer is idle, so a BPDU it must answer goes out at once
    for (let t = 0; t < 10 && s.br.stpSnapshot().ports[0]!.holdTimer !== 0; t++) { s.clock.advance(250); s.br.tick(); }
    expect(s.br.stpSnapshot().ports[0]!.holdTimer).toBe(0);
    s.clear();
    for (const x of s.p) x.clear();
    return s;
  }

  it('ports reach forwarding after 2 × forward delay; BPDUs are consumed, not flooded', () => {
    const { bp, p, log, sentTo } = stpSetup();
    for (const x of bp) expect(x.state).toBe(PORT_FORWARDING);
    p[0]!.inject(buildTcnBpdu(C));
    expect(log.frames.every((f) => readMac(f.bytes, 0) === MAC_STP)).toBe(true); // only our own BPDUs
    expect(sentTo().filter((n) => n !== 'p1')).toEqual([]);
  });

  // Fails until src/bridge/bridge.ts is fixed: stpHost().sendBpdu calls flushDirty() even inside
  // receiveBatch, so every port already queued in this batch is flushed twice (see the test report).
  it('a BPDU answered in the middle of a batch does not flush the other ports twice', () => {
    const { p } = stpSetup();
    // data, a TCN (the root acknowledges it at once on p1), data
    p[0]!.inject(frame(MAC_BROADCAST, A), buildTcnBpdu(C), frame(MAC_BROADCAST, A));
    expect(p[0]!.sent.length).toBeGreaterThan(0); // the TCA config BPDU went out on p1
    expect(p.map((x) => x.flushes)).toEqual([1, 1, 1]);
  });
});
