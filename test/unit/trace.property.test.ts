// Property test: for random bridges (ports, flags, STP states, links, VLAN membership, table
// limits, ageing, static entries) and random frames, what traceFrame() predicts — the egress
// ports, the drop counter, and what learning does (new, refresh, move, evict which entry, refuse)
// — is exactly what Bridge.receive() then does with the same frame. Deterministic (fixed seed);
// FC_SEED / FC_RUNS explore more.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { PORT_FORWARDING, PORT_LEARNING, PORT_BLOCKING, PORT_LISTENING, PORT_DISABLED } from '../../src/stp/port-state.js';
import type { BridgePort, DropReason } from '../../src/bridge/port.js';
import { traceFrame, type TraceResult } from '../../src/bridge/trace.js';
import type { BridgeEvent } from '../../src/bridge/events.js';
import type { FdbEntry } from '../../src/fdb/fdb.js';
import { buildEthernet } from '../../src/frame/ethernet.js';
import { MAC_BROADCAST, MAC_STP, formatMac, parseMac } from '../../src/frame/mac.js';
import { CapturePort, CaptureLog } from '../helpers/capture-port.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 0x7ace5;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 200;

const BRIDGE_MAC = 0x0200_00bb_0000;
const PORT_MAC = (i: number) => 0x0200_00ff_0000 + i;
const STATIONS = Array.from({ length: 8 }, (_, i) => 0x0200_0000_0100 + i);
const VIDS = [1, 2, 3];

type Cmd =
  | { t: 'frame'; port: number; src: number; dst: number; vlan: number | undefined }
  | { t: 'time'; ms: number; tick: boolean }
  | { t: 'state'; port: number; state: number }
  | { t: 'link'; port: number; up: boolean }
  | { t: 'flag'; port: number; flag: 'learning' | 'floodUnicast' | 'floodBroadcast' | 'floodMulticast' | 'hairpin'; on: boolean }
  | { t: 'static'; mac: number; port: number; vid: number };

interface PortCfg {
  learning: boolean; floodUnicast: boolean; floodBroadcast: boolean; floodMulticast: boolean; hairpin: boolean;
  pvid: number; members: number[] | null;
}

interface Scenario {
  host: boolean;
  ports: PortCfg[];
  vlanFiltering: boolean;
  stp: boolean;
  groupFwdMask: number;
  ageingSec: number;
  maxEntries: number;
  policy: 'evict-oldest' | 'refuse-new';
  perPortLimit: number;
  cmds: Cmd[];
}

const flag = (pTrue: number) => fc.oneof({ weight: pTrue, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });

const portCfgArb: fc.Arbitrary<PortCfg> = fc.record({
  learning: flag(5), floodUnicast: flag(4), floodBroadcast: flag(4), floodMulticast: flag(4), hairpin: flag(1),
  pvid: fc.constantFrom(...VIDS),
  members: fc.option(fc.subarray(VIDS), { nil: null, freq: 3 }),
});

function cmdArb(nPorts: number): fc.Arbitrary<Cmd> {
  const port = fc.integer({ min: 0, max: nPorts - 1 });
  const src = fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(...STATIONS) },
    { weight: 2, arbitrary: port.map((i) => PORT_MAC(i)) },
    { weight: 1, arbitrary: fc.constantFrom(0, MAC_BROADCAST, parseMac('01:00:5e:00:00:01'), BRIDGE_MAC) },
  );
  const dst = fc.oneof(
    { weight: 16, arbitrary: fc.constantFrom(...STATIONS) },
    { weight: 3, arbitrary: port.map((i) => PORT_MAC(i)) },
    { weight: 1, arbitrary: fc.constant(BRIDGE_MAC) },
    { weight: 3, arbitrary: fc.constantFrom(MAC_BROADCAST, parseMac('01:00:5e:00:00:01'), parseMac('33:33:00:00:00:01')) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 }).map((g) => MAC_STP + g) },
  );
  const vlan = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.constantFrom(...VIDS, 7) });
  return fc.oneof(
    { weight: 20, arbitrary: fc.record({ t: fc.constant('frame' as const), port, src, dst, vlan }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('time' as const), ms: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 40_000 })), tick: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('state' as const), port, state: fc.constantFrom(PORT_FORWARDING, PORT_FORWARDING, PORT_LEARNING, PORT_BLOCKING, PORT_LISTENING, PORT_DISABLED) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('link' as const), port, up: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('flag' as const), port, flag: fc.constantFrom('learning' as const, 'floodUnicast' as const, 'floodBroadcast' as const, 'floodMulticast' as const, 'hairpin' as const), on: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('static' as const), mac: fc.constantFrom(...STATIONS), port, vid: fc.constantFrom(0, ...VIDS) }) },
  );
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 5 }).chain((n) => fc.record({
  host: flag(3),
  ports: fc.array(portCfgArb, { minLength: n, maxLength: n }),
  vlanFiltering: fc.boolean(),
  stp: flag(1).map((x) => !x),
  groupFwdMask: fc.integer({ min: 0, max: 0xffff }).map((m) => m & ~0x7),
  ageingSec: fc.constantFrom(0, 10, 30, 300),
  maxEntries: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(1 << 16)),
  policy: fc.constantFrom('evict-oldest' as const, 'refuse-new' as const),
  perPortLimit: fc.constantFrom(0, 0, 1, 2, 3),
  cmds: fc.array(cmdArb(n + 1), { minLength: 5, maxLength: 60 }),
}));

