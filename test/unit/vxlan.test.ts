// The VXLAN header codec (RFC 7348 §5) under fast-check: random bytes never throw and get a VNI
// only when the header is exactly what the kernel's vxlan driver accepts (I flag, nothing else);
// written headers parse back to their VNI; the `vxlan:` port spec's syntax and refusals; and the
// self entries against real `bridge fdb show dev vx0` captures (test/fixtures/reference/).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseVxlan, writeVxlan, dropIndex, VXLAN_DROP_REASONS, VXLAN_HDR_LEN, VNI_MAX, VX_NO_I_FLAG, VX_RESERVED, VX_SHORT } from '../../src/ports/vxlan-header.js';
import { ipv4ToNumber, numberToIpv4 } from '../../src/ports/ipv4.js';
import { portSpec } from '../../src/control/port-kinds/index.js';
import { UserError } from '../../src/control/protocol.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFdbShow, formatFdbJson } from '../../src/cli/format/fdb.js';
import type { FdbRow } from '../../src/control/wire-types.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** What the kernel accepts, restated from RFC 7348 and drivers/net/vxlan without extensions. */
function reference(b: Uint8Array, off: number, len: number): number {
  if (len < 8 + 14) return VX_SHORT;
  if ((b[off]! & 0x08) === 0) return VX_NO_I_FLAG;
  if (b[off] !== 0x08 || b[off + 1] || b[off + 2] || b[off + 3] || b[off + 7]) return VX_RESERVED;
  return b[off + 4]! * 65536 + b[off + 5]! * 256 + b[off + 6]!;
}

describe('fuzz: parseVxlan', () => {
  it('random datagrams at random offsets: the reference verdict, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(7), (bytes, pad) => {
      const b = new Uint8Array(pad + bytes.length);
      b.set(bytes, pad);
      const v = parseVxlan(b, pad, bytes.length);
      expect(v).toBe(reference(b, pad, bytes.length));
      if (v < 0) expect(VXLAN_DROP_REASONS[dropIndex(v)]).toBeDefined();
    }), { numRuns: RUNS });
  });

  it('valid headers with one bit flipped: refused unless the bit is in the VNI', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: VNI_MAX }), fc.nat(63), (vni, bit) => {
      const b = new Uint8Array(VXLAN_HDR_LEN + 60);
      writeVxlan(b, 0, vni);
      expect(parseVxlan(b, 0, b.length)).toBe(vni);
      b[bit >> 3] ^= 0x80 >> (bit & 7);
      const inVni = bit >= 32 && bit < 56;
      const got = parseVxlan(b, 0, b.length);
      if (inVni) expect(got).toBeGreaterThanOrEqual(0);
      else expect(got).toBe(bit === 4 ? VX_NO_I_FLAG : VX_RESERVED);
    }), { numRuns: RUNS });
  });

  it('a datagram too short for the header and an Ethernet header is refused as short', () => {
    const b = new Uint8Array(21);
    writeVxlan(b, 0, 42);
    expect(parseVxlan(b, 0, 21)).toBe(VX_SHORT);
    expect(parseVxlan(new Uint8Array(22).fill(0).map((x, i) => (i === 0 ? 8 : x)), 0, 22)).toBe(0);
  });

  it('IPv4 addresses round-trip as numbers', () => {
    fc.assert(fc.property(fc.ipV4(), (ip) => { expect(numberToIpv4(ipv4ToNumber(ip))).toBe(ip); }), { numRuns: RUNS });
    expect(ipv4ToNumber('192.0.2.2')).toBe(0xc0000202);
  });
});

function userError(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof UserError) return e.message; throw e; }
  throw new Error('no error');
}

