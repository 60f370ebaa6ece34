// The addon's segmentation against offsets a peer chose (found by test/fuzz/gso_fuzz.cc): a
// virtio-net header whose csum_start points inside the IP header made every segment's IPv4
// fields land past the segment's end. Such a super-frame is now refused; the same frame with
// its real L4 offset is still cut.
import { describe, it, expect } from 'vitest';
import { native } from '../../src/native/binding.js';

function vnet(csumStart: number): Uint8Array {
  const h = Buffer.alloc(10);
  h[0] = 1; // NEEDS_CSUM
  h[1] = 1; // GSO TCPV4
  h.writeUInt16LE(54, 2);
  h.writeUInt16LE(8, 4); // gso_size
  h.writeUInt16LE(csumStart, 6);
  h.writeUInt16LE(16, 8);
  return h;
}

function superFrame(): Uint8Array {
  const f = Buffer.alloc(14 + 20 + 20 + 64);
  f.fill(2, 0, 12);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f[16] = 0x50; // IPv4 total length's high byte: read as a TCP data offset from csum_start 4 → 20-byte "TCP header"
  f[23] = 6;
  f[46] = 0x50; // the real TCP header's data offset
  return f;
}

describe('GSO segmentation with peer-chosen offsets', () => {
  const out = new Uint8Array(65536);
  const offs = new Int32Array(64);
  const lens = new Int32Array(64);
  const seg = (h: Uint8Array) => native().segmentSuper(superFrame(), 0, 118, h, 0, out, offs, lens) as number;

  it('refuses a csum_start inside the IP header', () => {
    expect(seg(vnet(4))).toBe(0);
    expect(seg(vnet(20))).toBe(0);
  });

  it('still cuts the frame when csum_start is where TCP starts', () => {
    expect(seg(vnet(34))).toBe(8);
    for (let k = 0; k < 8; k++) expect(lens[k]).toBe(54 + 8);
  });
});
