import { describe, it, expect } from 'vitest';
import {
  parseMac, formatMac, formatMacPlain, isValidMacString, readMac, writeMac, macToBytes,
  isMulticast, isBroadcast, isUnicast, isZeroMac, isLinkLocal, randomLocalMac, MAC_BROADCAST, MAC_STP,
  buildEthernet, vlanIdOf, innerEtherType, etherTypeAt, dstMac, srcMac, isLlc, isStpLlc,
  ETHERTYPE_IPV4, ETHERTYPE_ARP, ETHERTYPE_VLAN, ETH_HLEN,
} from '../../src/frame/index.js';
import { UserError } from '../../src/user-error.js';

describe('parseMac / formatMac', () => {
  const cases: [string, number][] = [
    ['00:00:00:00:00:00', 0],
    ['ff:ff:ff:ff:ff:ff', 0xffffffffffff],
    ['01:80:c2:00:00:00', 0x0180c2000000],
    ['52:54:00:12:34:56', 0x525400123456],
    ['80:00:00:00:00:01', 0x800000000001],
    ['00:00:80:00:00:00', 0x000080000000],
    ['de:ad:be:ef:00:01', 0xdeadbeef0001],
  ];
  it.each(cases)('parses %s', (s, v) => {
    expect(parseMac(s)).toBe(v);
    expect(formatMac(v)).toBe(s);
  });

  it('accepts upper case and dashes, formats lower-case colon form', () => {
    expect(parseMac('DE-AD-BE-EF-00-01')).toBe(0xdeadbeef0001);
    expect(formatMac(parseMac('AA:BB:CC:DD:EE:FF'))).toBe('aa:bb:cc:dd:ee:ff');
  });

  it('round-trips every byte value in every position', () => {
    for (let pos = 0; pos < 6; pos++) {
      for (let b = 0; b < 256; b++) {
        const bytes = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
        bytes[pos] = b;
        const s = bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
        const v = parseMac(s);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(MAC_BROADCAST);
        expect(formatMac(v)).toBe(s);
      }
    }
  });

  it('formatMacPlain has no separators', () => {
    expect(formatMacPlain(0x3a34cf199539)).toBe('3a34cf199539');
  });

  const bad = ['', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'gg:bb:cc:dd:ee:ff', 'aabbccddeeff', 'a:b:c:d:e:f',
    'aa:bb:cc:dd:ee:fff', 'aa bb cc dd ee ff', 'zz'];
  it.each(bad)('rejects %j with a message naming the value', (s) => {
    expect(() => parseMac(s)).toThrow(UserError);
    expect(() => parseMac(s)).toThrow(`'${s}'`);
    expect(isValidMacString(s)).toBe(false);
  });

  it('rejects a non-string with a UserError', () => {
    expect(() => parseMac(undefined as unknown as string)).toThrow(UserError);
    expect(() => parseMac(42 as unknown as string)).toThrow(/'42'/);
  });

  it('isValidMacString agrees with parseMac on good input', () => {
    for (const [s] of cases) expect(isValidMacString(s)).toBe(true);
  });
});

describe('readMac / writeMac', () => {
  it('reads and writes at arbitrary offsets without touching neighbours', () => {
    const buf = new Uint8Array(32).fill(0xaa);
    for (const off of [0, 1, 7, 26]) {
      buf.fill(0xaa);
      writeMac(buf, off, 0x0123456789ab);
      expect(Array.from(buf.subarray(off, off + 6))).toEqual([0x01, 0x23, 0x45, 0x67, 0x89, 0xab]);
      if (off > 0) expect(buf[off - 1]).toBe(0xaa);
      if (off + 6 < buf.length) expect(buf[off + 6]).toBe(0xaa);
      expect(readMac(buf, off)).toBe(0x0123456789ab);
    }
  });

  it('handles the high bit of every byte (no sign problems)', () => {
    const buf = new Uint8Array(6);
    for (const v of [MAC_BROADCAST, 0x800000000000, 0x000080000000, 0x0000ff000000, 0xffff00000000, 0x00000000ff80]) {
      writeMac(buf, 0, v);
      expect(readMac(buf, 0)).toBe(v);
    }
  });

  it('works on a Buffer slice (non-zero byteOffset)', () => {
    const big = Buffer.alloc(64);
    const view = big.subarray(10);
    writeMac(view, 3, 0x525400abcdef);
    expect(readMac(big, 13)).toBe(0x525400abcdef);
  });

  it('macToBytes gives the wire order', () => {
    expect(Array.from(macToBytes(0x0180c2000001))).toEqual([0x01, 0x80, 0xc2, 0, 0, 1]);
  });
});