interface Lab { br: Bridge; clock: VirtualClock; log: CaptureLog; caps: CapturePort[]; bps: BridgePort[] }

/** Port index 0 is the host port when the scenario has one; else every index is a real port. */
function build(s: Scenario): Lab {
  const clock = new VirtualClock(1_000_000);
  const br = new Bridge({
    name: 'tp0', clock, mac: BRIDGE_MAC, vlanFiltering: s.vlanFiltering, groupFwdMask: s.groupFwdMask,
    ageingSec: s.ageingSec, maxEntries: s.maxEntries, policy: s.policy, perPortLimit: s.perPortLimit,
  });
  const log = new CaptureLog();
  const caps: CapturePort[] = [];
  const bps: BridgePort[] = [];
  if (s.host) {
    const cap = new CapturePort('tp0', { log, mac: BRIDGE_MAC });
    caps.push(cap);
    bps.push(br.addPort(cap, { host: true }));
  }
  s.ports.forEach((c, i) => {
    const cap = new CapturePort(`t${i + 1}`, { log, mac: PORT_MAC(i + 1) });
    caps.push(cap);
    const { pvid, members, ...flags } = c;
    const bp = br.addPort(cap, flags);
    bp.pvid = pvid;
    if (members !== null) { bp.vlans = new Uint8Array(4096); for (const v of members) bp.vlans[v] = 1; }
    bps.push(bp);
  });
  if (s.stp) br.stp.enable();
  // STP starts ports blocking/listening; most frames should see forwarding ports
  for (const p of bps) p.setState(PORT_FORWARDING);
  return { br, clock, log, caps, bps };
}

/** Everything the trace must leave alone. */
function stateOf(br: Bridge): string {
  const ports = br.allPorts().map((p) => ({ n: p.name, s: p.state, up: p.up, rx: p.rxFrames, tx: p.txFrames, d: p.drops() }));
  const c = [br.rxFrames, br.forwarded, br.flooded, br.unknownUnicastFlooded, br.filtered, br.learned, br.aged, br.moved, br.evicted, br.notLearnedTableFull, br.pinnedSourceSeen];
  return JSON.stringify({ ports, c, fdb: br.fdb.entries(), n: br.fdb.learnedCount, stp: br.stp.snapshot() });
}

const counters = (br: Bridge) => ({
  learned: br.learned, moved: br.moved, evicted: br.evicted, full: br.notLearnedTableFull, pinned: br.pinnedSourceSeen, aged: br.aged,
});

