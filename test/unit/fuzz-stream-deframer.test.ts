// Fuzzing the stream deframer (QEMU stream netdev framing: 4-byte big-endian length + frame):
// valid streams cut at random chunk boundaries come out frame for frame; garbage and lying
// length prefixes never throw, never deliver a length outside 14..maxFrame, and stop the stream
// with a reason instead of resynchronising on garbage.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { StreamDeframer, STREAM_MIN_FRAME } from '../../src/ports/qemu-socket.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** Feeds chunks to a deframer; returns copies of what it delivered and whether it stopped. */
function run(chunks: Uint8Array[], maxFrame: number, batch: number): { frames: Uint8Array[]; ok: boolean; error: string } {
  const d = new StreamDeframer(batch, maxFrame);
  const frames: Uint8Array[] = [];
  d.sink = {
    receiveBatch(buf, offs, lens, count) {
      for (let i = 0; i < count; i++) {
        const o = offs[i]!;
        const l = lens[i]!;
        expect(o).toBeGreaterThanOrEqual(0);
        expect(o + l).toBeLessThanOrEqual(buf.length);
        frames.push(buf.slice(o, o + l));
      }
    },
  };
  for (const c of chunks) if (!d.push(c)) return { frames, ok: false, error: d.error };
  return { frames, ok: true, error: '' };
}

/** Cuts bytes at the given points (sorted, deduplicated) into chunks. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of at) { out.push(bytes.subarray(prev, p)); prev = p; }
  out.push(bytes.subarray(prev));
  return out;
}

function encode(frames: Uint8Array[]): Uint8Array {
  const total = frames.reduce((n, f) => n + 4 + f.length, 0);
  const b = new Uint8Array(total);
  let o = 0;
  for (const f of frames) {
    new DataView(b.buffer).setUint32(o, f.length);
    b.set(f, o + 4);
    o += 4 + f.length;
  }
  return b;
}

/** The reference reading of a whole stream: frames until the first bad length or the end. */
function reference(b: Uint8Array, maxFrame: number): { frames: Uint8Array[]; bad: boolean } {
  const frames: Uint8Array[] = [];
  let o = 0;
  while (b.length - o >= 4) {
    const len = new DataView(b.buffer, b.byteOffset).getUint32(o);
    if (len < STREAM_MIN_FRAME || len > maxFrame) return { frames, bad: true };
    if (b.length - o - 4 < len) break;
    frames.push(b.slice(o + 4, o + 4 + len));
    o += 4 + len;
  }
  return { frames, bad: false };
}

const maxFrameArb = fc.constantFrom(1518, 9018, 65535);
const batchArb = fc.constantFrom(1, 2, 7, 256);

describe('fuzz: StreamDeframer', () => {
  it('valid streams cut anywhere: the same frames, in order, whatever the chunking', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ minLength: 14, maxLength: 1518 }), { maxLength: 12 }),
      fc.array(fc.nat(30_000), { maxLength: 12 }), batchArb,
      (frames, points, batch) => {
        const r = run(cut(encode(frames), points), 1518, batch);
        expect(r.ok).toBe(true);
        expect(r.frames).toEqual(frames);
      }), { numRuns: RUNS });
  });

  it('garbage and lying length prefixes: exactly the reference frames, then a stop with a reason', () => {
    // a valid prefix, then anything (often a length prefix just outside the limits)
    const tail = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom(0, 13, 1519, 9019, 65536, 0xffffffff).map((l) => { const b = new Uint8Array(8); new DataView(b.buffer).setUint32(0, l); return b; }),
    );
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ minLength: 14, maxLength: 300 }), { maxLength: 5 }), tail,
      fc.array(fc.nat(4000), { maxLength: 10 }), maxFrameArb, batchArb,
      (frames, garbage, points, maxFrame, batch) => {
        const head = encode(frames);
        const stream = new Uint8Array(head.length + garbage.length);
        stream.set(head);
        stream.set(garbage, head.length);
        const want = reference(stream, maxFrame);
        const r = run(cut(stream, points), maxFrame, batch);
        expect(r.frames).toEqual(want.frames);
        expect(r.ok).toBe(!want.bad);
        if (!r.ok) expect(r.error).toMatch(/frame length \d+ outside 14\.\.\d+/);
        for (const f of r.frames) {
          expect(f.length).toBeGreaterThanOrEqual(STREAM_MIN_FRAME);
          expect(f.length).toBeLessThanOrEqual(maxFrame);
        }
      }), { numRuns: RUNS });
  });
});
