// Fuzzing the rtnetlink link-message parser (datagrams from the kernel, but parsed in JS from
// lengths the bytes themselves claim): random bytes, valid messages with length fields and
// attributes overwritten, at any offset in a larger buffer. It never throws, never reads outside
// [off, off+len), always ends, and every event it reports came from a whole message in range.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseLinkMessages, type LinkEvent } from '../../src/native/link-events.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const IFLA_IFNAME = 3;

function attr(type: number, value: Uint8Array): Buffer {
  const len = 4 + value.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  Buffer.from(value).copy(b, 4);
  return b;
}

function linkMsg(type: number, ifindex: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.alloc(16), ...attrs]);
  body.writeInt32LE(ifindex, 4);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(type, 4);
  return Buffer.concat([h, body]);
}

const msgArb = fc.tuple(
  fc.constantFrom(RTM_NEWLINK, RTM_DELLINK, 3, 2),
  fc.integer({ min: -5, max: 100 }),
  fc.array(fc.tuple(fc.constantFrom(IFLA_IFNAME, 4, 0, 0x8003), fc.uint8Array({ maxLength: 20 })), { maxLength: 3 }),
).map(([type, ifindex, attrs]) => linkMsg(type, ifindex, attrs.map(([t, v]) => attr(t, v))));

/** Datagrams made of messages, then with random 32-bit and 16-bit fields overwritten. */
const datagramArb = fc.tuple(
  fc.array(msgArb, { maxLength: 5 }),
  fc.array(fc.tuple(fc.nat(400), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean()), { maxLength: 4 }),
).map(([msgs, edits]) => {
  const b = Buffer.concat(msgs);
  for (const [at, v, wide] of edits) {
    if (wide && at + 4 <= b.length) b.writeUInt32LE(v, at);
    else if (!wide && at + 2 <= b.length) b.writeUInt16LE(v & 0xffff, at);
  }
  return new Uint8Array(b);
});

function parseInside(d: Uint8Array, pre: number, post: number): LinkEvent[] {
  // the datagram sits inside a larger receive buffer whose bytes around it are 0xff (huge lengths)
  const buf = new Uint8Array(pre + d.length + post).fill(0xff);
  buf.set(d, pre);
  const got: LinkEvent[] = [];
  parseLinkMessages(buf, pre, d.length, (e) => got.push(e));
  return got;
}

describe('fuzz: parseLinkMessages', () => {
  it('random bytes: never throws, always ends', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(9), fc.nat(9), (d, pre, post) => {
      parseInside(d, pre, post);
    }), { numRuns: RUNS });
  });

  it('damaged datagrams: the events are those of the same datagram alone (nothing read from around it)', () => {
    fc.assert(fc.property(datagramArb, fc.nat(9), fc.nat(40), (d, pre, post) => {
      const alone = [] as LinkEvent[];
      parseLinkMessages(d, 0, d.length, (e) => alone.push(e));
      const inside = parseInside(d, pre, post);
      expect(inside).toEqual(alone);
      for (const e of inside) {
        expect(e.type === 'new' || e.type === 'del').toBe(true);
        if (e.type !== 'resync') expect(e.name.length).toBeGreaterThan(0);
      }
      // at most one event per 32 bytes: every event came from a whole message
      expect(inside.length).toBeLessThanOrEqual(Math.floor(d.length / 32));
    }), { numRuns: RUNS });
  });
});
