// Socket ports for QEMU guests, with plain Node sockets standing in for QEMU: the stream
// deframer (partial chunks, several frames per chunk, bad lengths), StreamPort over a unix socket
// and TCP (guest connect/disconnect as link up/down, one guest per port, protocol errors, clean
// failures), DgramPort round trips on 127.0.0.1, the port spec syntax, and a bridge forwarding
// between a socket guest and a memory port.
import { describe, expect, it, afterEach } from 'vitest';
import net from 'node:net';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamDeframer, StreamPort, DgramPort } from '../../src/ports/qemu-socket.js';
import { MemoryPort } from '../../src/ports/memory.js';
import type { RxSink } from '../../src/bridge/port-io.js';
import { portSpec, openPort } from '../../src/control/port-kinds/index.js';
import { UserError } from '../../src/control/protocol.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { SystemClock } from '../../src/bridge/clock.js';
import { PORT_DISABLED } from '../../src/stp/port-state.js';

/** A frame of `len` bytes from 02:00:00:00:00:<src> whose bytes 14.. carry `tag`. */
function frame(tag: number, len = 60, src = 1, dst = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set([0x02, 0, 0, 0, 0, src], 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  for (let i = 14; i < len; i++) f[i] = (tag + i) & 0xff;
  return f;
}

/** 4-byte big-endian length + frame, for each frame. */
function framed(frames: Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of frames) {
    const h = Buffer.alloc(4);
    h.writeUInt32BE(f.length);
    parts.push(h, Buffer.from(f));
  }
  return Buffer.concat(parts);
}

