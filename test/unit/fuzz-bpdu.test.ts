// Fuzzing the BPDU decoder and the STP engine behind it: random bytes, lying offsets and lengths,
// valid BPDUs (config, TCN, RST) with bytes flipped or cut short, and random BPDU streams into a
// bridge with STP on, under 802.1D and under RSTP.
// The decoder never throws or reads outside the frame, every refusal names a reason whose
// malformed flag matches, what it accepts round-trips, and the engine counts every BPDU it gets.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  parseBpdu, buildConfigBpdu, buildTcnBpdu, buildRstBpdu, isMalformedReason, BPDU_OFFSET, TCN_BPDU_LEN, CONFIG_BPDU_LEN,
  RST_BPDU_LEN, type ConfigBpduFields, type RstBpduFields,
} from '../../src/stp/bpdu.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { capturePorts } from '../helpers/capture-port.js';
import { PORT_STATE_NAMES } from '../../src/stp/port-state.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const mac48 = fc.integer({ min: 0, max: 2 ** 48 - 1 });
/** A station address (the I/G bit clear; arithmetic, since JS bit operators stop at 32 bits). */
const unicast = mac48.filter((m) => Math.floor(m / 2 ** 40) % 2 === 0);
const u16 = fc.integer({ min: 0, max: 0xffff });
const fieldsArb: fc.Arbitrary<ConfigBpduFields> = fc.record({
  topologyChange: fc.boolean(),
  topologyChangeAck: fc.boolean(),
  root: fc.record({ prio: u16, mac: mac48 }),
  rootPathCost: fc.integer({ min: 0, max: 0xffffffff }),
  bridge: fc.record({ prio: u16, mac: mac48 }),
  portId: u16, messageAge: u16, maxAge: u16, helloTime: u16, forwardDelay: u16,
});
const rstFieldsArb: fc.Arbitrary<RstBpduFields> = fc.record({
  topologyChange: fc.boolean(),
  root: fc.record({ prio: u16, mac: mac48 }),
  rootPathCost: fc.integer({ min: 0, max: 0xffffffff }),
  bridge: fc.record({ prio: u16, mac: mac48 }),
  portId: u16, messageAge: u16, maxAge: u16, helloTime: u16, forwardDelay: u16,
  role: fc.integer({ min: 0, max: 3 }),
  proposal: fc.boolean(), learning: fc.boolean(), forwarding: fc.boolean(), agreement: fc.boolean(),
});
/** A BPDU frame a hostile peer made from a valid one (config, TCN or RST): bytes overwritten, then cut or padded. */
const mutatedArb = fc.tuple(
  fc.oneof(
    fc.tuple(unicast, fieldsArb).map(([s, f]) => buildConfigBpdu(s, f)),
    unicast.map((s) => buildTcnBpdu(s)),
    fc.tuple(unicast, rstFieldsArb).map(([s, f]) => buildRstBpdu(s, f)),
  ),
  fc.array(fc.tuple(fc.nat(80), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  fc.integer({ min: 0, max: 90 }),
).map(([f, edits, len]) => {
  const b = new Uint8Array(Math.max(len, 0));
  b.set(f.subarray(0, Math.min(f.length, len)));
  // keep the STP group destination most of the time, so the edits reach the deeper checks
  for (const [at, v] of edits) if (at >= 6 && at < b.length) b[at] = v;
  return b;
});

describe('fuzz: parseBpdu', () => {
  it('random bytes at any offset and claimed length: a result, never a throw, never a read past the buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: -5, max: 130 }), fc.integer({ min: -5, max: 130 }), (buf, off, len) => {
      const r = parseBpdu(buf, off, len);
      if (r.ok) {
        expect(off).toBeGreaterThanOrEqual(0);
        expect(off + len).toBeLessThanOrEqual(buf.length);
      } else {
        expect(r.malformed).toBe(isMalformedReason(r.reason));
      }
    }), { numRuns: RUNS });
  });

  it('mutated BPDUs: accepted ones satisfy every rule the decoder claims to check', () => {
    fc.assert(fc.property(mutatedArb, fc.boolean(), (b, acceptRstp) => {
      const r = parseBpdu(b, 0, b.length, { acceptRstp });
      if (!r.ok) { expect(r.malformed).toBe(isMalformedReason(r.reason)); return; }
      const lengthField = (b[12]! << 8) | b[13]!;
      expect(lengthField).toBeLessThanOrEqual(1500);
      expect(14 + lengthField).toBeLessThanOrEqual(b.length);
      expect([b[14], b[15], b[16]]).toEqual([0x42, 0x42, 0x03]);
      expect([b[BPDU_OFFSET], b[BPDU_OFFSET + 1]]).toEqual([0, 0]);
      if (!acceptRstp) expect(r.bpdu.version).toBe(0);
      expect(lengthField - 3).toBeGreaterThanOrEqual(r.bpdu.type === 'config' ? CONFIG_BPDU_LEN : TCN_BPDU_LEN);
    }), { numRuns: RUNS });
  });

  it('whatever it builds, it reads back', () => {
    fc.assert(fc.property(unicast, fieldsArb, (s, f) => {
      const r = parseBpdu(buildConfigBpdu(s, f), 0, 60);
      expect(r.ok).toBe(true);
      if (r.ok && r.bpdu.type === 'config') {
        expect(r.bpdu).toMatchObject({ ...f, src: s, version: 0 });
      }
    }), { numRuns: RUNS });
  });
});

