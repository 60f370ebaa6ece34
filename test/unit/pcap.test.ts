// The pcap writer: exact byte layout of the global and record headers, timestamps, snaplen, and a
// file that the real tcpdump reads back.
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  pcapGlobalHeader, pcapRecord, splitTimestamp, PcapWriter, encodePcap, readPcap, PCAP_SNAPLEN,
} from '../../src/capture/pcap.js';
import { buildEthernet } from '../../src/frame/ethernet.js';
import { parseMac } from '../../src/frame/mac.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** An ARP request 10.202.0.1 → who-has 10.202.0.2, broadcast. */
function arpRequest(): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0, 1, 8, 0, 6, 4, 0, 1]);
  p.set([2, 0, 0, 0, 0, 1, 10, 202, 0, 1], 8);
  p.set([0, 0, 0, 0, 0, 0, 10, 202, 0, 2], 18);
  return buildEthernet({ dst: 0xffffffffffff, src: parseMac('02:00:00:00:00:01'), etherType: 0x0806, payload: p });
}

/** An ICMP echo request 10.202.0.1 → 10.202.0.2, id 0x1234 seq 7, with a valid IP checksum. */
function icmpEcho(): Uint8Array {
  const ip = new Uint8Array(20 + 8 + 16);
  ip.set([0x45, 0, 0, ip.length, 0, 1, 0x40, 0, 64, 1, 0, 0, 10, 202, 0, 1, 10, 202, 0, 2]);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  ip[10] = ck >> 8; ip[11] = ck & 0xff;
  ip.set([8, 0, 0, 0, 0x12, 0x34, 0, 7], 20);
  return buildEthernet({ dst: parseMac('02:00:00:00:00:02'), src: parseMac('02:00:00:00:00:01'), etherType: 0x0800, payload: ip });
}

describe('pcap writer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softbr-pcap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('global header: magic a1b2c3d4 (little-endian), v2.4, zone 0, sigfigs 0, snaplen 262144, DLT_EN10MB', () => {
    expect(hex(pcapGlobalHeader())).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
    expect(PCAP_SNAPLEN).toBe(262144);
  });

  it('record header: seconds, microseconds, captured length, original length', () => {
    const f = new Uint8Array([1, 2, 3, 4, 5]);
    const r = pcapRecord(1_700_000_000_123.456, f, 60);
    // 1700000000 = 0x6553f100, 123456 µs = 0x0001e240
    expect(hex(r)).toBe('00f15365' + '40e20100' + '05000000' + '3c000000' + '0102030405');
  });

  it('timestamps split into seconds and microseconds, carrying on rounding', () => {
    expect(splitTimestamp(1500.25)).toEqual({ sec: 1, usec: 500250 });
    expect(splitTimestamp(1999.9999)).toEqual({ sec: 2, usec: 0 });
    expect(splitTimestamp(0)).toEqual({ sec: 0, usec: 0 });
  });

  it('cuts frames longer than the snaplen and keeps the original length', () => {
    const big = new Uint8Array(100).fill(7);
    const file = readPcap(encodePcap([{ tsMs: 5, data: big }], 64));
    expect(file.snaplen).toBe(64);
    expect(file.records[0]).toMatchObject({ inclLen: 64, origLen: 100, sec: 0, usec: 5000 });
    expect(file.records[0]!.data.length).toBe(64);
  });

  it('streams through a sink; an empty capture is a valid header-only file', () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapWriter((c) => chunks.push(c));
    w.begin();
    w.begin();
    expect(chunks.length).toBe(1);
    w.write(1000, arpRequest());
    expect(w.records).toBe(1);
    expect(w.bytes).toBe(24 + 16 + 42); // an unpadded 42-byte ARP frame
    expect(readPcap(encodePcap([])).records).toEqual([]);
  });

  it('reads its own files back in order, and rejects broken ones', () => {
    const frames = [arpRequest(), icmpEcho()];
    const file = readPcap(encodePcap(frames.map((data, i) => ({ tsMs: 1_700_000_000_000 + i * 1.5, data }))));
    expect(file).toMatchObject({ littleEndian: true, nanosecond: false, versionMajor: 2, versionMinor: 4, linkType: 1 });
    expect(file.records.map((r) => hex(r.data))).toEqual(frames.map(hex));
    expect(file.records[1]).toMatchObject({ sec: 1_700_000_000, usec: 1500 });
    expect(() => readPcap(new Uint8Array(10))).toThrow(/shorter than the 24-byte header/);
    expect(() => readPcap(new Uint8Array(24))).toThrow(/magic/);
    const cut = encodePcap([{ tsMs: 0, data: arpRequest() }]).subarray(0, 50);
    expect(() => readPcap(cut)).toThrow(/truncated record/);
  });

  it.skipIf(!existsSync('/usr/bin/tcpdump') && !existsSync('/usr/sbin/tcpdump'))('tcpdump -r reads a file written frame by frame', () => {
    const path = join(dir, 'two.pcap');
    const fd = openSync(path, 'w');
    const w = new PcapWriter((c) => { writeSync(fd, c); });
    w.write(1_700_000_000_000.5, arpRequest());
    w.write(1_700_000_001_250, icmpEcho());
    closeSync(fd);
    const out = execFileSync('tcpdump', ['-r', path, '-n', '-e', '-tt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/^1700000000\.000500 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP \(0x0806\), length 42: Request who-has 10\.202\.0\.2 tell 10\.202\.0\.1/);
    expect(lines[1]).toMatch(/^1700000001\.250000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 \(0x0800\), length 58: 10\.202\.0\.1 > 10\.202\.0\.2: ICMP echo request, id 4660, seq 7, length 24/);
    const f = readPcap(new Uint8Array(readFileSync(path)));
    expect(f.records[0]!.usec).toBe(500);
    writeFileSync(join(dir, 'empty.pcap'), encodePcap([]));
    expect(execFileSync('tcpdump', ['-r', join(dir, 'empty.pcap')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
  });
});
