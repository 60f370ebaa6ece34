// BPDU codec: byte layout against hand-built frames, round trips, the kernel's acceptance rules,
// and the tick/ms conversions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildConfigBpdu, buildTcnBpdu, parseBpdu, msToStpTicks, stpTicksToMs, type ConfigBpduFields,
} from '../../src/stp/index.js';

const SRC = 0x020000000001;

// dst, src, length 38, LLC, then the 35-byte config BPDU, zero padding to 60.
const HAND_CONFIG = Uint8Array.from([
  0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, // dst
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // src
  0x00, 0x26, // 802.3 length: 3 + 35
  0x42, 0x42, 0x03, // LLC
  0x00, 0x00, // protocol id
  0x00, // version
  0x00, // type config
  0x81, // flags: TC | TCA
  0x10, 0x00, 0x3a, 0x34, 0xcf, 0x19, 0x95, 0x39, // root 1000.3a34cf199539
  0x00, 0x00, 0x00, 0x13, // root path cost 19
  0x80, 0x00, 0x22, 0x0a, 0xa6, 0x13, 0xd6, 0x15, // bridge 8000.220aa613d615
  0x80, 0x02, // port id
  0x01, 0x00, // message age 1 s
  0x14, 0x00, // max age 20 s
  0x02, 0x00, // hello 2 s
  0x0f, 0x00, // forward delay 15 s
  0, 0, 0, 0, 0, 0, 0, 0, // padding to 60
]);

const HAND_TCN = Uint8Array.from([
  0x01, 0x80, 0xc2, 0x00, 0x00, 0x00,
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
  0x00, 0x07,
  0x42, 0x42, 0x03,
  0x00, 0x00, 0x00, 0x80,
  ...new Array<number>(39).fill(0),
]);

const FIELDS: ConfigBpduFields = {
  topologyChange: true,
  topologyChangeAck: true,
  root: { prio: 0x1000, mac: 0x3a34cf199539 },
  rootPathCost: 19,
  bridge: { prio: 0x8000, mac: 0x220aa613d615 },
  portId: 0x8002,
  messageAge: 256,
  maxAge: 20 * 256,
  helloTime: 2 * 256,
  forwardDelay: 15 * 256,
};

describe('BPDU encoding', () => {
  it('builds a config BPDU byte for byte', () => {
    const f = buildConfigBpdu(SRC, FIELDS);
    expect(f.length).toBe(60);
    expect(Array.from(f)).toEqual(Array.from(HAND_CONFIG));
  });

  it('builds a TCN BPDU byte for byte', () => {
    expect(Array.from(buildTcnBpdu(SRC))).toEqual(Array.from(HAND_TCN));
  });

  it('decodes the hand-built config BPDU', () => {
    const r = parseBpdu(HAND_CONFIG, 0, HAND_CONFIG.length);
    expect(r.ok).toBe(true);
    if (!r.ok || r.bpdu.type !== 'config') throw new Error('not config');
    expect(r.bpdu).toMatchObject({ ...FIELDS, version: 0, flags: 0x81, src: SRC });
  });

  it('decodes the hand-built TCN BPDU, also at an offset inside a larger buffer', () => {
    const big = new Uint8Array(100);
    big.set(HAND_TCN, 7);
    const r = parseBpdu(big, 7, HAND_TCN.length);
    expect(r).toEqual({ ok: true, bpdu: { type: 'tcn', version: 0, src: SRC } });
  });

  it('round-trips any config BPDU', () => {
    const id = fc.record({ prio: fc.integer({ min: 0, max: 0xffff }), mac: fc.integer({ min: 0, max: 2 ** 48 - 1 }) });
    const t = fc.integer({ min: 0, max: 0xffff });
    fc.assert(fc.property(
      fc.record({
        topologyChange: fc.boolean(), topologyChangeAck: fc.boolean(), root: id,
        rootPathCost: fc.integer({ min: 0, max: 0xffffffff }), bridge: id, portId: t,
        messageAge: t, maxAge: t, helloTime: t, forwardDelay: t,
      }),
      fc.integer({ min: 0, max: 2 ** 48 - 1 }),
      (fields, src) => {
        const r = parseBpdu(buildConfigBpdu(src, fields), 0, 60);
        expect(r.ok && r.bpdu).toEqual({
          ...fields, type: 'config', version: 0, src, rst: false,
          flags: (fields.topologyChange ? 1 : 0) | (fields.topologyChangeAck ? 0x80 : 0),
        });
      },
    ));
  });

  it('takes the length field, not the frame length: unpadded 52-byte frames are fine', () => {
    expect(parseBpdu(HAND_CONFIG, 0, 52).ok).toBe(true);
    // A frame without padding is also what veth carries from a kernel bridge.
    expect(parseBpdu(HAND_TCN, 0, 21).ok).toBe(true);
  });
});