describe('fuzz: RST BPDUs', () => {
  it('whatever it builds, it reads back with acceptRstp: version 2, type RST, every flag bit', () => {
    fc.assert(fc.property(unicast, rstFieldsArb, (s, f) => {
      const frame = buildRstBpdu(s, f);
      expect((frame[12]! << 8) | frame[13]!).toBe(3 + RST_BPDU_LEN);
      expect(frame[BPDU_OFFSET + RST_BPDU_LEN - 1]).toBe(0); // Version 1 Length
      const r = parseBpdu(frame, 0, frame.length, { acceptRstp: true });
      expect(r.ok).toBe(true);
      if (!r.ok || r.bpdu.type !== 'config') return;
      const { role, proposal, learning, forwarding, agreement, ...common } = f;
      expect(r.bpdu).toMatchObject({ ...common, src: s, version: 2, rst: true, topologyChangeAck: false });
      const fl = r.bpdu.flags;
      expect([(fl >> 2) & 3, !!(fl & 2), !!(fl & 0x10), !!(fl & 0x20), !!(fl & 0x40)]).toEqual([role, proposal, learning, forwarding, agreement]);
      // an 802.1D bridge (the kernel) drops it
      expect(parseBpdu(frame, 0, frame.length)).toMatchObject({ ok: false, reason: 'unsupported-version' });
    }), { numRuns: RUNS });
  });
});

describe.each(['stp', 'rstp'] as const)('fuzz: %s engine on hostile BPDUs', (protocol) => {
  it('never throws, keeps port states valid and counts every BPDU handed to it', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(2), fc.array(mutatedArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 5000 })), { minLength: 1, maxLength: 25 }), (steps) => {
      const clock = new VirtualClock(1_000);
      const br = new Bridge({ name: 'br0', clock, mac: 0x0200000000bb, stpProtocol: protocol });
      const { ports } = capturePorts(3);
      const bps = ports.map((p) => br.addPort(p));
      br.stp.enable();
      let stpBound = 0;
      for (const [port, frames, ms] of steps) {
        // only frames to the STP group address reach the engine; count those the bridge took
        for (const f of frames) if (f.length >= 14 && f[0] === 0x01 && f[1] === 0x80 && f[2] === 0xc2 && f[3] === 0 && f[4] === 0 && f[5] === 0 && (f[6]! & 1) === 0 && f.subarray(6, 12).some((x) => x !== 0)) stpBound++;
        ports[port]!.inject(...frames);
        clock.advance(ms);
        br.tick();
      }
      const snap = br.stp.snapshot();
      let taken = snap.rxMalformed + snap.rxIgnored;
      for (const sp of snap.ports) {
        taken += sp.counters.rxBpdu + sp.counters.rxTcn + sp.counters.rxRstBpdu;
        expect(PORT_STATE_NAMES[br.stp.portState(sp.portNo)!]).toBeDefined();
      }
      let blocked = 0;
      for (const bp of bps) blocked += bp.dropStpBlocked;
      // STP on and every port up: each BPDU went to the engine, which counted it exactly once
      expect(taken).toBe(stpBound);
      expect(blocked).toBe(0);
    }), { numRuns: Math.ceil(RUNS / 3) });
  });
});
