// The VDE2 control messages: a client's port request parsed field by field, every malformed or
// truncated form refused with its reason, and the reply a client connects to.
import { describe, it, expect } from 'vitest';
import {
  parseVdeRequest, buildVdeRequest, sockaddrUn, VDE_REQUEST_MIN, VDE_REQUEST_MAX, SOCKADDR_UN_BYTES,
} from '../../src/ports/vde-protocol.js';

describe('VDE port requests', () => {
  it('a version 3 request gives the client socket, the port asked for and the description', () => {
    const b = buildVdeRequest('/run/sw/.01234-00000', 'vde_plug2tap: user=root pid=42', { port: 7 });
    expect(b.length).toBe(VDE_REQUEST_MIN + 30);
    expect(b.readUInt32LE(0)).toBe(0xfeedface);
    expect(b.readUInt32LE(8)).toBe(7 << 8);
    expect(parseVdeRequest(b)).toEqual({ ok: true, req: { port: 7, peerPath: '/run/sw/.01234-00000', description: 'vde_plug2tap: user=root pid=42' } });
  });

  it('the description may be empty, NUL-terminated early, or carry control characters', () => {
    expect(parseVdeRequest(buildVdeRequest('/a', ''))).toEqual({ ok: true, req: { port: 0, peerPath: '/a', description: '' } });
    const b = buildVdeRequest('/a', 'qemu\nnic\0trailing junk');
    expect(parseVdeRequest(b)).toEqual({ ok: true, req: { port: 0, peerPath: '/a', description: 'qemu nic' } });
  });

  it('a request for port 0 (REQ_NEW_PORT0, the management port) takes any port', () => {
    const b = buildVdeRequest('/a', 'x');
    b.writeUInt32LE(1, 8);
    expect(parseVdeRequest(b)).toMatchObject({ ok: true, req: { port: 0 } });
  });

  const good = () => buildVdeRequest('/run/sw/.1-0', 'x');
  it.each<[string, () => Buffer, RegExp]>([
    ['nothing', () => Buffer.alloc(0), /^truncated request \(0 bytes\)$/],
    ['a bad magic', () => buildVdeRequest('/a', 'x', { magic: 0xdeadbeef }), /^bad magic 0xdeadbeef/],
    ['the header only', () => good().subarray(0, 12), /^truncated request \(12 bytes; a version 3 request has at least 122\)$/],
    ['half a socket address', () => good().subarray(0, 60), /^truncated request \(60 bytes/],
    ['version 2', () => buildVdeRequest('/a', 'x', { version: 2 }), /^request version 2 \(only version 3/],
    ['a bad type', () => { const b = good(); b.writeUInt32LE(5, 8); return b; }, /^bad request type 5$/],
    ['a non-unix family', () => { const b = good(); b.writeUInt16LE(2, 12); return b; }, /family 2 is not AF_UNIX/],
    ['an unnamed socket', () => { const b = good(); b.fill(0, 14, 14 + 108); return b; }, /has no path/],
    ['a path without its NUL', () => { const b = good(); b.fill(0x41, 14, 14 + 108); return b; }, /not NUL-terminated/],
    ['a relative path', () => buildVdeRequest('rel/sock', 'x'), /'rel\/sock' is not absolute/],
  ])('refuses %s', (_what, make, why) => {
    const r = parseVdeRequest(make());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(why);
  });

  it('reads no more than a request holds (a description is at most 128 bytes)', () => {
    const b = Buffer.concat([buildVdeRequest('/a', 'd'.repeat(128)), Buffer.from('more')]);
    expect(VDE_REQUEST_MAX).toBe(VDE_REQUEST_MIN + 128);
    expect(parseVdeRequest(b)).toMatchObject({ ok: true, req: { description: 'd'.repeat(128) } });
  });
});

describe('VDE reply', () => {
  it('is a struct sockaddr_un: AF_UNIX, then the NUL-padded path', () => {
    const b = sockaddrUn('/run/sw/001.1');
    expect(b.length).toBe(SOCKADDR_UN_BYTES);
    expect(b.readUInt16LE(0)).toBe(1);
    expect(b.subarray(2, 2 + 13).toString()).toBe('/run/sw/001.1');
    expect(b.subarray(15).every((x) => x === 0)).toBe(true);
    expect(() => sockaddrUn(`/${'x'.repeat(107)}`)).toThrow(RangeError);
  });
});
