// traceFrame: every reason it can give, that it changes nothing at all, and that what it predicts
// is what Bridge.receive() then really does with the same frame.
import { describe, it, expect, beforeEach } from 'vitest';
import { Bridge, type BridgeOptions } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import type { PortIO, RxSink } from '../../src/bridge/port-io.js';
import { PORT_BLOCKING, PORT_LEARNING } from '../../src/stp/port-state.js';
import type { BridgePort } from '../../src/bridge/port.js';
import { traceFrame, formatTrace, type TraceInput, type TraceResult } from '../../src/bridge/trace.js';
import { buildEthernet } from '../../src/frame/ethernet.js';
import { parseMac, MAC_BROADCAST } from '../../src/frame/mac.js';

/** A PortIO double: records what the bridge sends, lets the test inject frames and drop the link. */
class TestPort implements PortIO {
  readonly kind = 'test';
  readonly mtu = 1500;
  readonly speedMbps = 10000;
  sink: RxSink | null = null;
  sent: Uint8Array[] = [];
  constructor(readonly name: string, readonly mac: number) {}
  send(buf: Uint8Array, off: number, len: number): boolean { this.sent.push(buf.slice(off, off + len)); return true; }
  flush(): void {}
  start(sink: RxSink): void { this.sink = sink; }
  close(): void {}
  inject(f: Uint8Array): void { this.sink!.receiveBatch(f, [0], [f.length], 1); }
}

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');
const C = parseMac('02:00:00:00:00:0c');
const D = parseMac('02:00:00:00:00:0d');

interface Lab { br: Bridge; clock: VirtualClock; io: Record<string, TestPort>; port: Record<string, BridgePort> }

function lab(opts: Partial<BridgeOptions> = {}): Lab {
  const clock = new VirtualClock(1_000_000);
  const br = new Bridge({ name: 'br0', clock, mac: parseMac('02:00:00:00:00:f0'), ...opts });
  const io: Record<string, TestPort> = {};
  const port: Record<string, BridgePort> = {};
  io['br0'] = new TestPort('br0', br.mac);
  port['br0'] = br.addPort(io['br0'], { host: true });
  for (let i = 1; i <= 3; i++) {
    const n = `p${i}`;
    io[n] = new TestPort(n, parseMac(`02:00:00:00:01:0${i}`));
    port[n] = br.addPort(io[n]);
  }
  return { br, clock, io, port };
}

function frameOf(t: TraceInput): Uint8Array {
  return buildEthernet({ dst: t.dst, src: t.src, etherType: t.etherType ?? 0x0800, vlan: t.vlan });
}

/** Everything a frame could change: every counter, every FDB entry with its times, STP view. */
function stateOf(br: Bridge): string {
  const ports = br.allPorts().map((p) => ({
    name: p.name, state: p.state, up: p.up, rx: p.rxFrames, rxb: p.rxBytes, tx: p.txFrames, txb: p.txBytes, fl: p.txFlooded, drops: p.drops(),
  }));
  const counters = {
    rx: br.rxFrames, fw: br.forwarded, fl: br.flooded, uu: br.unknownUnicastFlooded, fi: br.filtered, le: br.learned, ag: br.aged,
    mo: br.moved, ev: br.evicted, fu: br.flushed, full: br.notLearnedTableFull, pin: br.pinnedSourceSeen,
  };
  return JSON.stringify({ ports, counters, fdb: br.fdb.entries(), n: br.fdb.learnedCount, stp: br.stp.snapshot() });
}

/** Traces t, checks nothing changed, then sends the real frame and checks the trace was right. */
function traceAndVerify(l: Lab, t: TraceInput): TraceResult {
  const events: unknown[] = [];
  const off = l.br.on((e) => events.push(e));
  const before = stateOf(l.br);
  const r = traceFrame(l.br, t);
  expect(stateOf(l.br)).toBe(before);
  expect(events).toEqual([]);
  off();
  // the real thing: where the frame goes and which drop counter moves must match the trace
  const inPort = l.br.portByName(t.inPort);
  if (inPort && inPort.up && r.verdict !== 'stp') {
    for (const io of Object.values(l.io)) io.sent = [];
    const drops = inPort.drops();
    l.io[t.inPort]!.inject(frameOf(t));
    const went = Object.values(l.io).filter((io) => io.sent.length > 0).map((io) => io.name).sort();
    expect(went).toEqual([...r.egress].sort());
    const after = inPort.drops();
    const moved = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== drops[k]);
    expect(moved).toEqual(r.dropReason ? [r.dropReason] : []);
  }
  return r;
}

