// Fuzzing the VDE port-request parser (what any local process may send to softbr's VDE control
// socket): random bytes and valid requests with fields overwritten or cut short. It never throws,
// refuses with a reason, and what it accepts is a version-3 request naming an absolute, NUL-ended
// socket path, with a description free of control characters and within its 128 bytes.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseVdeRequest, buildVdeRequest, VDE_REQUEST_MIN, VDE_DESCRIPTION_MAX } from '../../src/ports/vde-protocol.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const pathArb = fc.stringMatching(/^\/[a-z0-9/._-]{0,90}$/);

const mutatedArb = fc.tuple(
  pathArb, fc.string({ maxLength: 200 }), fc.integer({ min: 0, max: 0xffffff }),
  fc.array(fc.tuple(fc.nat(VDE_REQUEST_MIN + VDE_DESCRIPTION_MAX + 10), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  fc.integer({ min: 0, max: VDE_REQUEST_MIN + VDE_DESCRIPTION_MAX + 40 }),
).map(([path, desc, port, edits, len]) => {
  const req = buildVdeRequest(path, desc, { port });
  const b = new Uint8Array(len);
  b.set(req.subarray(0, Math.min(len, req.length)));
  for (const [at, v] of edits) if (at < b.length) b[at] = v;
  return b;
});

function checkAccepted(b: Uint8Array): void {
  const r = parseVdeRequest(b);
  if (!r.ok) { expect(r.error.length).toBeGreaterThan(0); return; }
  expect(b.length).toBeGreaterThanOrEqual(VDE_REQUEST_MIN);
  expect(r.req.peerPath.startsWith('/')).toBe(true);
  expect(r.req.peerPath).not.toContain('\0');
  expect(Buffer.byteLength(r.req.peerPath)).toBeLessThan(108);
  expect(r.req.description).not.toMatch(/[\x00-\x1f\x7f]/);
  expect(Buffer.byteLength(r.req.description)).toBeLessThanOrEqual(VDE_DESCRIPTION_MAX * 3);
  expect(r.req.port).toBeGreaterThanOrEqual(0);
  expect(r.req.port).toBeLessThanOrEqual(0xffffff);
}

describe('fuzz: parseVdeRequest', () => {
  it('random bytes (at a random offset inside a larger buffer): a verdict, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(7), (bytes, pad) => {
      // the parser gets a view that does not start at its buffer's byte 0, as a socket read gives it
      const outer = new Uint8Array(bytes.length + pad);
      outer.set(bytes, pad);
      checkAccepted(outer.subarray(pad));
    }), { numRuns: RUNS });
  });

  it('valid requests with bytes overwritten or cut: refused with a reason or accepted whole', () => {
    fc.assert(fc.property(mutatedArb, (b) => checkAccepted(b)), { numRuns: RUNS });
  });

  it('untouched requests are accepted with the path and port they name', () => {
    fc.assert(fc.property(pathArb, fc.string({ maxLength: 60 }), fc.integer({ min: 1, max: 0xffffff }), (path, desc, port) => {
      const r = parseVdeRequest(buildVdeRequest(path, desc, { port }));
      expect(r).toMatchObject({ ok: true, req: { peerPath: path, port } });
    }), { numRuns: RUNS });
  });
});