describe('BPDU validation (as llc_rcv + br_stp_rcv)', () => {
  const mutate = (base: Uint8Array, f: (b: Uint8Array) => void): Uint8Array => {
    const c = base.slice();
    f(c);
    return c;
  };
  const cases: Array<[string, Uint8Array, number, string, boolean]> = [
    ['shorter than header + LLC', HAND_CONFIG, 16, 'truncated', true],
    ['Ethernet II type', mutate(HAND_CONFIG, (b) => { b[12] = 0x08; b[13] = 0x00; }), 60, 'not-llc', true],
    ['802.1Q tagged', mutate(HAND_CONFIG, (b) => { b[12] = 0x81; b[13] = 0x00; }), 60, 'not-llc', true],
    ['wrong DSAP', mutate(HAND_CONFIG, (b) => { b[14] = 0xaa; }), 60, 'bad-llc', true],
    ['wrong control', mutate(HAND_CONFIG, (b) => { b[16] = 0x13; }), 60, 'bad-llc', true],
    ['length field beyond the frame', mutate(HAND_CONFIG, (b) => { b[13] = 0x40; }), 60, 'bad-length', true],
    ['length field < LLC', mutate(HAND_CONFIG, (b) => { b[13] = 0x02; }), 60, 'bad-length', true],
    ['BPDU shorter than 4', mutate(HAND_CONFIG, (b) => { b[13] = 0x06; }), 60, 'truncated', true],
    ['protocol id not 0', mutate(HAND_CONFIG, (b) => { b[18] = 0x01; }), 60, 'bad-protocol-id', true],
    ['config of 34 bytes', mutate(HAND_CONFIG, (b) => { b[13] = 0x25; }), 60, 'truncated-config', true],
    ['RSTP version', mutate(HAND_CONFIG, (b) => { b[19] = 2; b[20] = 2; b[13] = 0x27; }), 60, 'unsupported-version', false],
    ['unknown type', mutate(HAND_CONFIG, (b) => { b[20] = 0x55; }), 60, 'unknown-type', false],
    ['other group address', mutate(HAND_CONFIG, (b) => { b[5] = 0x0e; }), 60, 'not-stp-group-address', false],
  ];
  for (const [name, frame, len, reason, malformed] of cases) {
    it(`rejects: ${name}`, () => {
      expect(parseBpdu(frame, 0, len)).toEqual({ ok: false, reason, malformed });
    });
  }

  it('a config of exactly 35 bytes and a TCN of exactly 4 are accepted', () => {
    expect(parseBpdu(HAND_CONFIG, 0, 14 + 38).ok).toBe(true);
    expect(parseBpdu(HAND_TCN, 0, 14 + 7).ok).toBe(true);
  });

  it('with acceptRstp an RST BPDU decodes as config with its TC/TCA bits', () => {
    const rst = mutate(HAND_CONFIG, (b) => { b[19] = 2; b[20] = 2; b[21] = 0x7d; b[13] = 0x27; });
    const r = parseBpdu(rst, 0, 60, { acceptRstp: true });
    expect(r.ok && r.bpdu.type === 'config' && r.bpdu).toMatchObject({
      version: 2, flags: 0x7d, topologyChange: true, topologyChangeAck: false, rootPathCost: 19,
    });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, rstp) => {
      const r = parseBpdu(bytes, 0, bytes.length, { acceptRstp: rstp });
      expect(typeof r.ok).toBe('boolean');
    }));
  });
});

describe('BPDU time units', () => {
  it('sends truncated 1/256 s and receives rounded up to ms, as br_set_ticks/br_get_ticks', () => {
    expect(msToStpTicks(20000)).toBe(5120);
    expect(msToStpTicks(4)).toBe(1); // MESSAGE_AGE_INCR → one STP tick on the wire
    expect(msToStpTicks(3)).toBe(0);
    expect(stpTicksToMs(1)).toBe(4);
    expect(stpTicksToMs(5120)).toBe(20000);
    expect(stpTicksToMs(3840)).toBe(15000);
  });
});