/** Makes the bridge learn mac on port by sending a frame from it (to a MAC nobody has). */
function learn(l: Lab, port: string, mac: number): void {
  l.io[port]!.inject(buildEthernet({ dst: parseMac('02:00:00:00:ee:ee'), src: mac, etherType: 0x0800 }));
}

const step = (r: TraceResult, s: string) => r.steps.find((x) => x.step === s);

describe('traceFrame', () => {
  let l: Lab;
  beforeEach(() => {
    l = lab();
    learn(l, 'p1', A);
    l.clock.advance(2000);
    learn(l, 'p2', B);
    l.clock.advance(1000);
  });

  it('known destination: refreshes the source, hits the FDB with age and expiry, forwards to one port', () => {
    const r = traceAndVerify(l, { inPort: 'p1', src: A, dst: B });
    expect(r.verdict).toBe('forward');
    expect(r.egress).toEqual(['p2']);
    expect(r.learn).toMatchObject({ outcome: 'refresh', mac: '02:00:00:00:00:0a', vid: 0 });
    expect(r.lookup).toEqual({ mac: '02:00:00:00:00:0b', vid: 0, hit: true, port: 'p2', kind: 'learned', ageSec: 1, expiresInSec: 299 });
    expect(r.dropReason).toBeNull();
    expect(r.steps.map((s) => s.step)).toEqual(['ingress', 'validate', 'learn', 'lookup', 'egress']);
    expect(step(r, 'ingress')!.text).toBe('p1 is port 1, up, forwarding');
  });

  it('unknown destination: floods and lists every port with the reason it is in or out', () => {
    l.port['p3']!.setFlags({ floodUnicast: false });
    const r = traceAndVerify(l, { inPort: 'p1', src: A, dst: D });
    expect(r.verdict).toBe('flood');
    expect(r.lookup).toEqual({ mac: '02:00:00:00:00:0d', vid: 0, hit: false });
    expect(r.flood!.kind).toBe('unknown-unicast');
    expect(r.flood!.ports).toEqual([
      { port: 'br0', no: 0, included: true, reason: 'forwarding' },
      { port: 'p1', no: 1, included: false, reason: 'ingress port' },
      { port: 'p2', no: 2, included: true, reason: 'forwarding' },
      { port: 'p3', no: 3, included: false, reason: 'flood flag off' },
    ]);
    expect(r.egress).toEqual(['br0', 'p2']);
  });

  it('a new source is learned; a known one on another port moves', () => {
    expect(traceAndVerify(l, { inPort: 'p3', src: C, dst: B }).learn).toEqual({ outcome: 'new', mac: '02:00:00:00:00:0c', vid: 0 });
    const r = traceAndVerify(l, { inPort: 'p3', src: A, dst: B });
    expect(r.learn).toEqual({ outcome: 'move', mac: '02:00:00:00:00:0a', vid: 0, from: 'p1' });
    expect(step(r, 'learn')!.text).toBe('02:00:00:00:00:0a moves from p1 to p3');
  });

  it('a static entry pins the source to its port', () => {
    l.br.addStatic(C, 'p1');
    const r = traceAndVerify(l, { inPort: 'p2', src: C, dst: A });
    expect(r.learn).toEqual({ outcome: 'pinned', mac: '02:00:00:00:00:0c', vid: 0, from: 'p1' });
    expect(r).toMatchObject({ verdict: 'forward', egress: ['p1'] }); // still forwarded
    // C on its own static port: nothing to learn; a frame *to* C hits a static entry
    expect(traceAndVerify(l, { inPort: 'p1', src: C, dst: B }).learn!.outcome).toBe('static-here');
    const to = traceAndVerify(l, { inPort: 'p2', src: B, dst: C });
    expect(to.lookup).toMatchObject({ hit: true, kind: 'static', port: 'p1' });
    expect(to.egress).toEqual(['p1']);
  });

  it('the per-port limit refuses a new source and drops the frame (limit)', () => {
    l.br.fdb.setPerPortLimit(1);
    const r = traceAndVerify(l, { inPort: 'p1', src: C, dst: B });
    expect(r.learn!.outcome).toBe('refused-port-limit');
    expect(r.verdict).toBe('drop');
    expect(r.dropReason).toBe('limit');
    expect(r.steps.at(-1)).toMatchObject({ step: 'learn', ok: false });
  });

  it('a full table: refuse-new forwards without learning; evict-oldest names the victim', () => {
    const full = lab({ maxEntries: 2, policy: 'refuse-new' });
    learn(full, 'p1', A); learn(full, 'p2', B);
    const r = traceAndVerify(full, { inPort: 'p3', src: C, dst: B });
    expect(r.learn!.outcome).toBe('refused-table-full');
    expect(r.egress).toEqual(['p2']);
    const ev = lab({ maxEntries: 2 });
    learn(ev, 'p1', A); ev.clock.advance(10); learn(ev, 'p2', B);
    const r2 = traceAndVerify(ev, { inPort: 'p3', src: C, dst: B });
    expect(r2.learn).toEqual({ outcome: 'new', mac: '02:00:00:00:00:0c', vid: 0, evicts: { mac: '02:00:00:00:00:0a', vid: 0, port: 'p1' } });
  });

  it('hub mode (ageing 0) and learning off learn nothing', () => {
    l.port['p3']!.setFlags({ learning: false });
    expect(traceAndVerify(l, { inPort: 'p3', src: C, dst: B }).learn!.outcome).toBe('learning-off');
    l.br.setAgeing(0);
    const r = traceAndVerify(l, { inPort: 'p3', src: C, dst: B });
    expect(r.learn!.outcome).toBe('learning-off');
    l.port['p3']!.setFlags({ learning: true });
    const h = traceAndVerify(l, { inPort: 'p3', src: D, dst: B });
    expect(h.learn!.outcome).toBe('hub');
    expect(h.verdict).toBe('flood'); // with ageing 0 every entry has expired
  });

  it('an expired destination entry is a miss', () => {
    l.clock.advance(298_500); // A learned 301.5 s ago, B 299.5 s ago
    const r = traceAndVerify(l, { inPort: 'p2', src: B, dst: A });
    expect(r.lookup).toMatchObject({ hit: false, expired: true, port: 'p1' });
    expect(r.verdict).toBe('flood');
    expect(step(r, 'lookup')!.text).toMatch(/was on p1 but its entry expired 1.5 s ago/);
  });

  it('a destination behind the ingress port is filtered; hairpin sends it back', () => {
    learn(l, 'p1', C);
    const r = traceAndVerify(l, { inPort: 'p1', src: A, dst: C });
    expect(r).toMatchObject({ verdict: 'drop', dropReason: 'filtered', egress: [] });
    l.port['p1']!.setFlags({ hairpin: true });
    const h = traceAndVerify(l, { inPort: 'p1', src: A, dst: C });
    expect(h).toMatchObject({ verdict: 'forward', egress: ['p1'] });
  });

  it('a frame to a local address goes to the host port', () => {
    const r = traceAndVerify(l, { inPort: 'p1', src: A, dst: l.br.mac });
    expect(r.lookup).toMatchObject({ hit: true, kind: 'local', port: 'br0' });
    expect(r.egress).toEqual(['br0']);
    expect(r.reason).toBe('to the bridge itself via br0');
  });

  it('egress problems: down, not forwarding, flood flags for broadcast and multicast', () => {
    l.io['p2']!.sink!.linkDown('cable pulled');
    const r = traceAndVerify(l, { inPort: 'p1', src: A, dst: MAC_BROADCAST });
    expect(r.flood!.kind).toBe('broadcast');
    expect(r.flood!.ports.find((p) => p.port === 'p2')).toMatchObject({ included: false, reason: 'down (cable pulled)' });
    l.port['p3']!.setState(PORT_BLOCKING);
    l.port['br0']!.setFlags({ floodBroadcast: false });
    const r2 = traceAndVerify(l, { inPort: 'p1', src: A, dst: MAC_BROADCAST });
    expect(r2.flood!.ports.map((p) => p.reason)).toEqual(['bcast_flood flag off', 'ingress port', 'down (cable pulled)', 'not forwarding (blocking)']);
    expect(r2.egress).toEqual([]);
    expect(r2.reason).toMatch(/no port qualifies/);
    l.port['br0']!.setFlags({ floodMulticast: false });
    const m = traceAndVerify(l, { inPort: 'p1', src: A, dst: parseMac('01:00:5e:00:00:01') });
    expect(m.flood!.kind).toBe('multicast');
    expect(m.flood!.ports[0]).toMatchObject({ included: false, reason: 'mcast_flood flag off' });
    // unicast to a known MAC whose port is down: filtered
    l.br.addStatic(D, 'p2');
    expect(traceAndVerify(l, { inPort: 'p1', src: A, dst: D })).toMatchObject({ verdict: 'drop', dropReason: 'filtered' });
  });

  it('a mirror analyser is left out of floods with its reason, and still takes a known unicast', () => {
    l.br.addMirror('m', ['p2'], 'in', 'p3');
    const r = traceAndVerify(l, { inPort: 'p1', src: A, dst: MAC_BROADCAST });
    expect(r.flood!.ports.find((p) => p.port === 'p3')).toMatchObject({ included: false, reason: 'mirror analyser (takes copies only)' });
    expect([...r.egress].sort()).toEqual(['br0', 'p2']);
    // README Limits: an FDB entry that points at the analyser still forwards to it
    l.br.addStatic(D, 'p3');
    expect(traceAndVerify(l, { inPort: 'p1', src: A, dst: D })).toMatchObject({ verdict: 'forward', egress: ['p3'] });
  });

  it('ingress problems: unknown port, port down, blocking, learning', () => {
    const u = traceFrame(l.br, { inPort: 'nope', src: A, dst: B });
    expect(u).toMatchObject({ verdict: 'drop', dropReason: null, reason: 'no port nope' });
    expect(u.steps[0]!.text).toBe('nope is not a port of br0 (ports: br0, p1, p2, p3)');
    l.io['p3']!.sink!.linkDown('gone');
    expect(traceFrame(l.br, { inPort: 'p3', src: C, dst: B }).steps[0]!.text).toBe('p3 is port 3 and it is down (gone): nothing is received on it');
    l.port['p2']!.setState(PORT_BLOCKING);
    const b = traceAndVerify(l, { inPort: 'p2', src: B, dst: A });
    expect(b).toMatchObject({ verdict: 'drop', dropReason: 'stp_blocked', learn: null });
    l.port['p2']!.setState(PORT_LEARNING);
    const le = traceAndVerify(l, { inPort: 'p2', src: C, dst: A });
    expect(le).toMatchObject({ verdict: 'drop', dropReason: 'stp_blocked' });
    expect(le.learn!.outcome).toBe('new'); // a learning port learns, then drops
  });

  it('invalid sources are malformed', () => {
    expect(traceAndVerify(l, { inPort: 'p1', src: 0, dst: B }).dropReason).toBe('malformed');
    const g = traceAndVerify(l, { inPort: 'p1', src: parseMac('01:00:5e:00:00:01'), dst: B });
    expect(g.dropReason).toBe('malformed');
    expect(g.steps.at(-1)!.text).toMatch(/group address/);
  });

  it('link-local destinations: dropped by mask, PAUSE never, BPDUs to STP when on, flooded when off', () => {
    const lldp = traceAndVerify(l, { inPort: 'p1', src: A, dst: parseMac('01:80:c2:00:00:0e') });
    expect(lldp).toMatchObject({ verdict: 'drop', dropReason: 'link_local' });
    expect(lldp.frame.dstClass).toBe('link-local');
    l.br.groupFwdMask = 1 << 0xe;
    expect(traceAndVerify(l, { inPort: 'p1', src: A, dst: parseMac('01:80:c2:00:00:0e') }).verdict).toBe('flood');
    l.br.groupFwdMask = 0xffff;
    expect(traceAndVerify(l, { inPort: 'p1', src: A, dst: parseMac('01:80:c2:00:00:01') }).dropReason).toBe('link_local');
    const off = traceAndVerify(l, { inPort: 'p1', src: A, dst: parseMac('01:80:c2:00:00:00'), etherType: 0x0026 });
    expect(off.verdict).toBe('flood');
    expect(step(off, 'link-local')!.text).toMatch(/STP off/);
    l.br.stp.enable();
    const on = traceAndVerify(l, { inPort: 'p1', src: A, dst: parseMac('01:80:c2:00:00:00') });
    expect(on).toMatchObject({ verdict: 'stp', egress: [], dropReason: null });
  });

  it('VLAN filtering: pvid for untagged, membership on ingress and egress; tag ignored without filtering', () => {
    const t = traceAndVerify(l, { inPort: 'p1', src: A, dst: B, vlan: 5 });
    expect(step(t, 'vlan')!.text).toMatch(/VLAN filtering is off/);
    expect(t.vid).toBe(0);
    const v = lab({ vlanFiltering: true });
    for (const n of ['p1', 'p2', 'p3']) { v.port[n]!.vlans = new Uint8Array(4096); v.port[n]!.vlans![1] = 1; }
    v.port['p1']!.vlans![5] = 1;
    v.port['p2']!.vlans![5] = 1;
    learn(v, 'p1', A);
    const u = traceAndVerify(v, { inPort: 'p1', src: A, dst: D });
    expect(u.vid).toBe(1);
    expect(step(u, 'vlan')!.text).toBe('untagged: pvid 1; p1 is a member');
    const tagged = traceAndVerify(v, { inPort: 'p1', src: A, dst: D, vlan: 5 });
    expect(tagged.flood!.ports.find((p) => p.port === 'p3')).toMatchObject({ included: false, reason: 'not a member of VLAN 5' });
    expect(tagged.egress).toEqual(['br0', 'p2']);
    expect(traceAndVerify(v, { inPort: 'p3', src: C, dst: A, vlan: 5 })).toMatchObject({ verdict: 'drop', dropReason: 'vlan', vid: 5 });
  });

  it('sees the FDB as the lookup will, after learning: own source, evicted destination, local in any VLAN, priority tag', () => {
    // a frame to its own source finds the entry its learning has just made: behind the ingress port
    const self = traceAndVerify(l, { inPort: 'p3', src: C, dst: C });
    expect(self).toMatchObject({ verdict: 'drop', dropReason: 'filtered', learn: { outcome: 'new' }, lookup: { hit: true, port: 'p3' } });
    // the destination is the very entry that learning the source evicts: unknown, flooded
    const ev = lab({ maxEntries: 2 });
    learn(ev, 'p1', A); ev.clock.advance(10); learn(ev, 'p2', B);
    const gone = traceAndVerify(ev, { inPort: 'p3', src: C, dst: A });
    expect(gone).toMatchObject({ verdict: 'flood', learn: { outcome: 'new', evicts: { mac: '02:00:00:00:00:0a' } }, lookup: { hit: false } });
    expect(step(gone, 'lookup')!.text).toMatch(/learning the source evicts it/);
    // local addresses are recorded at vid 0 and reached from every VLAN; vid 0 on the wire means the pvid
    const v = lab({ vlanFiltering: true });
    v.port['p1']!.pvid = 7;
    const host = traceAndVerify(v, { inPort: 'p1', src: A, dst: v.br.mac, vlan: 0 });
    expect(host).toMatchObject({ vid: 7, verdict: 'forward', egress: ['br0'], lookup: { hit: true, kind: 'local', vid: 7 } });
    expect(step(host, 'vlan')!.text).toBe('priority-tagged (VLAN 0): pvid 7; p1 is a member');
  });

  it('rejects impossible inputs', () => {
    expect(() => traceFrame(l.br, { inPort: 'p1', src: -1, dst: B })).toThrow(/source MAC -1/);
    expect(() => traceFrame(l.br, { inPort: 'p1', src: A, dst: B, vlan: 4096 })).toThrow(/vlan 4096: allowed 0–4095/);
    expect(() => traceFrame(l.br, { inPort: 'p1', src: A, dst: B, etherType: 0x10000 })).toThrow(/ethertype/);
  });

  it('formats for humans', () => {
    l.port['p3']!.setFlags({ floodUnicast: false });
    const text = formatTrace(traceFrame(l.br, { inPort: 'p1', src: A, dst: D, etherType: 0x0806 }));
    expect(text).toBe([
      'trace br0: 02:00:00:00:00:0a > 02:00:00:00:00:0d ethertype 0x0806 in p1',
      '    ingress   p1 is port 1, up, forwarding',
      '    validate  unicast source, unicast destination, 60 bytes',
      '    learn     02:00:00:00:00:0a is already learned on p1 (3 s ago): its age is refreshed',
      '    lookup    02:00:00:00:00:0d (vid 0) is not in the FDB: unknown unicast, flooded',
      '    flood     unknown-unicast flood to 2 of 4 ports',
      '              + br0  included: forwarding',
      '              - p1   excluded: ingress port',
      '              + p2   included: forwarding',
      '              - p3   excluded: flood flag off',
      'verdict: flood → br0, p2: unknown-unicast flooded to br0, p2',
      '',
    ].join('\n'));
    const drop = formatTrace(traceFrame(l.br, { inPort: 'p1', src: 0, dst: D }));
    expect(drop).toMatch(/✗ validate +the source address is all zeros/);
    expect(drop).toMatch(/verdict: drop \(counted as malformed\): invalid source address/);
  });

  it('the whole state is identical after many traces (fdb used/updated times included)', () => {
    const before = stateOf(l.br);
    const fdbBefore = l.br.fdb.entries().map((e) => ({ ...e }));
    for (const src of [A, B, C, D, 0]) {
      for (const dst of [A, B, C, D, MAC_BROADCAST, l.br.mac, parseMac('01:80:c2:00:00:00')]) {
        for (const inPort of ['br0', 'p1', 'p2', 'p3', 'x']) traceFrame(l.br, { inPort, src, dst });
      }
    }
    expect(stateOf(l.br)).toBe(before);
    expect(l.br.fdb.entries()).toEqual(fdbBefore);
  });
});
