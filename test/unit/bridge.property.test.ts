// Property tests of the forwarding pipeline: random multi-port bridges, random port states and
// flags, random frame sequences on a virtual clock. Deterministic by default (fixed seed); set
// FC_SEED to explore other seeds, FC_RUNS to run more cases.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { PORT_FORWARDING, PORT_LEARNING, PORT_BLOCKING, PORT_LISTENING } from '../../src/stp/port-state.js';
import type { BridgePort } from '../../src/bridge/port.js';
import { MAC_BROADCAST, MAC_STP, parseMac, writeMac } from '../../src/frame/mac.js';
import { CapturePort, CaptureLog } from '../helpers/capture-port.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 0x50f7b4;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 300;
const AGEING_MS = 300_000;

const UNICAST = Array.from({ length: 12 }, (_, i) => 0x0200_0000_0100 + i);
const GROUPS = [MAC_BROADCAST, parseMac('01:00:5e:00:00:01'), parseMac('33:33:00:00:00:01'), MAC_STP, MAC_STP + 0x0e];
const PORT_MAC = (i: number) => 0x0200_00ff_0000 + i;

// ---- commands

type Cmd =
  | { t: 'rx'; port: number; frames: { dst: number; src: number; len: number }[] }
  | { t: 'down'; port: number }
  | { t: 'up'; port: number }
  | { t: 'state'; port: number; state: number }
  | { t: 'time'; ms: number; tick: boolean };

function cmdArb(nPorts: number, srcPool: number[]): fc.Arbitrary<Cmd> {
  const port = fc.integer({ min: 0, max: nPorts - 1 });
  const dst = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...UNICAST) },
    { weight: 2, arbitrary: fc.constantFrom(...GROUPS) },
    { weight: 1, arbitrary: port.map((i) => PORT_MAC(i + 1)) },
  );
  const src = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...srcPool) },
    { weight: 1, arbitrary: fc.constantFrom(0, MAC_BROADCAST, parseMac('01:00:5e:00:00:01')) },
  );
  const len = fc.oneof(
    { weight: 10, arbitrary: fc.integer({ min: 14, max: 200 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 13, 1518, 1519, 2000) },
  );
  const f = fc.record({ dst, src, len });
  return fc.oneof(
    { weight: 12, arbitrary: fc.record({ t: fc.constant('rx' as const), port, frames: fc.array(f, { minLength: 1, maxLength: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('down' as const), port }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('up' as const), port }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('state' as const), port, state: fc.constantFrom(PORT_FORWARDING, PORT_LEARNING, PORT_BLOCKING, PORT_LISTENING) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('time' as const), ms: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: AGEING_MS - 2000, max: AGEING_MS + 2000 }), fc.integer({ min: 0, max: AGEING_MS / 2 })), tick: fc.boolean() }) },
  );
}

interface PortCfg { hairpin: boolean; learning: boolean; floodUnicast: boolean; floodBroadcast: boolean; floodMulticast: boolean; mtu: number }

const portCfgArb = fc.record({
  hairpin: fc.boolean(),
  learning: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  floodUnicast: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  floodBroadcast: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  floodMulticast: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  mtu: fc.constantFrom(1500, 1500, 9000),
});

interface Scenario { cfgs: PortCfg[]; cmds: Cmd[]; maxEntries: number; policy: 'evict-oldest' | 'refuse-new'; perPortLimit: number }

function scenarioArb(limits: boolean): fc.Arbitrary<Scenario> {
  return fc.integer({ min: 2, max: 10 }).chain((n) => fc.record({
    cfgs: fc.array(portCfgArb, { minLength: n, maxLength: n }),
    cmds: fc.array(cmdArb(n, UNICAST), { minLength: 1, maxLength: 60 }),
    maxEntries: limits ? fc.integer({ min: 1, max: 6 }) : fc.constant(1 << 16),
    policy: fc.constantFrom('evict-oldest' as const, 'refuse-new' as const),
    perPortLimit: limits ? fc.integer({ min: 0, max: 3 }) : fc.constant(0),
  }));
}

