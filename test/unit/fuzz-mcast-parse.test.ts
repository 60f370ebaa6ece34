// Fuzzing the IGMP/MLD parser and the snooping bridge behind it: valid reports, queries and
// leaves of every version with bytes overwritten and cut short, and random bytes. The parser never
// throws, its verdict depends only on the frame's own bytes (the same frame among different
// garbage gives the same answer, so it reads nothing outside it), a v3 report it accepts has every
// record inside the message, a changed byte under the checksum is refused, and a bridge fed the
// frames never throws and keeps a consistent table (members only on its ports).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { classifyMcast, McastInfo, MC_CONTROL, MC_MALFORMED, MSG_REPORT_V3, nextRecord } from '../../src/mdb/mcast-parse.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { capturePorts } from '../helpers/capture-port.js';
import { igmpV2Report, igmpLeave, igmpQuery, igmpV3Report, mldV1Report, mldV2Report, udp4, udp6 } from '../helpers/mcast-frames.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SRC = 0x020000000001;
const g4 = fc.tuple(fc.integer({ min: 224, max: 239 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const g6 = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.nat(0xffff)).map(([s, w]) => `ff0${s.toString(16)}::${w.toString(16)}`);
const validArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  g4.map((g) => igmpV2Report(SRC, g)),
  g4.map((g) => igmpLeave(SRC, g)),
  fc.option(g4, { nil: null }).map((g) => igmpQuery(SRC, g)),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), g4, fc.array(fc.constant('10.0.0.1'), { maxLength: 3 })), { maxLength: 4 })
    .map((rs) => igmpV3Report(SRC, rs)),
  g6.map((g) => mldV1Report(SRC, g)),
  fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), g6), { maxLength: 4 }).map((rs) => mldV2Report(SRC, rs)),
  g4.map((g) => udp4(SRC, g)),
  g6.map((g) => udp6(SRC, g)),
);
/** A valid frame with bytes overwritten (past the MACs) and cut or padded. */
const mutatedArb = fc.tuple(validArb, fc.array(fc.tuple(fc.nat(140), fc.nat(255)), { maxLength: 5 }), fc.integer({ min: 0, max: 160 }))
  .map(([f, edits, len]) => {
    const b = new Uint8Array(len);
    b.set(f.subarray(0, Math.min(f.length, len)));
    for (const [at, v] of edits) if (at >= 12 && at < len) b[at] = v;
    return b;
  });
const anyArb = fc.oneof(mutatedArb, fc.uint8Array({ maxLength: 120 }).map((b) => { if (b.length > 0) b[0]! |= 1; return b; }));

function classifyIn(frame: Uint8Array, fill: number, pad: number): { k: number; info: McastInfo } {
  const buf = new Uint8Array(pad + frame.length + pad).fill(fill);
  buf.set(frame, pad);
  const info = new McastInfo();
  return { k: classifyMcast(buf, pad, frame.length, info), info };
}

describe('fuzz: IGMP/MLD parser', () => {
  it('never throws, and answers from the frame\'s bytes alone', () => {
    fc.assert(fc.property(anyArb, fc.nat(255), fc.integer({ min: 0, max: 40 }), (f, fill, pad) => {
      const a = classifyIn(f, 0x00, 3);
      const b = classifyIn(f, fill, pad);
      expect(b.k).toBe(a.k);
      if (a.k === MC_CONTROL) {
        expect(b.info.msg).toBe(a.info.msg);
        expect(b.info.l4len).toBe(a.info.l4len);
      }
    }), { numRuns: RUNS });
  });

  it('an accepted v3 report keeps every record inside the message', () => {
    fc.assert(fc.property(mutatedArb, (f) => {
      const info = new McastInfo();
      if (classifyMcast(f, 0, f.length, info) !== MC_CONTROL || info.msg !== MSG_REPORT_V3) return;
      let r = info.l4 + 8;
      for (let i = 0; i < info.records; i++) r = nextRecord(f, r, info.family);
      expect(r).toBeLessThanOrEqual(info.l4 + info.l4len);
    }), { numRuns: RUNS });
  });

  it('valid messages parse; one byte changed under the checksum is refused', () => {
    const messages = fc.oneof(
      g4.map((g) => igmpV2Report(SRC, g)), g4.map((g) => igmpLeave(SRC, g)), g6.map((g) => mldV1Report(SRC, g)),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), g6), { minLength: 1, maxLength: 3 }).map((rs) => mldV2Report(SRC, rs)),
    );
    fc.assert(fc.property(messages, fc.nat(), fc.integer({ min: 1, max: 255 }), (f, at, x) => {
      const info = new McastInfo();
      expect(classifyMcast(f, 0, f.length, info)).toBe(MC_CONTROL);
      const b = f.slice();
      const i = info.l4 + 4 + (at % (info.l4len - 4)); // past type and checksum: inside the summed message
      b[i] ^= x;
      // a changed group byte may also make the group invalid; either way it is refused
      expect(classifyMcast(b, 0, b.length, new McastInfo())).toBe(MC_MALFORMED);
    }), { numRuns: RUNS });
  });

  it('a snooping bridge fed hostile frames never throws and keeps its table consistent', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(2), anyArb), { maxLength: 30 }), (frames) => {
      const clock = new VirtualClock(1000);
      const br = new Bridge({ name: 'br0', clock });
      const { ports } = capturePorts(3);
      for (const p of ports) br.addPort(p);
      br.setMcastQuerier(true);
      br.setMcastSnooping(true);
      for (const [i, f] of frames) {
        // a valid source MAC so the frame reaches snooping
        if (f.length >= 12) { f.set([2, 0, 0, 0, 0, 0x10 + i], 6); }
        ports[i]!.inject(f);
        clock.advance(1000);
        br.tick();
      }
      const entries = br.mdb.entries(clock.now());
      expect(entries.length).toBe(br.mdb.size);
      for (const e of entries) expect([1, 2, 3]).toContain(e.port);
    }), { numRuns: Math.max(50, RUNS / 3) });
  });
});