/** Traces the frame, checks the trace changed nothing, sends it and checks the trace was right. */
function traceThenSend(l: Lab, c: Extract<Cmd, { t: 'frame' }>): void {
  const { br, clock, log, caps } = l;
  const cap = caps[c.port % caps.length]!;
  const inPort = br.portByName(cap.name)!;
  const input = { inPort: cap.name, src: c.src, dst: c.dst, ...(c.vlan !== undefined ? { vlan: c.vlan } : {}) };
  const before = stateOf(br);
  const t: TraceResult = traceFrame(br, input);
  expect(stateOf(br)).toBe(before);
  // a driver delivers nothing on a down link (the trace says so and stops); STP's own frames are the STP engine's
  if (!inPort.up || t.verdict === 'stp') return;

  const events: BridgeEvent[] = [];
  const off = br.on((e) => events.push(e));
  const drops = inPort.drops();
  const was = counters(br);
  const vid = t.vid;
  // what learning may change of the source's entry (`used` is the lookup's: a frame to itself sets it)
  const learnt = (x: FdbEntry | undefined) => x && { kind: x.kind, port: x.port, updated: x.updated };
  const entryBefore = learnt(br.fdb.get(vid, c.src));
  log.clear();
  cap.inject(buildEthernet({ dst: c.dst, src: c.src, etherType: 0x0800, vlan: c.vlan }));
  off();
  const ctx = () => JSON.stringify({ input, verdict: t.verdict, reason: t.reason, learn: t.learn, steps: t.steps.map((s) => s.text) });

  // where it went, and which drop counter moved
  expect(log.ports().sort(), ctx()).toEqual([...t.egress].sort());
  const after = inPort.drops();
  const moved = (Object.keys(after) as DropReason[]).filter((k) => after[k] !== drops[k]);
  expect(moved, ctx()).toEqual(t.dropReason ? [t.dropReason] : []);

  // what learning did
  const now = clock.now();
  const got = counters(br);
  const d = { learned: got.learned - was.learned, moved: got.moved - was.moved, evicted: got.evicted - was.evicted, full: got.full - was.full, pinned: got.pinned - was.pinned };
  const e = learnt(br.fdb.get(vid, c.src));
  const L = t.learn;
  const none = { learned: 0, moved: 0, evicted: 0, full: 0, pinned: 0 };
  if (L === null || L.outcome === 'learning-off') {
    expect(d, ctx()).toEqual(none);
    expect(e, ctx()).toEqual(entryBefore);
    return;
  }
  expect(L.vid).toBe(vid);
  switch (L.outcome) {
    case 'new':
      expect(d, ctx()).toEqual({ ...none, learned: 1, evicted: L.evicts ? 1 : 0 });
      expect(e, ctx()).toMatchObject({ kind: 'learned', port: inPort.no, updated: now });
      if (L.evicts) {
        const ev = events.find((x) => x.type === 'evicted');
        expect(ev, ctx()).toMatchObject({ mac: L.evicts.mac, vid: L.evicts.vid, port: L.evicts.port });
        expect(br.fdb.get(L.evicts.vid, parseMac(L.evicts.mac)), ctx()).toBeUndefined();
      } else {
        expect(events.some((x) => x.type === 'evicted'), ctx()).toBe(false);
      }
      break;
    case 'refresh':
      expect(d, ctx()).toEqual(none);
      expect(e, ctx()).toMatchObject({ kind: 'learned', port: inPort.no, updated: now });
      break;
    case 'move':
      expect(d, ctx()).toEqual({ ...none, moved: 1 });
      expect(e, ctx()).toMatchObject({ kind: 'learned', port: inPort.no, updated: now });
      expect(events.find((x) => x.type === 'moved'), ctx()).toMatchObject({ from: L.from, to: inPort.name });
      break;
    case 'pinned':
    case 'static-here':
      expect(d, ctx()).toEqual(L.outcome === 'pinned' ? { ...none, pinned: 1 } : none);
      expect(e, ctx()).toEqual(entryBefore);
      break;
    case 'refused-port-limit':
    case 'hub':
      expect(d, ctx()).toEqual(none);
      // a move refused leaves the entry as it was; a refused or hub-mode new MAC is not there
      if (L.from !== undefined) expect(e, ctx()).toEqual(entryBefore);
      else expect(e, ctx()).toBeUndefined();
      break;
    case 'refused-table-full':
      expect(d, ctx()).toEqual({ ...none, full: 1 });
      expect(e, ctx()).toBeUndefined();
      break;
  }
}

function run(s: Scenario): void {
  const l = build(s);
  const { br, clock, caps, bps } = l;
  for (const c of s.cmds) {
    const i = 'port' in c ? c.port % caps.length : 0;
    switch (c.t) {
      case 'frame': traceThenSend(l, c); break;
      case 'time': clock.advance(c.ms); if (c.tick) br.tick(); break;
      case 'state': if (bps[i]!.up) bps[i]!.setState(c.state); break;
      case 'link': if (c.up) caps[i]!.linkUp(); else caps[i]!.linkDown('test: unplugged'); break;
      case 'flag': bps[i]!.setFlags({ [c.flag]: c.on }); break;
      case 'static': br.addStatic(c.mac, caps[i]!.name, c.vid); break;
    }
    expect(br.fdb.learnedCount).toBeLessThanOrEqual(s.maxEntries);
  }
}

describe('traceFrame agrees with Bridge.receive', () => {
  it('egress ports, drop reason and learn outcome (eviction victim included) for random bridges and frames', () => {
    fc.assert(fc.property(scenarioArb, (s) => { run(s); }), { seed: SEED, numRuns: RUNS });
  });

  it('a full table evicts exactly the entry the trace names, also after refreshes reorder the ageing', () => {
    const l = build({
      host: false, ports: [0, 1, 2].map(() => ({ learning: true, floodUnicast: true, floodBroadcast: true, floodMulticast: true, hairpin: false, pvid: 1, members: null })),
      vlanFiltering: false, stp: false, groupFwdMask: 0, ageingSec: 300, maxEntries: 3, policy: 'evict-oldest', perPortLimit: 0, cmds: [],
    });
    const [a, b, c, d] = STATIONS as [number, number, number, number];
    const send = (port: number, src: number, dst = MAC_BROADCAST) => { traceThenSend(l, { t: 'frame', port, src, dst, vlan: undefined }); l.clock.advance(10); };
    send(0, a); send(1, b); send(2, c);
    send(0, a); // a refreshed: b is now the oldest although a joined first
    const t = traceFrame(l.br, { inPort: 't3', src: d, dst: MAC_BROADCAST });
    expect(t.learn).toEqual({ outcome: 'new', mac: formatMac(d), vid: 0, evicts: { mac: formatMac(b), vid: 0, port: 't2' } });
    send(2, d);
    expect(l.br.fdb.get(0, b)).toBeUndefined();
    expect(l.br.fdb.get(0, a)).toBeDefined();
  });
});