function build(s: Scenario) {
  const clock = new VirtualClock(0);
  const br = new Bridge({ name: 'prop0', clock, mac: 0x0200_00bb_0000, maxEntries: s.maxEntries, policy: s.policy, perPortLimit: s.perPortLimit });
  const log = new CaptureLog();
  const caps: CapturePort[] = [];
  const bps: BridgePort[] = [];
  s.cfgs.forEach((c, i) => {
    const cap = new CapturePort(`q${i + 1}`, { log, mac: PORT_MAC(i + 1), mtu: c.mtu });
    caps.push(cap);
    const { mtu: _mtu, ...flags } = c;
    bps.push(br.addPort(cap, flags));
  });
  return { br, clock, log, caps, bps };
}

// Each injected frame carries its id in the EtherType field (bytes 12..13, so even a 14-byte frame
// is attributable); ids restart per scenario and stay far below 0x8100 (VLAN filtering is off here).
let frameId = 0;
function makeFrame(dst: number, src: number, len: number): { buf: Uint8Array; len: number; id: number } {
  const id = ++frameId;
  const buf = new Uint8Array(Math.max(len, 14));
  writeMac(buf, 0, dst);
  writeMac(buf, 6, src);
  buf[12] = id >>> 8; buf[13] = id & 0xff;
  return { buf, len, id };
}
const idOf = (b: Uint8Array) => (b[12]! << 8) | b[13]!;

const isGroup = (m: number) => (Math.floor(m / 2 ** 40) & 1) === 1;

/**
 * Runs a scenario and checks, for every injected frame:
 *  - never sent back to the ingress port unless that port has hairpin on;
 *  - never sent to a port that is not forwarding or not up;
 *  - at most once per egress port;
 *  - (model) a unicast destination learned earlier on another port, still within the ageing
 *    time, goes to exactly that port (when it is forwarding) and nowhere else;
 *  - the FDB never holds more learned entries than maxEntries, nor more per port than the limit.
 */
function run(s: Scenario, useModel: boolean): void {
  const { br, clock, log, caps, bps } = build(s);
  frameId = 0;
  // model of what the FDB must know: mac → { port index, time of last frame from it }
  const model = new Map<number, { port: number; t: number }>();
  const localMacs = new Set(s.cfgs.map((_, i) => PORT_MAC(i + 1)));
  const fwd = (i: number) => bps[i]!.state === PORT_FORWARDING && bps[i]!.up;

  for (const c of s.cmds) {
    switch (c.t) {
      case 'down':
        caps[c.port]!.linkDown();
        for (const [m, e] of model) if (e.port === c.port) model.delete(m);
        expect(fwd(c.port)).toBe(false);
        break;
      case 'up':
        caps[c.port]!.linkUp();
        break;
      case 'state':
        if (bps[c.port]!.up) bps[c.port]!.setState(c.state);
        break;
      case 'time':
        clock.advance(c.ms);
        if (c.tick) br.tick();
        break;
      case 'rx': {
        const i = c.port;
        const frames = c.frames.map((f) => makeFrame(f.dst, f.src, f.len));
        // expected destinations per frame, computed before the batch with the model (in order)
        const expected = new Map<number, number[] | null>();
        const now = clock.now();
        for (let k = 0; k < frames.length; k++) {
          const { dst, src, len } = c.frames[k]!;
          const p = bps[i]!;
          const valid = len >= 14 && len <= p.maxFrame && src !== 0 && !isGroup(src);
          const linkLocalDropped = dst > MAC_STP && dst <= MAC_STP + 15;
          const ingressOk = p.up && (p.state === PORT_FORWARDING || p.state === PORT_LEARNING);
          // the bridge learns the source before it decides (src == dst is then local to ingress)
          if (valid && !linkLocalDropped && ingressOk && p.learning && !localMacs.has(src)) {
            model.set(src, { port: i, t: now });
          }
          let exp: number[] | null = null; // null: not checked beyond the general invariants
          if (!valid || linkLocalDropped || !ingressOk || p.state === PORT_LEARNING) exp = [];
          else if (useModel && !isGroup(dst) && !localMacs.has(dst)) {
            const e = model.get(dst);
            if (e && now - e.t < AGEING_MS) {
              if (e.port === i) exp = p.hairpin ? [i] : [];
              // a frame longer than the egress port's MTU + 18 is dropped there
              else exp = fwd(e.port) && len <= bps[e.port]!.maxFrame ? [e.port] : [];
            }
          }
          expected.set(frames[k]!.id, exp);
        }
        log.clear();
        caps[i]!.inject(...frames.map((f) => ({ buf: f.buf, len: f.len })));
        const byFrame = new Map<number, string[]>();
        for (const sent of log.frames) {
          const id = idOf(sent.bytes);
          const a = byFrame.get(id) ?? [];
          a.push(sent.port);
          byFrame.set(id, a);
        }
        for (const f of frames) {
          const got = byFrame.get(f.id) ?? [];
          // at most once per egress port
          expect(new Set(got).size, `frame ${f.id} duplicated: ${got}`).toBe(got.length);
          for (const name of got) {
            const j = caps.findIndex((x) => x.name === name);
            if (j === i) expect(bps[i]!.hairpin, `frame ${f.id} sent back to ingress ${name}`).toBe(true);
            expect(fwd(j), `frame ${f.id} sent to non-forwarding ${name}`).toBe(true);
            expect(f.len, `frame ${f.id} too long for ${name}`).toBeLessThanOrEqual(bps[j]!.maxFrame);
          }
          const exp = expected.get(f.id);
          if (exp) expect(got.sort(), `frame ${f.id} from ${caps[i]!.name}`).toEqual(exp.map((j) => caps[j]!.name).sort());
        }
        break;
      }
    }
    expect(br.fdb.learnedCount).toBeLessThanOrEqual(s.maxEntries);
    if (s.perPortLimit > 0) for (const p of bps) expect(br.fdb.portCount(p.no)).toBeLessThanOrEqual(s.perPortLimit);
  }
}