class Recorder implements RxSink {
  frames: Uint8Array[] = [];
  batches: number[] = [];
  /** The buffer each batch came in. */
  bufs: Uint8Array[] = [];
  events: string[] = [];
  receiveBatch(buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number): void {
    this.batches.push(count);
    this.bufs.push(buf);
    for (let i = 0; i < count; i++) this.frames.push(new Uint8Array(buf.subarray(offs[i]!, offs[i]! + lens[i]!)));
  }
  linkDown(reason: string): void {
    this.events.push(`down:${reason}`);
  }
  linkUp(): void {
    this.events.push('up');
  }
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// ------------------------------------------------------------------ deframer

describe('StreamDeframer', () => {
  function make(batch = 256) {
    const d = new StreamDeframer(batch);
    const r = new Recorder();
    d.sink = r;
    return { d, r };
  }

  it('delivers several frames of one chunk as one batch, in place', () => {
    const { d, r } = make();
    const fs = [frame(1, 60), frame(2, 1514), frame(3, 14)];
    const chunk = framed(fs);
    expect(d.push(chunk)).toBe(true);
    expect(r.batches).toEqual([3]);
    expect(r.bufs[0]).toBe(chunk); // no copy
    expect(r.frames).toEqual(fs);
    expect(d.frames).toBe(3);
    expect(d.pendingBytes).toBe(0);
  });

  it('reassembles frames fed one byte at a time', () => {
    const { d, r } = make();
    const fs = [frame(1, 60), frame(2, 300), frame(3, 64)];
    const all = framed(fs);
    for (let i = 0; i < all.length; i++) expect(d.push(all.subarray(i, i + 1))).toBe(true);
    expect(r.frames).toEqual(fs);
    expect(d.pendingBytes).toBe(0);
  });

  it('gives the same frames for any way of cutting the stream into chunks', () => {
    const fs: Uint8Array[] = [];
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 200; i++) fs.push(frame(i, 14 + rnd(1600)));
    const all = framed(fs);
    for (let trial = 0; trial < 30; trial++) {
      const { d, r } = make(16);
      let pos = 0;
      let ok = true;
      while (pos < all.length) {
        const n = 1 + rnd(trial % 3 === 0 ? 8 : 5000);
        ok = d.push(all.subarray(pos, pos + n)) && ok;
        pos += n;
      }
      expect(ok).toBe(true);
      expect(r.frames.length).toBe(fs.length);
      const bad = fs.findIndex((f, i) => !Buffer.from(f).equals(r.frames[i]!));
      expect(bad, `trial ${trial}: first differing frame`).toBe(-1);
      for (const b of r.batches) expect(b).toBeLessThanOrEqual(16);
    }
  });

  it('holds a header split across chunks, then takes a body that is whole in the next chunk in place', () => {
    const { d, r } = make();
    const all = framed([frame(1, 100), frame(2, 100)]);
    expect(d.push(all.subarray(0, 2))).toBe(true);
    expect(d.pendingBytes).toBe(2);
    const rest = all.subarray(2);
    expect(d.push(rest)).toBe(true);
    expect(r.batches).toEqual([2]);
    expect(r.bufs[0]).toBe(rest);
    expect(r.frames).toEqual([frame(1, 100), frame(2, 100)]);
  });

  it('splits a chunk with more frames than a batch holds into several batches', () => {
    const { d, r } = make(2);
    const fs = [1, 2, 3, 4, 5].map((t) => frame(t));
    d.push(framed(fs));
    expect(r.batches).toEqual([2, 2, 1]);
    expect(r.frames).toEqual(fs);
  });

  it.each([
    ['13', 13],
    ['0', 0],
    ['65536', 65536],
    ['0xffffffff', 0xffffffff],
  ])('treats a length of %s as a protocol error after delivering the frames before it', (_t, bad) => {
    const { d, r } = make();
    const h = Buffer.alloc(4);
    h.writeUInt32BE(bad);
    const chunk = Buffer.concat([framed([frame(1), frame(2)]), h, Buffer.alloc(20)]);
    expect(d.push(chunk)).toBe(false);
    expect(d.error).toBe(`frame length ${bad} outside 14..65535`);
    expect(r.frames).toEqual([frame(1), frame(2)]);
  });

  it('finds a bad length whose header was split across chunks', () => {
    const { d } = make();
    expect(d.push(Buffer.from([0x00, 0x01]))).toBe(true);
    expect(d.push(Buffer.from([0x00, 0x00, 0xaa]))).toBe(false);
    expect(d.error).toContain('65536');
  });

  it('accepts the largest frame, 65535 bytes, across chunks', () => {
    const { d, r } = make();
    const big = frame(9, 65535);
    const all = framed([big]);
    d.push(all.subarray(0, 30000));
    d.push(all.subarray(30000));
    expect(r.frames).toEqual([big]);
  });

  it('works with batches of one frame, also when a header was split', () => {
    const { d, r } = make(1);
    const fs = [frame(1), frame(2), frame(3)];
    const all = framed(fs);
    d.push(all.subarray(0, 66));
    d.push(all.subarray(66));
    expect(r.batches).toEqual([1, 1, 1]);
    expect(r.frames).toEqual(fs);
  });

  it('reset() drops a partial record', () => {
    const { d, r } = make();
    d.push(framed([frame(1)]).subarray(0, 30));
    d.reset();
    expect(d.pendingBytes).toBe(0);
    d.push(framed([frame(2)]));
    expect(r.frames).toEqual([frame(2)]);
  });
});

// ------------------------------------------------------------------ stream port