describe('address classes', () => {
  it('multicast: the I/G bit of the first byte', () => {
    expect(isMulticast(MAC_BROADCAST)).toBe(true);
    expect(isMulticast(parseMac('01:00:5e:00:00:01'))).toBe(true);
    expect(isMulticast(parseMac('33:33:00:00:00:01'))).toBe(true);
    expect(isMulticast(MAC_STP)).toBe(true);
    expect(isMulticast(parseMac('02:00:00:00:00:01'))).toBe(false);
    expect(isMulticast(parseMac('00:01:00:00:00:00'))).toBe(false); // bit 0 of 2nd byte is not I/G
    expect(isMulticast(parseMac('fe:ff:ff:ff:ff:ff'))).toBe(false);
    expect(isUnicast(parseMac('52:54:00:12:34:56'))).toBe(true);
    expect(isUnicast(MAC_BROADCAST)).toBe(false);
  });

  it('broadcast and zero', () => {
    expect(isBroadcast(MAC_BROADCAST)).toBe(true);
    expect(isBroadcast(parseMac('ff:ff:ff:ff:ff:fe'))).toBe(false);
    expect(isZeroMac(0)).toBe(true);
    expect(isZeroMac(1)).toBe(false);
  });

  it('link-local: exactly 01:80:c2:00:00:00..0f', () => {
    for (let i = 0; i <= 0x0f; i++) expect(isLinkLocal(MAC_STP + i)).toBe(true);
    expect(isLinkLocal(MAC_STP + 0x10)).toBe(false);
    expect(isLinkLocal(MAC_STP - 1)).toBe(false);
    expect(isLinkLocal(parseMac('01:80:c2:00:00:21'))).toBe(false);
  });

  it('randomLocalMac is unicast and locally administered', () => {
    let seed = 1;
    const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    for (let i = 0; i < 200; i++) {
      const m = randomLocalMac(rand);
      expect(Math.floor(m / 2 ** 40)).toBe(0x02);
      expect(isUnicast(m)).toBe(true);
      expect(m).toBeLessThanOrEqual(MAC_BROADCAST);
    }
  });
});

describe('buildEthernet and header readers', () => {
  it('untagged frame: layout, default 46-byte payload', () => {
    const f = buildEthernet({ dst: MAC_BROADCAST, src: 0x020000000001, etherType: ETHERTYPE_ARP });
    expect(f.length).toBe(60);
    expect(dstMac(f, 0)).toBe(MAC_BROADCAST);
    expect(srcMac(f, 0)).toBe(0x020000000001);
    expect(etherTypeAt(f, 0)).toBe(ETHERTYPE_ARP);
    expect(vlanIdOf(f, 0, f.length)).toBe(-1);
    expect(innerEtherType(f, 0, f.length)).toBe(ETHERTYPE_ARP);
    expect(isLlc(f, 0)).toBe(false);
  });

  it('tagged frame: TPID, TCI with pcp and vid, inner type, payload copied', () => {
    const payload = new Uint8Array([1, 2, 3, 4]);
    const f = buildEthernet({ dst: 0x020000000002, src: 0x020000000001, etherType: ETHERTYPE_IPV4, vlan: 0xabc, pcp: 5, payload });
    expect(f.length).toBe(18 + 4);
    expect(etherTypeAt(f, 0)).toBe(ETHERTYPE_VLAN);
    expect(f[14]).toBe((5 << 5) | 0x0a);
    expect(f[15]).toBe(0xbc);
    expect(vlanIdOf(f, 0, f.length)).toBe(0xabc);
    expect(innerEtherType(f, 0, f.length)).toBe(ETHERTYPE_IPV4);
    expect(Array.from(f.subarray(18))).toEqual([1, 2, 3, 4]);
  });

  it('vid is masked to 12 bits, vid 0 (priority tag) is reported as 0', () => {
    const f = buildEthernet({ dst: 1, src: 2, etherType: ETHERTYPE_IPV4, vlan: 0x1005 });
    expect(vlanIdOf(f, 0, f.length)).toBe(5);
    const g = buildEthernet({ dst: 1, src: 2, etherType: ETHERTYPE_IPV4, vlan: 0, pcp: 7 });
    expect(vlanIdOf(g, 0, g.length)).toBe(0);
  });

  it('vlanIdOf reads at an offset and refuses frames too short for a tag', () => {
    const f = buildEthernet({ dst: 1, src: 2, etherType: ETHERTYPE_IPV4, vlan: 42 });
    const buf = new Uint8Array(100);
    buf.set(f, 30);
    expect(vlanIdOf(buf, 30, f.length)).toBe(42);
    expect(vlanIdOf(buf, 30, 17)).toBe(-1);
    expect(vlanIdOf(buf, 30, 18)).toBe(42);
  });

  it('802.3/LLC frames: length field ≤ 1500 and the STP LLC header', () => {
    const payload = new Uint8Array([0x42, 0x42, 0x03, 0, 0]);
    const f = buildEthernet({ dst: MAC_STP, src: 0x020000000001, etherType: payload.length, payload });
    expect(isLlc(f, 0)).toBe(true);
    expect(isStpLlc(f, 0, f.length)).toBe(true);
    expect(isStpLlc(f, 0, 16)).toBe(false);
    const g = buildEthernet({ dst: MAC_STP, src: 0x020000000001, etherType: 1501 });
    expect(isLlc(g, 0)).toBe(false);
    expect(ETH_HLEN).toBe(14);
  });
});