describe('Bridge properties', () => {
  it('forwarding invariants and known-unicast delivery hold for random traffic', () => {
    fc.assert(fc.property(scenarioArb(false), (s) => { run(s, true); }), { seed: SEED, numRuns: RUNS });
  });

  it('the FDB never exceeds its table or per-port limit (small limits, both policies)', () => {
    fc.assert(fc.property(scenarioArb(true), (s) => { run(s, false); }), { seed: SEED + 1, numRuns: RUNS });
  });

  it('the pipeline never throws on random bytes of random lengths 0..2000', () => {
    const arb = fc.record({
      nPorts: fc.integer({ min: 2, max: 6 }),
      vlanFiltering: fc.boolean(),
      groupFwdMask: fc.integer({ min: 0, max: 0xffff }).map((m) => m & ~0x7), // bits 0–2 are refused
      members: fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 4 }),
      frames: fc.array(fc.record({
        port: fc.nat(),
        bytes: fc.uint8Array({ minLength: 0, maxLength: 2000 }),
        // some frames made to look tagged / link-local so deeper branches run
        shape: fc.constantFrom('raw', 'tagged', 'linklocal', 'bcast'),
        off: fc.integer({ min: 0, max: 7 }),
      }), { minLength: 1, maxLength: 30 }),
    });
    fc.assert(fc.property(arb, (x) => {
      const clock = new VirtualClock(0);
      const br = new Bridge({ name: 'fuzz0', clock, mac: 0x0200_00bb_0001, vlanFiltering: x.vlanFiltering, groupFwdMask: x.groupFwdMask, maxEntries: 8 });
      const caps: CapturePort[] = [];
      for (let i = 0; i < x.nPorts; i++) {
        const cap = new CapturePort(`f${i}`, { mac: PORT_MAC(i + 1) });
        caps.push(cap);
        const bp = br.addPort(cap);
        if (x.vlanFiltering && i % 2 === 1) { bp.vlans = new Uint8Array(4096); for (const v of x.members) bp.vlans[v] = 1; bp.pvid = x.members[0] ?? 1; }
      }
      for (const f of x.frames) {
        const b = f.bytes;
        if (f.shape === 'tagged' && b.length >= 18) { b[12] = 0x81; b[13] = 0x00; b[6]! &= 0xfe; }
        if (f.shape === 'linklocal' && b.length >= 14) { writeMac(b, 0, MAC_STP + (b[5]! & 0x0f)); b[6]! &= 0xfe; }
        if (f.shape === 'bcast' && b.length >= 14) { writeMac(b, 0, MAC_BROADCAST); b[6]! &= 0xfe; }
        const buf = new Uint8Array(b.length + f.off);
        buf.set(b, f.off);
        caps[f.port % x.nPorts]!.sink!.receiveBatch(buf, [f.off], [b.length], 1);
        clock.advance(1000);
        br.tick();
      }
      expect(br.rxFrames).toBe(x.frames.length);
    }), { seed: SEED + 2, numRuns: RUNS });
  });
});