describe('StreamPort (unix socket)', () => {
  let dir = '';
  const open: { close(): void }[] = [];
  const clients: net.Socket[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
    for (const p of open.splice(0)) p.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  async function setup(opts: { log?: (m: string) => void } = {}) {
    dir = mkdtempSync(join(tmpdir(), 'sbq-unit-'));
    const path = join(dir, 'vm1.sock');
    const port = await StreamPort.open({ name: 'vm1', path, log: opts.log });
    open.push(port);
    const r = new Recorder();
    port.start(r);
    return { path, port, r };
  }

  function connect(path: string): Promise<{ sock: net.Socket; got: () => Buffer; closed: () => boolean }> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ path });
      clients.push(sock);
      const chunks: Buffer[] = [];
      let closed = false;
      sock.on('data', (d) => chunks.push(d));
      sock.on('close', () => { closed = true; });
      sock.once('error', reject);
      sock.once('connect', () => resolve({ sock, got: () => Buffer.concat(chunks), closed: () => closed }));
    });
  }

  it('listens with mode 0660, is down until a guest connects, and removes its socket on close', async () => {
    const { path, port, r } = await setup();
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o660);
    expect(port.kind).toBe('stream');
    expect(port.speedMbps).toBe(10000);
    expect(port.mtu).toBe(1500);
    // a locally administered unicast MAC of its own
    expect(Math.floor(port.mac / 2 ** 40) & 0x03).toBe(0x02);
    expect(r.events).toEqual([`down:no guest connected to ${path}`]);
    expect(port.connected).toBe(false);
    port.close();
    expect(existsSync(path)).toBe(false);
  });

  it('carries frames both ways with 4-byte length framing; disconnect is link down, reconnect link up', async () => {
    const logs: string[] = [];
    const { path, port, r } = await setup({ log: (m) => logs.push(m) });
    const g = await connect(path);
    await until(() => r.events.includes('up'), 'link up');
    expect(port.connected).toBe(true);
    // several frames in one write, then one frame in three pieces
    const fs = [frame(1), frame(2, 1514), frame(3, 64)];
    g.sock.write(framed(fs));
    const split = framed([frame(4, 200)]);
    g.sock.write(split.subarray(0, 3));
    await new Promise((res) => setTimeout(res, 20));
    g.sock.write(split.subarray(3, 100));
    await new Promise((res) => setTimeout(res, 20));
    g.sock.write(split.subarray(100));
    await until(() => r.frames.length === 4, '4 frames');
    expect(r.frames).toEqual([...fs, frame(4, 200)]);
    expect(port.rxFrames).toBe(4);

    // the bridge side: sends queue until flush, then go out in one write
    const out = [frame(10, 60, 9), frame(11, 1514, 9)];
    const src = new Uint8Array(2000);
    src.set(out[0]!, 100);
    expect(port.send(src, 100, 60)).toBe(true);
    src.set(out[1]!, 300);
    expect(port.send(src, 300, 1514)).toBe(true);
    await new Promise((res) => setTimeout(res, 20));
    expect(g.got().length).toBe(0);
    port.flush();
    await until(() => g.got().length === framed(out).length, 'framed frames at the guest');
    expect(g.got()).toEqual(framed(out));
    expect(port.txFrames).toBe(2);

    g.sock.end();
    await until(() => r.events.length === 3, 'link down');
    expect(r.events.slice(1)).toEqual(['up', 'down:guest disconnected']);
    expect(port.connected).toBe(false);
    expect(port.send(src, 100, 60)).toBe(false);
    expect(port.txDropped).toBe(1);

    const g2 = await connect(path);
    await until(() => r.events.length === 4, 'link up again');
    expect(r.events[3]).toBe('up');
    g2.sock.write(framed([frame(5)]));
    await until(() => r.frames.length === 5, 'frame from the second guest');
    expect(port.connections).toBe(2);
    expect(logs.some((l) => l.includes('guest connected'))).toBe(true);
  });

  it('refuses a second guest while one is connected', async () => {
    const { path, port, r } = await setup();
    const g1 = await connect(path);
    await until(() => r.events.includes('up'), 'link up');
    const g2 = await connect(path);
    await until(() => g2.closed(), 'second connection closed');
    expect(port.refused).toBe(1);
    expect(g1.closed()).toBe(false);
    g1.sock.write(framed([frame(1)]));
    await until(() => r.frames.length === 1, 'frame from the first guest');
    expect(r.events).toEqual([`down:no guest connected to ${path}`, 'up']);
  });

  it('drops a guest that sends a bad length and counts it', async () => {
    const { path, port, r } = await setup();
    const g = await connect(path);
    await until(() => r.events.includes('up'), 'link up');
    g.sock.write(Buffer.concat([framed([frame(1)]), Buffer.from([0, 0, 0, 5]), Buffer.alloc(5)]));
    await until(() => g.closed(), 'connection dropped');
    expect(r.frames).toEqual([frame(1)]);
    expect(port.protocolErrors).toBe(1);
    expect(r.events.at(-1)).toBe('down:protocol error: frame length 5 outside 14..1522');
    // the next guest starts clean
    const g2 = await connect(path);
    await until(() => r.events.at(-1) === 'up', 'link up again');
    g2.sock.write(framed([frame(2)]));
    await until(() => r.frames.length === 2, 'frame after reconnect');
    expect(r.frames[1]).toEqual(frame(2));
  });

  it('keeps sending correctly when the guest reads slowly (buffers in flight are not reused)', async () => {
    const { path, port, r } = await setup();
    const g = await connect(path);
    await until(() => r.events.includes('up'), 'link up');
    g.sock.pause();
    const frames: Uint8Array[] = [];
    const src = new Uint8Array(1514);
    // far more than the socket buffers hold, in many flushes, each frame different
    for (let i = 0; i < 400; i++) {
      const f = frame(i, 1514, 9);
      f[20] = i & 0xff;
      f[21] = i >> 8;
      frames.push(f);
      src.set(f);
      expect(port.send(src, 0, 1514)).toBe(true);
      // overwrite the source as the engine would reuse its rx buffer
      src.fill(0xee);
      if (i % 8 === 7) port.flush();
    }
    port.flush();
    g.sock.resume();
    const want = framed(frames);
    await until(() => g.got().length >= want.length, 'all frames at the guest', 5000);
    expect(g.got().equals(want)).toBe(true);
    expect(port.txDropped).toBe(0);
    expect(port.deferredWrites).toBeGreaterThan(0); // the case this test is about did happen
  });

  it('drops sends while a guest does not read, and sends again once it does', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sbq-unit-'));
    const path = join(dir, 'slow.sock');
    const port = await StreamPort.open({ name: 'slow', path, maxQueuedBytes: 64 * 1024 });
    open.push(port);
    const r = new Recorder();
    port.start(r);
    const g = await connect(path);
    await until(() => r.events.includes('up'), 'link up');
    g.sock.pause();
    const f = frame(1, 1514, 9);
    let sent = 0;
    for (let i = 0; i < 2000 && port.txDropped === 0; i++) {
      if (port.send(f, 0, 1514)) sent++;
      port.flush();
    }
    expect(port.txDropped).toBeGreaterThan(0);
    g.sock.resume();
    await until(() => g.got().length === sent * 1518, 'everything queued reaches the guest', 5000);
    // drained: sending works again
    expect(port.send(f, 0, 1514)).toBe(true);
    port.flush();
    await until(() => g.got().length === (sent + 1) * 1518, 'the frame after the drain');
  });

  it('close() drops the guest and reports nothing more to the sink', async () => {
    const { path, port, r } = await setup();
    const g = await connect(path);
    await until(() => r.events.includes('up'), 'link up');
    port.close();
    await until(() => g.closed(), 'guest sees the close');
    await new Promise((res) => setTimeout(res, 20));
    expect(r.events).toEqual([`down:no guest connected to ${path}`, 'up']);
    expect(existsSync(path)).toBe(false);
    expect(port.send(frame(1), 0, 60)).toBe(false);
  });

  it('replaces a stale socket file, and fails cleanly on a live one, a plain file or a missing directory', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sbq-unit-'));
    // stale: a socket file nobody listens on
    const stale = join(dir, 'stale.sock');
    // a process that dies without closing its listener leaves the socket file behind
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' });
    expect(statSync(stale).isSocket()).toBe(true);
    const p1 = await StreamPort.open({ name: 'stale', path: stale });
    open.push(p1);
    expect(statSync(stale).isSocket()).toBe(true);

    const r1 = new Recorder();
    p1.start(r1);
    // ours already: refused without connecting to it (which p1 would take for a guest)
    await expect(StreamPort.open({ name: 'again', path: stale.replace('/stale', '//stale') })).rejects.toMatchObject({ code: 'EADDRINUSE', message: `${stale.replace('/stale', '//stale')} is the socket of port stale already` });
    expect(statSync(stale).isSocket()).toBe(true); // still p1's
    await new Promise((res) => setTimeout(res, 20));
    expect(r1.events).toEqual([`down:no guest connected to ${stale}`]);
    expect(p1.connections).toBe(0);
    // another process's listener (here a plain server) is found by connecting
    const foreign = join(dir, 'foreign.sock');
    const other = net.createServer((c) => c.destroy());
    await new Promise<void>((res) => other.listen(foreign, () => res()));
    try {
      await expect(StreamPort.open({ name: 'foreign', path: foreign })).rejects.toMatchObject({ code: 'EADDRINUSE', message: `another process listens on ${foreign}` });
      expect(statSync(foreign).isSocket()).toBe(true);
    } finally {
      await new Promise<void>((res) => other.close(() => res()));
    }

    const plain = join(dir, 'plain');
    writeFileSync(plain, 'keep me');
    await expect(StreamPort.open({ name: 'plain', path: plain })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(plain, 'utf8')).toBe('keep me');

    await expect(StreamPort.open({ name: 'nodir', path: join(dir, 'no/such/dir.sock') })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('StreamPort (client mode: the guest listens)', () => {
  let dir = '';
  const open: { close(): void }[] = [];
  afterEach(() => {
    for (const p of open.splice(0)) p.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  /** A stand-in for QEMU's `-netdev stream,server=on`: listens, records what it gets, one guest connection at a time. */
  function guest(path: string) {
    const conns: net.Socket[] = [];
    const got: Buffer[] = [];
    const server = net.createServer((c) => {
      conns.push(c);
      c.on('data', (d) => got.push(d));
      c.on('error', () => {});
    });
    open.push({ close: () => { for (const c of conns) c.destroy(); server.close(); } });
    return {
      conns, got: () => Buffer.concat(got),
      listen: () => new Promise<void>((res) => server.listen(path, res)),
      stop: () => new Promise<void>((res) => { for (const c of conns) c.destroy(); server.close(() => res()); }),
    };
  }

  it('is down until the guest listens, connects to it, and reconnects after the guest restarts', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sbq-unit-'));
    const path = join(dir, 'vm.sock');
    const log: string[] = [];
    const port = await StreamPort.open({ name: 'vm', path, connect: true, reconnectMinMs: 20, reconnectMaxMs: 80, log: (m) => log.push(m) });
    open.push(port);
    const r = new Recorder();
    port.start(r);
    expect(port.client).toBe(true);
    expect(r.events).toEqual([`down:not connected to the guest at ${path}`]);
    await until(() => port.connectFailures >= 2, 'retries while nothing listens');
    expect(log.filter((m) => m.includes('cannot connect'))).toEqual([`vm: cannot connect to the guest at ${path} (ENOENT); retrying`]);

    let g = guest(path);
    await g.listen();
    await until(() => r.events.at(-1) === 'up', 'connected');
    // a frame cut off when the guest dies is never delivered
    g.conns[0]!.write(Buffer.concat([framed([frame(1)]), framed([frame(2)]).subarray(0, 40)]));
    await until(() => r.frames.length === 1, 'the whole frame');
    await g.stop();
    await until(() => r.events.at(-1) === 'down:guest disconnected', 'down when the guest goes');
    expect(port.send(frame(3), 0, frame(3).length)).toBe(false);

    g = guest(path);
    await g.listen();
    await until(() => r.events.at(-1) === 'up', 'reconnected');
    g.conns[0]!.write(framed([frame(4)]));
    await until(() => r.frames.length === 2, 'a frame after the restart');
    expect(r.frames).toEqual([frame(1), frame(4)]);
    expect(port.send(frame(5), 0, frame(5).length)).toBe(true);
    port.flush();
    await until(() => g.got().length === 4 + frame(5).length, 'our frame at the guest');

    // a length over MTU + 22 ends the connection, with the reason in the log; then softbr reconnects
    g.conns[0]!.write(Buffer.from([0, 0, 0x23, 0x28]));
    await until(() => r.events.some((e) => e === 'down:protocol error: frame length 9000 outside 14..1522'), 'protocol error');
    expect(log).toContain('vm: protocol error (frame length 9000 outside 14..1522): dropping the connection');
    await until(() => r.events.at(-1) === 'up' && g.conns.length === 2, 'reconnected after the protocol error');
    expect(port.protocolErrors).toBe(1);
    port.close();
    expect(existsSync(path)).toBe(true); // the guest's socket, not ours to remove
  });
});

describe('StreamPort (TCP, as -netdev socket,connect= or stream addr.type=inet)', () => {
  it('listens on 127.0.0.1 and carries frames', async () => {
    const port = await StreamPort.open({ name: 'tcp', port: 0 });
    const r = new Recorder();
    port.start(r);
    const m = /^127\.0\.0\.1:(\d+)$/.exec(port.address);
    expect(m).not.toBeNull();
    const sock = net.connect({ host: '127.0.0.1', port: Number(m![1]) });
    const got: Buffer[] = [];
    sock.on('data', (d) => got.push(d));
    try {
      await until(() => r.events.includes('up'), 'link up');
      sock.write(framed([frame(1), frame(2)]));
      await until(() => r.frames.length === 2, 'frames');
      port.send(frame(3, 60, 9), 0, 60);
      port.flush();
      await until(() => Buffer.concat(got).length === 64, 'reply');
      expect(Buffer.concat(got)).toEqual(framed([frame(3, 60, 9)]));
      await expect(StreamPort.open({ name: 'tcp2', port: Number(m![1]) })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      sock.destroy();
      port.close();
    }
  });
});

// ------------------------------------------------------------------ dgram port

describe('DgramPort', () => {
  async function peer(): Promise<{ sock: dgram.Socket; port: number; got: Buffer[] }> {
    const sock = dgram.createSocket('udp4');
    const got: Buffer[] = [];
    sock.on('message', (m) => got.push(m));
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    return { sock, port: sock.address().port, got };
  }

  it('round-trips frames one per datagram on 127.0.0.1 and batches what arrives together', async () => {
    const q = await peer();
    const port = await DgramPort.open({ name: 'dg', localPort: 0, remotePort: q.port });
    const r = new Recorder();
    port.start(r);
    try {
      expect(port.kind).toBe('dgram');
      expect(port.address).toBe(`127.0.0.1:${port.localPort} -> 127.0.0.1:${q.port}`);
      const fs = [frame(1), frame(2, 1514), frame(3, 100), frame(4), frame(5)];
      for (const f of fs) q.sock.send(f, port.localPort, '127.0.0.1');
      await until(() => r.frames.length === 5, '5 frames');
      expect(r.frames).toEqual(fs);
      expect(r.batches.length).toBeLessThanOrEqual(5);
      expect(port.rxFrames).toBe(5);

      const src = new Uint8Array(4000);
      src.set(frame(7, 60, 9), 0);
      src.set(frame(8, 1514, 9), 100);
      expect(port.send(src, 0, 60)).toBe(true);
      expect(port.send(src, 100, 1514)).toBe(true);
      src.fill(0); // the engine reuses its buffer: the port must have copied
      await new Promise((res) => setTimeout(res, 20));
      expect(q.got.length).toBe(0);
      port.flush();
      await until(() => q.got.length === 2, 'two datagrams at the peer');
      expect(new Uint8Array(q.got[0]!)).toEqual(frame(7, 60, 9));
      expect(new Uint8Array(q.got[1]!)).toEqual(frame(8, 1514, 9));
      expect(port.txFrames).toBe(2);
    } finally {
      port.close();
      q.sock.close();
    }
  });

  it('accepts datagrams only from the configured peer', async () => {
    const q = await peer();
    const other = await peer();
    const port = await DgramPort.open({ name: 'dg', localPort: 0, remotePort: q.port });
    const r = new Recorder();
    port.start(r);
    try {
      other.sock.send(frame(1), port.localPort, '127.0.0.1');
      q.sock.send(frame(2), port.localPort, '127.0.0.1');
      await until(() => r.frames.length >= 1, 'frame from the peer');
      await new Promise((res) => setTimeout(res, 50));
      expect(r.frames).toEqual([frame(2)]);
    } finally {
      port.close();
      q.sock.close();
      other.sock.close();
    }
  });

  it('stays up and keeps working while nothing listens on the remote port', async () => {
    const q = await peer();
    const remote = q.port;
    q.sock.close(); // now nothing listens there: the kernel answers with port unreachable
    const logs: string[] = [];
    const port = await DgramPort.open({ name: 'dg', localPort: 0, remotePort: remote, log: (m) => logs.push(m) });
    const r = new Recorder();
    port.start(r);
    try {
      for (let i = 0; i < 3; i++) {
        port.send(frame(i), 0, 60);
        port.flush();
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(r.events).toEqual([]);
      // a peer that comes up on that port is heard and answered
      const q2 = dgram.createSocket('udp4');
      const got: Buffer[] = [];
      q2.on('message', (m) => got.push(m));
      await new Promise<void>((res) => q2.bind(remote, '127.0.0.1', () => res()));
      try {
        q2.send(frame(5), port.localPort, '127.0.0.1');
        await until(() => r.frames.length === 1, 'frame from the new peer');
        port.send(frame(6, 60, 9), 0, 60);
        port.flush();
        await until(() => got.length === 1, 'reply');
      } finally {
        q2.close();
      }
      if (port.errors > 0) expect(logs.join('\n')).toContain('ECONNREFUSED');
    } finally {
      port.close();
    }
  });

  it('fails cleanly when the local port is taken', async () => {
    const q = await peer();
    try {
      await expect(DgramPort.open({ name: 'dg', localPort: q.port, remotePort: 9 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      q.sock.close();
    }
  });
});

// ------------------------------------------------------------------ specs and opening

describe('port specs', () => {
  it('keeps tap:NAME and interface names', () => {
    expect(portSpec('tap:tap0')).toEqual({ kind: 'tap', name: 'tap0' });
    expect(portSpec('vnet0')).toEqual({ kind: 'dev', name: 'vnet0' });
  });

  it('parses stream unix sockets, naming the port after the file or as told', () => {
    expect(portSpec('stream:/run/softbr/vm1.sock')).toEqual({ kind: 'stream', name: 'vm1', path: '/run/softbr/vm1.sock' });
    expect(portSpec('stream:/tmp/guest')).toEqual({ kind: 'stream', name: 'guest', path: '/tmp/guest' });
    expect(portSpec('stream:web1=/var/lib/vms/a very long file name.sock')).toEqual({ kind: 'stream', name: 'web1', path: '/var/lib/vms/a very long file name.sock' });
    // an '=' after a '/' is part of the path
    expect(portSpec('stream:/tmp/a=b/vm2.sock')).toEqual({ kind: 'stream', name: 'vm2', path: '/tmp/a=b/vm2.sock' });
  });

  it('parses stream over TCP and dgram', () => {
    expect(portSpec('stream:tcp:5555')).toEqual({ kind: 'stream', name: 'stream5555', host: '127.0.0.1', port: 5555 });
    expect(portSpec('stream:vm2=tcp:0.0.0.0:5555')).toEqual({ kind: 'stream', name: 'vm2', host: '0.0.0.0', port: 5555 });
    expect(portSpec('dgram:5555@5556')).toEqual({ kind: 'dgram', name: 'dgram5555', host: '127.0.0.1', port: 5555, remoteHost: '127.0.0.1', remotePort: 5556 });
    expect(portSpec('dgram:vm3=10.0.0.1:5555@10.0.0.2:6000')).toEqual({ kind: 'dgram', name: 'vm3', host: '10.0.0.1', port: 5555, remoteHost: '10.0.0.2', remotePort: 6000 });
    expect(portSpec('dgram:[::1]:5555@[::1]:5556')).toMatchObject({ host: '::1', remoteHost: '::1' });
  });

  it.each([
    ['stream:vm1.sock', /absolute socket path/],
    ['stream:', /absolute socket path/],
    ['stream:/tmp/', /not a socket file path/],
    ['stream:/tmp/a-name-that-is-far-too-long.sock', /cannot name the port after 'a-name-that-is-far-too-long.sock'.*stream:NAME=\/tmp\/a-name-that-is-far-too-long.sock/],
    ['stream:bad name=/tmp/x.sock', /port name 'bad name'/],
    [`stream:/${'x'.repeat(120)}`, /at most 107/],
    ['stream:tcp:70000', /listen port '70000' is not a port number/],
    ['stream:tcp:localhost:5555', /host 'localhost' is not an IP address/],
    ['dgram:5555', /dgram:\[NAME=\]\[HOST:\]PORT@\[HOST:\]PORT/],
    ['dgram:5555@x', /remote port 'x'/],
    ['dgram:0@5556', /local port '0'/],
    ['dgram:[::1]:5555@127.0.0.1:5556', /must both be IPv4 or both IPv6/],
    ['what/ever', /expected tap:NAME\[,mtu=N\], an interface name, stream:.*dgram:/],
  ])('rejects %s, naming the bad part', (spec, msg) => {
    let err: unknown;
    try {
      portSpec(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).toContain(`'${spec}'`);
  });

  it('openPort opens a stream port, and explains a port that cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbq-unit-'));
    try {
      const p = await openPort({ ...portSpec(`stream:${dir}/vmx.sock`) }, () => {});
      expect(p.name).toBe('vmx');
      expect(p.kind).toBe('stream');
      await expect(openPort({ ...portSpec(`stream:${dir}/vmx.sock`) }, () => {})).rejects.toThrow(/cannot open stream socket .*vmx.sock: .*vmx.sock is the socket of port vmx already \(address in use\)$/);
      p.close();
      expect(existsSync(join(dir, 'vmx.sock'))).toBe(false);
      await expect(openPort({ ...portSpec(`stream:${dir}/nodir/vm.sock`) }, () => {})).rejects.toThrow(UserError);
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((res) => udp.bind(0, '127.0.0.1', () => res()));
      const used = udp.address().port;
      try {
        await expect(openPort({ ...portSpec(`dgram:${used}@9`) }, () => {})).rejects.toThrow(new RegExp(`cannot open UDP socket 127.0.0.1:${used}: .*address in use`));
      } finally {
        udp.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------ in a bridge

describe('a bridge with a stream guest and a memory port', () => {
  it('floods the guest broadcast to the memory port, learns the guest MAC and answers it by unicast', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbq-unit-'));
    const br = new Bridge({ name: 'sbqbr', clock: new SystemClock() });
    const mem = new MemoryPort({ name: 'm1' });
    try {
      const path = join(dir, 'g.sock');
      const sp = await StreamPort.open({ name: 'g', path });
      const guestPort = br.addPort(sp);
      br.addPort(mem);
      expect(guestPort.up).toBe(false);
      const sock = net.connect({ path });
      const got: Buffer[] = [];
      sock.on('data', (d) => got.push(d));
      await until(() => guestPort.up, 'guest port up');
      sock.write(framed([frame(1, 60, 0x42)]));
      await until(() => mem.sent.length === 1, 'flooded frame');
      expect(mem.takeSent()[0]).toEqual(frame(1, 60, 0x42));
      // the memory host answers the guest: a unicast to 02:00:00:00:00:42
      mem.inject(frame(2, 60, 0x43, [0x02, 0, 0, 0, 0, 0x42]));
      await until(() => Buffer.concat(got).length === 64, 'reply at the guest');
      expect(Buffer.concat(got)).toEqual(framed([frame(2, 60, 0x43, [0x02, 0, 0, 0, 0, 0x42])]));
      sock.destroy();
      await until(() => !guestPort.up, 'guest port down');
      expect(guestPort.downReason).toBe('guest disconnected');
    } finally {
      for (const p of br.allPorts()) br.removePort(p.name);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a bridge with STP and a stream port in client mode', () => {
  it('STP sees the port disabled while softbr is not connected to the guest, and enabled while it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbq-unit-'));
    const br = new Bridge({ name: 'sbqstp', clock: new SystemClock() });
    br.stp.enable();
    const path = join(dir, 'g.sock');
    const server = net.createServer((c) => { conns.push(c); c.on('error', () => {}); });
    const conns: net.Socket[] = [];
    try {
      const sp = await StreamPort.open({ name: 'g', path, connect: true, reconnectMinMs: 200, reconnectMaxMs: 400 });
      const p = br.addPort(sp);
      br.addPort(new MemoryPort({ name: 'm1' }));
      const state = () => br.stp.snapshot().ports.find((x) => x.portNo === p.no)!.state;
      expect(p.up).toBe(false);
      expect(state()).toBe(PORT_DISABLED);
      await new Promise<void>((r) => server.listen(path, r));
      await until(() => p.up, 'connected');
      expect(state()).not.toBe(PORT_DISABLED);
      for (const c of conns) c.destroy();
      await until(() => !p.up, 'down when the guest goes');
      expect(state()).toBe(PORT_DISABLED);
      // and back once the guest takes connections again
      await until(() => p.up, 'reconnected');
      expect(state()).not.toBe(PORT_DISABLED);
    } finally {
      for (const c of conns) c.destroy();
      server.close();
      for (const x of br.allPorts()) br.removePort(x.name);
      br.stp.disable();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