describe('vxlan: port specs', () => {
  it.each([
    ['vxlan:42@10.200.0.1', { kind: 'vxlan', name: 'vx42', vni: 42, local: '10.200.0.1', udpPort: 4789, remotes: [] }],
    ['vxlan:vx0=42@10.200.0.1:4790,remote=10.200.0.2+10.200.0.3,mtu=1400',
      { kind: 'vxlan', name: 'vx0', vni: 42, local: '10.200.0.1', udpPort: 4790, remotes: ['10.200.0.2', '10.200.0.3'], mtu: 1400 }],
    ['vxlan:vx1=0@10.200.0.1,group=239.1.1.1%eth0', { kind: 'vxlan', name: 'vx1', vni: 0, local: '10.200.0.1', udpPort: 4789, remotes: [], group: '239.1.1.1', groupDev: 'eth0' }],
  ])('%s', (spec, parsed) => {
    expect(portSpec(spec)).toEqual(parsed);
  });

  it.each([
    ['vxlan:42', /expected vxlan:\[NAME=\]VNI@LOCAL_IP/],
    ['vxlan:16777216@10.0.0.1', /VNI 16777216 is not from 0 to 16777215/],
    ['vxlan:42@10.0.0', /local address '10\.0\.0' is not an IPv4 address/],
    ['vxlan:42@10.0.0.1:0', /local port '0' is not a port number from 1 to 65535/],
    ['vxlan:42@239.0.0.1', /local address 239\.0\.0\.1 is a multicast address/],
    ['vxlan:42@10.0.0.1,remote=10.0.0.2+x', /remote 'x' is not an IPv4 address/],
    ['vxlan:42@10.0.0.1,remote=239.1.1.1', /remote 239\.1\.1\.1 is a multicast address: use group=239\.1\.1\.1%DEV/],
    ['vxlan:42@10.0.0.1,remote=10.0.0.1', /remote 10\.0\.0\.1 is the local address/],
    ['vxlan:42@10.0.0.1,group=239.1.1.1', /needs the device it is joined on: group=GROUP%DEV/],
    ['vxlan:42@10.0.0.1,group=10.1.1.1%eth0', /group 10\.1\.1\.1 is not a multicast address/],
    ['vxlan:42@10.0.0.1,ttl=4', /unknown option 'ttl=4': expected remote=IP\[\+IP\.\.\.\], group=GROUP%DEV or mtu=N/],
    ['vxlan:42@10.0.0.1,mtu=9001', /mtu '9001' is not a number from 68 to 9000/],
  ])('%s is refused: %s', (spec, why) => {
    expect(userError(() => portSpec(spec))).toMatch(why);
  });
});

describe('vxlan: self entries print as iproute2 prints a vxlan device\'s', () => {
  const REF = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/reference');
  const self = (mac: string, dst: string, state: '' | 'permanent', via?: string): FdbRow => ({ mac, ifname: 'vx0', dst, ...(via ? { viaIf: via } : {}), flags: ['self'], state });
  const rows: FdbRow[] = [
    { mac: '02:00:00:00:00:b2', ifname: 'vx0', flags: [], master: 'br0', state: '' },
    { mac: '2a:63:e4:f9:0f:bf', ifname: 'vx0', flags: [], master: 'br0', state: 'permanent' },
    self('02:00:00:00:00:b2', '192.0.2.2', ''),
    self('52:54:00:12:34:56', '192.0.2.3', 'permanent'),
    self('00:00:00:00:00:00', '192.0.2.2', 'permanent'),
    self('00:00:00:00:00:00', '192.0.2.3', 'permanent'),
  ];

  it('bridge fdb show dev vx0, text and JSON, byte for byte', () => {
    expect(formatFdbShow(rows, { omitIfname: true })).toBe(readFileSync(join(REF, 'bridge-fdb-show-vxlan.txt'), 'utf8'));
    expect(formatFdbJson(rows, { omitIfname: true })).toBe(readFileSync(join(REF, 'bridge-j-fdb-show-vxlan.txt'), 'utf8'));
  });

  it('a group entry names its device with via', () => {
    expect(formatFdbShow([self('00:00:00:00:00:00', '239.1.1.43', 'permanent', 'eth0')], { omitIfname: true }))
      .toBe(readFileSync(join(REF, 'bridge-fdb-show-vxlan-group.txt'), 'utf8'));
  });
});
