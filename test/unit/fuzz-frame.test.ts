// Fuzzing the frame pipeline: hostile byte strings (runts, giants, truncated 802.1Q and LLC
// headers, BPDUs with any bytes, group and zero sources) through Bridge.receive on capture ports,
// with STP, VLAN filtering, table limits and port state varied. Nothing throws, nothing malformed
// goes out, and the counters account for every frame that came in and every copy that went out.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { readMac } from '../../src/frame/mac.js';
import { CapturePort, capturePorts } from '../helpers/capture-port.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/** Destination MACs a hostile host would pick: the STP and other link-local groups, broadcast, multicast, the ports' own, random. */
const dstArb = fc.oneof(
  fc.constant([0x01, 0x80, 0xc2, 0x00, 0x00, 0x00]),
  fc.integer({ min: 1, max: 15 }).map((g) => [0x01, 0x80, 0xc2, 0x00, 0x00, g]),
  fc.constant([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  fc.constant([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]),
  fc.integer({ min: 0, max: 7 }).map((n) => [0x02, 0, 0, 0, 0, n]),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }),
);
/** Sources: a small pool (so entries move and limits bite), group and all-zero addresses, random. */
const srcArb = fc.oneof(
  fc.integer({ min: 0, max: 7 }).map((n) => [0x02, 0, 0, 0, 0, n]),
  fc.constant([0, 0, 0, 0, 0, 0]),
  fc.constant([0x01, 0, 0x5e, 0, 0, 1]),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }),
);
/** What follows the MACs: an 802.1Q tag (maybe cut short), an 802.3 length + LLC 42 42 03 (maybe lying), an EtherType, or nothing. */
const restArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 })).map(([tci, rest]) => [0x81, 0x00, tci >> 8, tci & 0xff, ...rest]),
  fc.constant([0x81]),
  fc.tuple(fc.integer({ min: 0, max: 0x5ff }), fc.uint8Array({ maxLength: 60 })).map(([l, rest]) => [l >> 8, l & 0xff, 0x42, 0x42, 0x03, ...rest]),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 80 })).map(([t, rest]) => [t >> 8, t & 0xff, ...rest]),
  fc.constant([]),
);
/** A frame: structured head, then a length that may cut it (runt) or pad it far past the MTU (giant). */
const frameArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(dstArb, srcArb, restArb, fc.integer({ min: 0, max: 1600 })).map(([d, s, r, len]) => {
    const b = new Uint8Array(len);
    b.set([...d, ...s, ...r].slice(0, len));
    return b;
  }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }) },
);

const stepArb = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('rx' as const), port: fc.nat(3), frames: fc.array(frameArb, { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('down' as const), port: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('up' as const), port: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40_000 }) }) },
);

const setupArb = fc.record({
  stp: fc.boolean(),
  vlanFiltering: fc.boolean(),
  maxEntries: fc.integer({ min: 1, max: 8 }),
  perPortLimit: fc.integer({ min: 0, max: 4 }),
  policy: fc.constantFrom('evict-oldest' as const, 'refuse-new' as const),
  // one port with a small MTU, so a frame that fits its ingress port can be too big for an egress port
  smallMtu: fc.boolean(),
});

describe('fuzz: Bridge.receive on hostile frames', () => {
  it('never throws, never sends a malformed frame, and counts every frame in and every copy out', () => {
    fc.assert(fc.property(setupArb, fc.array(stepArb, { minLength: 1, maxLength: 30 }), (s, steps) => {
      const clock = new VirtualClock(1_000);
      const br = new Bridge({ name: 'br0', clock, mac: 0x0200000000bb, vlanFiltering: s.vlanFiltering, maxEntries: s.maxEntries, perPortLimit: s.perPortLimit, policy: s.policy });
      const { ports, log } = capturePorts(3);
      ports.push(new CapturePort('p4', { log, mtu: s.smallMtu ? 1000 : 1500 }));
      const bps = ports.map((p) => br.addPort(p));
      if (s.stp) br.stp.enable();
      for (const step of steps) {
        if (step.op === 'rx') ports[step.port]!.inject(...step.frames);
        else if (step.op === 'down') ports[step.port]!.linkDown();
        else if (step.op === 'up') ports[step.port]!.linkUp();
        else { clock.advance(step.ms); br.tick(); }
      }

      // nothing malformed went out: every copy sent is a whole Ethernet frame with a unicast, non-zero source
      for (const p of ports) {
        for (const f of p.sent) {
          expect(f.bytes.length).toBeGreaterThanOrEqual(14);
          expect(f.bytes.length).toBeLessThanOrEqual(p.mtu + 18);
          const src = f.bytes.subarray(6, 12);
          if (src.every((b) => b === 0)) expect.fail('sent a frame with an all-zero source');
        }
      }
      // frames from peers: each was dropped by a counted reason, taken by STP, forwarded or flooded
      const snap = br.stp.snapshot();
      let stpTaken = snap.rxMalformed + snap.rxIgnored;
      for (const sp of snap.ports) stpTaken += sp.counters.rxBpdu + sp.counters.rxTcn;
      let ingressDrops = 0;
      let out = 0;
      let outDrops = 0;
      let flooded = 0;
      for (const bp of bps) {
        ingressDrops += bp.dropMalformed + bp.dropStpBlocked + bp.dropFiltered + bp.dropLimit + bp.dropLinkLocal + bp.dropVlan;
        out += bp.txFrames;
        outDrops += bp.dropTxError + bp.dropNoBuffer;
        flooded += bp.txFlooded;
      }
      // STP sends its own BPDUs (from a port's MAC) through the ports too; they are not copies of a received frame
      const own = new Set(bps.map((bp) => bp.mac));
      let stpSent = 0;
      for (const f of log.frames) if (own.has(readMac(f.bytes, 6))) stpSent++;
      expect(br.rxFrames).toBe(ingressDrops + stpTaken + br.forwarded + br.flooded);
      expect(out + outDrops).toBe(br.forwarded + flooded + stpSent);
    }), { numRuns: RUNS });
  });
});
