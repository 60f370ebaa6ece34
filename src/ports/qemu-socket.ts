// Ports for QEMU guests that reach the bridge over a socket instead of a TAP (so QEMU needs no
// root and no device):
//  - StreamPort: softbr listens on a unix socket (or TCP on 127.0.0.1) and QEMU connects with
//    `-netdev stream,server=off,addr.type=unix,addr.path=PATH` (or the legacy
//    `-netdev socket,connect=HOST:PORT`). Each frame is a 4-byte big-endian length, then the
//    frame. One guest per port: while one is connected, further connections are refused (closed
//    at once and counted). The port is down while no guest is connected. In client mode the
//    guest listens (`server=on`, `-netdev socket,listen=`) and softbr connects, reconnecting with
//    backoff. A length outside 14..MTU+22 ends the connection; a frame cut off when a connection
//    ends is dropped with it (each connection starts at a record boundary).
//  - DgramPort: one frame per UDP datagram between softbr's local address and QEMU's
//    (`-netdev dgram,local…,remote…` or the legacy `-netdev socket,udp=…,localaddr=…`). The
//    socket is connected to QEMU's address, so only QEMU's datagrams are accepted. UDP has no
//    carrier: the port stays up whether QEMU runs or not.
// Both copy sends into a preallocated tx buffer and push it out once per flush (one write() for
// stream; one send() per frame for dgram, as UDP needs); a buffer the kernel did not take at once
// is kept aside until Node is done with it, never overwritten.
import net from 'node:net';
import dgram from 'node:dgram';
import { chmodSync, statSync, unlinkSync } from 'node:fs';
import type { PortIO, RxSink } from '../bridge/port-io.js';
import { parseMac, randomLocalMac } from '../frame/mac.js';
import { bufferCopy } from '../frame/bytes.js';
import { claimUnixPath, errnoError, holdUnixPath, releaseUnixPath } from './unix-path.js';

/** Smallest and largest frame length the stream framing accepts (anything else ends the connection). */
export const STREAM_MIN_FRAME = 14;
export const STREAM_MAX_FRAME = 65535;


/** Where a deframer hands complete frames: the engine's RxSink, or a test's stand-in. */
export type FrameBatchSink = Pick<RxSink, 'receiveBatch'>;

/**
 * Cuts a byte stream of (4-byte big-endian length, frame) records into frames and delivers them
 * in batches. Frames that lie whole inside one chunk are delivered in place (no copy); only a
 * frame split across chunks is assembled in a private buffer. Frames are delivered in order.
 */
export class StreamDeframer {
  sink: FrameBatchSink | null = null;
  /** Frames delivered since construction. */
  frames = 0;
  /** Why push() last returned false. */
  error = '';
  private readonly offs: Int32Array;
  private readonly lens: Int32Array;
  private count = 0;
  private readonly asm = new Uint8Array(STREAM_MAX_FRAME);
  private readonly one0 = new Int32Array(1);
  private readonly one1 = new Int32Array(1);
  /** Header bytes of a record begun in an earlier chunk (0 = at a record boundary). */
  private hdrHave = 0;
  private hdr = 0;
  /** Body length and bytes assembled of a frame begun in an earlier chunk (-1: none). */
  private bodyLen = -1;
  private bodyHave = 0;

  /** `maxFrame`: the longest frame accepted (a port's MTU + headers); anything longer is a protocol error. */
  constructor(batchFrames = 256, private readonly maxFrame = STREAM_MAX_FRAME) {
    this.offs = new Int32Array(batchFrames);
    this.lens = new Int32Array(batchFrames);
  }

  /** Forget a partial record (a new connection starts at a record boundary). */
  reset(): void {
    this.hdrHave = 0;
    this.hdr = 0;
    this.bodyLen = -1;
    this.bodyHave = 0;
    this.count = 0;
    this.error = '';
  }

  /** Bytes of an unfinished record held over to the next chunk. */
  get pendingBytes(): number {
    return this.bodyLen >= 0 ? 4 + this.bodyHave : this.hdrHave;
  }

  /**
   * Takes the next chunk of the stream. Returns false on a protocol error (a length outside
   * 14..maxFrame; `error` says which): the frames before it are delivered, the rest is garbage.
   */
  push(c: Uint8Array): boolean {
    const end = c.length;
    let pos = 0;
    // 1 finish a record begun in an earlier chunk
    if (this.hdrHave > 0) {
      while (this.hdrHave < 4 && pos < end) {
        this.hdr = this.hdr * 256 + c[pos++]!;
        this.hdrHave++;
      }
      if (this.hdrHave < 4) return true;
      const len = this.hdr;
      this.hdrHave = 0;
      this.hdr = 0;
      if (!this.checkLen(len)) return false;
      if (end - pos >= len) {
        // the whole body is in this chunk: deliver it in place with the frames that follow
        this.offs[0] = pos;
        this.lens[0] = len;
        this.count = 1;
        pos += len;
        if (this.offs.length === 1) this.deliver(c);
      } else {
        this.bodyLen = len;
        this.bodyHave = 0;
      }
    }
    if (this.bodyLen >= 0) {
      const want = this.bodyLen - this.bodyHave;
      const take = end - pos < want ? end - pos : want;
      bufferCopy.call(c, this.asm, this.bodyHave, pos, pos + take);
      this.bodyHave += take;
      pos += take;
      if (this.bodyHave < this.bodyLen) return true;
      this.one0[0] = 0;
      this.one1[0] = this.bodyLen;
      this.bodyLen = -1;
      this.bodyHave = 0;
      this.frames++;
      this.sink?.receiveBatch(this.asm, this.one0, this.one1, 1);
    }
    // 2 whole records in place
    const offs = this.offs;
    const lens = this.lens;
    while (end - pos >= 4) {
      const len = c[pos]! * 0x1000000 + (c[pos + 1]! << 16) + (c[pos + 2]! << 8) + c[pos + 3]!;
      if (!this.checkLen(len)) {
        this.deliver(c);
        return false;
      }
      if (end - pos - 4 < len) {
        // 3 a body that continues in the next chunk
        this.deliver(c);
        const have = end - pos - 4;
        bufferCopy.call(c, this.asm, 0, pos + 4, end);
        this.bodyLen = len;
        this.bodyHave = have;
        return true;
      }
      offs[this.count] = pos + 4;
      lens[this.count] = len;
      pos += 4 + len;
      if (++this.count === offs.length) this.deliver(c);
    }
    this.deliver(c);
    // 4 a header that continues in the next chunk
    while (pos < end) {
      this.hdr = this.hdr * 256 + c[pos++]!;
      this.hdrHave++;
    }
    return true;
  }

  private checkLen(len: number): boolean {
    if (len >= STREAM_MIN_FRAME && len <= this.maxFrame) return true;
    this.error = `frame length ${len} outside ${STREAM_MIN_FRAME}..${this.maxFrame}`;
    return false;
  }

  private deliver(c: Uint8Array): void {
    const n = this.count;
    if (n === 0) return;
    this.count = 0;
    this.frames += n;
    this.sink?.receiveBatch(c, this.offs, this.lens, n);
  }
}

/** What both socket ports share: identity, tx buffer pool and counters. */
interface SocketPortCommon {
  name: string;
  /** MAC of the bridge side (48-bit number or 'aa:bb:…'); default: random, locally administered. */
  mac?: number | string;
  /** Default 1500. */
  mtu?: number;
  /** For STP path cost. Default 10000. */
  speedMbps?: number;
  /** Connection and error messages (the daemon's log). */
  log?: (msg: string) => void;
}

export interface StreamPortOptions extends SocketPortCommon {
  /** Unix socket to listen on (a stale socket file left by a crash is replaced), or to connect to. */
  path?: string;
  /** Or TCP: port to listen on (or connect to), at host (default 127.0.0.1). */
  port?: number;
  host?: string;
  /**
   * Client mode: the guest listens (`-netdev stream,server=on`, `-netdev socket,listen=`) and
   * softbr connects to it, and reconnects with backoff whenever the connection ends or fails.
   */
  connect?: boolean;
  /** Client mode: first and longest wait between connection attempts. Default 100 and 2000 ms. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Mode of the unix socket file. Default 0o660 (owner and group may connect). */
  socketMode?: number;
  /** Frames per receive batch. Default 256. */
  batchFrames?: number;
  /** Bytes queued in the kernel and Node for the guest beyond which sends are dropped. Default 4 MiB. */
  maxQueuedBytes?: number;
}

export interface StreamPortStats {
  connected: boolean;
  connections: number;
  refused: number;
  protocolErrors: number;
  rxFrames: number;
  txFrames: number;
  txDropped: number;
  deferredWrites: number;
}

function hostPortText(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function macOf(v: number | string | undefined): number {
  return v === undefined ? randomLocalMac() : typeof v === 'string' ? parseMac(v) : v;
}

function listen(server: net.Server, opts: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(opts, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A port whose peer is one QEMU guest connected over a stream socket (see the file header). */
export class StreamPort implements PortIO {
  readonly kind = 'stream';
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps: number;
  /** Where it listens (or connects to): the socket path, or host:port (the real port when opened on port 0). */
  readonly address: string;
  /** Client mode: softbr connects to the guest (see StreamPortOptions.connect). */
  readonly client: boolean;
  /** Client mode: connection attempts that failed (nothing listening yet, refused). */
  connectFailures = 0;
  connections = 0;
  /** Connections closed at once because a guest was already connected. */
  refused = 0;
  /** Connections dropped for a bad length in the stream. */
  protocolErrors = 0;
  txFrames = 0;
  /** Frames not sent: no guest connected, frame too long, or the guest not reading (queue full). */
  txDropped = 0;
  /** Flushes the kernel did not take at once (their buffer was set aside until written). */
  deferredWrites = 0;

  private readonly server: net.Server | null;
  private readonly target: net.NetConnectOpts | null;
  private readonly backoffMin: number;
  private readonly backoffMax: number;
  private backoff: number;
  private retry: NodeJS.Timeout | null = null;
  private lastConnectError = '';
  private readonly path: string | null;
  private readonly ino: number;
  private readonly log: (msg: string) => void;
  private readonly deframer: StreamDeframer;
  private readonly maxQueued: number;
  private readonly bufBytes: number;
  private conn: net.Socket | null = null;
  private sink: RxSink | null = null;
  private closed = false;
  private congested = false;
  private tx: Buffer;
  private txPos = 0;
  private txCount = 0;
  private readonly pool: Buffer[] = [];
  /** Buffers handed to write() that Node may still read from. */
  private inFlight: Buffer[] = [];
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);

  private constructor(server: net.Server | null, target: net.NetConnectOpts | null, path: string | null, ino: number, address: string, opts: StreamPortOptions) {
    this.server = server;
    this.target = target;
    this.client = target !== null;
    this.backoffMin = opts.reconnectMinMs ?? 100;
    this.backoffMax = opts.reconnectMaxMs ?? 2000;
    this.backoff = this.backoffMin;
    this.path = path;
    this.ino = ino;
    this.address = address;
    this.name = opts.name;
    this.mac = macOf(opts.mac);
    this.mtu = opts.mtu ?? 1500;
    this.speedMbps = opts.speedMbps ?? 10000;
    this.log = opts.log ?? (() => {});
    // MTU + Ethernet header + two VLAN tags, as for every port; a longer length ends the connection
    this.deframer = new StreamDeframer(opts.batchFrames ?? 256, Math.min(STREAM_MAX_FRAME, this.mtu + 22));
    this.maxQueued = opts.maxQueuedBytes ?? 4 << 20;
    // room for the largest record, and for a burst of full-size frames; flush() runs early if a
    // batch outgrows it
    this.bufBytes = Math.max(4 + STREAM_MAX_FRAME, 32 * (this.mtu + 26));
    this.tx = Buffer.allocUnsafe(this.bufBytes);
    if (server !== null) {
      server.on('connection', (s) => this.accept(s));
      server.on('error', (e) => this.log(`${this.name}: listener error: ${e.message}`));
    }
  }

  /**
   * Listens on opts.path (unix) or opts.port (TCP). Fails with an error carrying .code
   * (EADDRINUSE, ENOENT, EACCES, EEXIST…) and leaves nothing behind.
   */
  static async open(opts: StreamPortOptions): Promise<StreamPort> {
    if (opts.connect === true) {
      if (opts.path === undefined && opts.port === undefined) throw new TypeError('StreamPort.open: give path or port');
      const host = opts.host ?? '127.0.0.1';
      const target: net.NetConnectOpts = opts.path !== undefined ? { path: opts.path } : { host, port: opts.port!, noDelay: true };
      const p = new StreamPort(null, target, null, 0, opts.path ?? hostPortText(host, opts.port!), opts);
      // no guest listening yet is no error: the port is down until one is, as while it restarts
      p.dial();
      return p;
    }
    const server = net.createServer({ pauseOnConnect: true, noDelay: true });
    if (opts.path !== undefined) {
      const path = opts.path;
      await claimUnixPath(path);
      await listen(server, { path, exclusive: true });
      let ino: number;
      try {
        chmodSync(path, opts.socketMode ?? 0o660);
        ino = statSync(path).ino;
      } catch (e) {
        server.close();
        try { unlinkSync(path); } catch { /* already gone */ }
        throw e;
      }
      const port = new StreamPort(server, null, path, ino, path, opts);
      holdUnixPath(path, port.name);
      return port;
    }
    if (opts.port === undefined) throw new TypeError('StreamPort.open: give path or port');
    const host = opts.host ?? '127.0.0.1';
    await listen(server, { host, port: opts.port, exclusive: true });
    const port = (server.address() as net.AddressInfo).port; // the real one when opts.port is 0
    return new StreamPort(server, null, null, 0, hostPortText(host, port), opts);
  }

  get connected(): boolean {
    return this.conn !== null;
  }

  get rxFrames(): number {
    return this.deframer.frames;
  }

  stats(): StreamPortStats {
    return {
      connected: this.conn !== null,
      connections: this.connections,
      refused: this.refused,
      protocolErrors: this.protocolErrors,
      rxFrames: this.deframer.frames,
      txFrames: this.txFrames,
      txDropped: this.txDropped,
      deferredWrites: this.deferredWrites,
    };
  }

  send(buf: Uint8Array, off: number, len: number): boolean {
    if (this.conn === null || this.congested || len > STREAM_MAX_FRAME) {
      this.txDropped++;
      return false;
    }
    if (this.txPos + 4 + len > this.tx.length) {
      this.flush();
      if (this.conn === null || this.congested) {
        this.txDropped++;
        return false;
      }
    }
    const t = this.tx;
    let p = this.txPos;
    t[p] = 0;
    t[p + 1] = 0;
    t[p + 2] = len >>> 8;
    t[p + 3] = len & 0xff;
    p += 4;
    bufferCopy.call(buf, t, p, off, off + len);
    this.txPos = p + len;
    this.txCount++;
    return true;
  }

  flush(): void {
    if (this.txPos === 0) return;
    const c = this.conn;
    if (c === null) {
      this.txDropped += this.txCount;
      this.txPos = 0;
      this.txCount = 0;
      return;
    }
    // what Node finished writing earlier may be reused
    if (this.inFlight.length > 0 && c.writableLength === 0) this.reclaim();
    const t = this.tx;
    c.write(t.subarray(0, this.txPos));
    this.txFrames += this.txCount;
    this.txPos = 0;
    this.txCount = 0;
    const queued = c.writableLength;
    if (queued > 0) {
      // the kernel did not take it all: Node keeps reading from t until the write completes
      this.inFlight.push(t);
      this.deferredWrites++;
      this.tx = this.pool.pop() ?? Buffer.allocUnsafe(this.bufBytes);
      if (queued > this.maxQueued && !this.congested) {
        this.congested = true;
        c.once('drain', () => { this.congested = false; });
      }
    }
  }

  start(sink: RxSink): void {
    if (this.closed) throw new Error(`stream port ${this.name}: start() after close()`);
    this.sink = sink;
    this.deframer.sink = sink;
    if (this.conn === null) sink.linkDown(this.client ? `not connected to the guest at ${this.address}` : `no guest connected to ${this.address}`);
    else this.conn.resume();
  }

  /** Stops listening, drops the guest and removes the socket file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink = null;
    this.deframer.sink = null;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    const c = this.conn;
    this.conn = null;
    c?.destroy();
    this.server?.close();
    if (this.path !== null) {
      releaseUnixPath(this.path, this.name);
      try {
        // only our own socket: another softbr may have taken the path over since
        if (statSync(this.path).ino === this.ino) unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
    this.txPos = 0;
    this.txCount = 0;
  }

  /** Client mode: one connection attempt; on failure (or, later, on disconnect) the next after a backoff. */
  private dial(): void {
    this.retry = null;
    if (this.closed || this.target === null) return;
    const s = net.connect(this.target);
    s.pause();
    const failed = (e: NodeJS.ErrnoException): void => {
      this.connectFailures++;
      const why = e.code ?? e.message;
      // one line per change of reason, not one per attempt
      if (why !== this.lastConnectError) {
        this.lastConnectError = why;
        this.log(`${this.name}: cannot connect to the guest at ${this.address} (${why}); retrying`);
      }
      s.destroy();
      this.redial();
    };
    s.once('error', failed);
    s.once('connect', () => {
      s.off('error', failed);
      this.lastConnectError = '';
      this.backoff = this.backoffMin;
      this.accept(s);
    });
  }

  private redial(): void {
    if (this.closed || this.retry !== null) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoffMax, this.backoff * 2);
    this.retry = setTimeout(() => this.dial(), wait);
    this.retry.unref();
  }

  private accept(s: net.Socket): void {
    if (this.closed || this.conn !== null) {
      this.refused++;
      this.log(`${this.name}: refused a second connection on ${this.address} (a guest is connected)`);
      s.destroy();
      return;
    }
    this.conn = s;
    this.connections++;
    this.congested = false;
    this.deframer.reset();
    s.on('data', this.onData);
    s.on('error', (e) => this.log(`${this.name}: ${e.message}`));
    s.once('close', () => this.dropped(s));
    this.log(this.client ? `${this.name}: connected to the guest at ${this.address}` : `${this.name}: guest connected on ${this.address}`);
    if (this.sink !== null) {
      s.resume();
      this.sink.linkUp?.();
    }
  }

  private receive(chunk: Buffer): void {
    if (this.sink === null) return;
    if (!this.deframer.push(chunk)) {
      this.protocolErrors++;
      const c = this.conn;
      if (c !== null) {
        this.log(`${this.name}: protocol error (${this.deframer.error}): dropping the connection`);
        this.dropped(c, `protocol error: ${this.deframer.error}`);
        c.destroy();
      }
    }
  }

  private dropped(s: net.Socket, reason = 'guest disconnected'): void {
    if (this.conn !== s) return;
    this.conn = null;
    this.congested = false;
    this.txDropped += this.txCount;
    this.txPos = 0;
    this.txCount = 0;
    // a destroyed socket no longer reads our buffers
    this.reclaim();
    if (reason === 'guest disconnected') this.log(`${this.name}: guest disconnected`);
    this.sink?.linkDown(reason);
    // a guest that restarts listens again: keep trying
    if (this.client) this.redial();
  }

  private reclaim(): void {
    for (const b of this.inFlight) this.pool.push(b);
    this.inFlight = [];
  }
}

export interface DgramPortOptions extends SocketPortCommon {
  /** Local UDP port softbr receives on (QEMU's remote.port). */
  localPort: number;
  /** Default 127.0.0.1. */
  localHost?: string;
  /** QEMU's local.port, where softbr sends. */
  remotePort: number;
  /** Default 127.0.0.1. An IP address. */
  remoteHost?: string;
  /** Frames per receive batch. Default 64. */
  batchFrames?: number;
  /** Datagrams waiting in the socket's send queue beyond which sends are dropped. Default 4096. */
  maxQueuedSends?: number;
}

/** A port whose peer is a QEMU guest on a UDP tunnel (see the file header). */
export class DgramPort implements PortIO {
  readonly kind = 'dgram';
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps: number;
  /** local -> remote, for show and logs. */
  readonly address: string;
  /** The UDP port softbr receives on. */
  readonly localPort: number;
  rxFrames = 0;
  txFrames = 0;
  /** Frames not sent: too long, or the send queue full. */
  txDropped = 0;
  /** Socket errors reported on receive (ECONNREFUSED: nothing listens on the remote port). */
  errors = 0;

  private readonly sock: dgram.Socket;
  private readonly log: (msg: string) => void;
  private readonly maxQueued: number;
  private readonly bufBytes: number;
  private sink: RxSink | null = null;
  private closed = false;
  private lastError = '';
  // receive batch: datagrams copied in as they arrive, delivered once per event-loop turn
  private readonly rxBuf: Uint8Array;
  private readonly rxOffs: Int32Array;
  private readonly rxLens: Int32Array;
  private rxCount = 0;
  private rxPos = 0;
  private rxScheduled = false;
  private readonly drainRx = (): void => {
    this.rxScheduled = false;
    this.deliverRx();
  };
  // transmit batch
  private tx: Buffer;
  private readonly txOffs: Int32Array;
  private readonly txLens: Int32Array;
  private txCount = 0;
  private txPos = 0;
  private readonly pool: Buffer[] = [];
  private inFlight: Buffer[] = [];

  private constructor(sock: dgram.Socket, localPort: number, address: string, opts: DgramPortOptions) {
    this.sock = sock;
    this.localPort = localPort;
    this.address = address;
    this.name = opts.name;
    this.mac = macOf(opts.mac);
    this.mtu = opts.mtu ?? 1500;
    this.speedMbps = opts.speedMbps ?? 10000;
    this.log = opts.log ?? (() => {});
    this.maxQueued = opts.maxQueuedSends ?? 4096;
    const batch = opts.batchFrames ?? 64;
    const maxFrame = this.mtu + 26;
    this.bufBytes = Math.max(65536, batch * maxFrame);
    this.rxBuf = new Uint8Array(this.bufBytes);
    this.rxOffs = new Int32Array(batch);
    this.rxLens = new Int32Array(batch);
    this.tx = Buffer.allocUnsafe(this.bufBytes);
    this.txOffs = new Int32Array(batch);
    this.txLens = new Int32Array(batch);
    sock.on('message', (msg: Buffer) => this.receive(msg));
    sock.on('error', (e: NodeJS.ErrnoException) => this.onError(e));
  }

  /** Binds localHost:localPort and connects to remoteHost:remotePort; errors carry .code (EADDRINUSE…). */
  static async open(opts: DgramPortOptions): Promise<DgramPort> {
    const lhost = opts.localHost ?? '127.0.0.1';
    const rhost = opts.remoteHost ?? '127.0.0.1';
    const v6 = net.isIPv6(lhost);
    if (v6 !== net.isIPv6(rhost)) throw errnoError(`local ${lhost} and remote ${rhost} are not of one address family`, 'EINVAL');
    const sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind({ address: lhost, port: opts.localPort, exclusive: true }, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        sock.connect(opts.remotePort, rhost, (err?: Error) => (err ? reject(err) : resolve()));
      });
    } catch (e) {
      try { sock.close(); } catch { /* not open */ }
      throw e;
    }
    const local = sock.address().port; // the real one when opts.localPort is 0
    return new DgramPort(sock, local, `${hostPortText(lhost, local)} -> ${hostPortText(rhost, opts.remotePort)}`, opts);
  }

  send(buf: Uint8Array, off: number, len: number): boolean {
    if (this.closed || len > this.mtu + 26) {
      this.txDropped++;
      return false;
    }
    if (this.txCount === this.txOffs.length || this.txPos + len > this.tx.length) this.flush();
    bufferCopy.call(buf, this.tx, this.txPos, off, off + len);
    this.txOffs[this.txCount] = this.txPos;
    this.txLens[this.txCount] = len;
    this.txCount++;
    this.txPos += len;
    return true;
  }

  flush(): void {
    const n = this.txCount;
    if (n === 0) return;
    this.txCount = 0;
    this.txPos = 0;
    const s = this.sock;
    let queued = s.getSendQueueCount();
    if (this.inFlight.length > 0 && queued === 0) this.reclaim();
    if (queued > this.maxQueued) {
      this.txDropped += n;
      return;
    }
    const t = this.tx;
    let i = 0;
    try {
      for (; i < n; i++) s.send(t, this.txOffs[i]!, this.txLens[i]!);
    } catch (e) {
      // not expected on a bound, connected socket; never let it reach the engine's receive path
      this.txDropped += n - i;
      this.onError(e as NodeJS.ErrnoException);
    }
    this.txFrames += i;
    queued = s.getSendQueueCount();
    if (queued > 0) {
      // datagrams the kernel did not take at once still point into t
      this.inFlight.push(t);
      this.tx = this.pool.pop() ?? Buffer.allocUnsafe(this.bufBytes);
    }
  }

  start(sink: RxSink): void {
    if (this.closed) throw new Error(`dgram port ${this.name}: start() after close()`);
    this.sink = sink;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink = null;
    this.txCount = 0;
    this.rxCount = 0;
    try {
      this.sock.close();
    } catch {
      // already closed
    }
  }

  private receive(msg: Buffer): void {
    if (this.sink === null) return;
    const len = msg.length;
    if (this.rxCount === this.rxOffs.length || this.rxPos + len > this.rxBuf.length) this.deliverRx();
    if (len > this.rxBuf.length) return; // cannot happen: a UDP payload is at most 65507 bytes
    bufferCopy.call(msg, this.rxBuf, this.rxPos, 0, len);
    this.rxOffs[this.rxCount] = this.rxPos;
    this.rxLens[this.rxCount] = len;
    this.rxCount++;
    this.rxPos += (len + 7) & ~7;
    // every datagram of this event-loop turn goes to the engine as one batch
    if (!this.rxScheduled) {
      this.rxScheduled = true;
      setImmediate(this.drainRx);
    }
  }

  private deliverRx(): void {
    const n = this.rxCount;
    if (n === 0) return;
    this.rxCount = 0;
    this.rxPos = 0;
    this.rxFrames += n;
    this.sink?.receiveBatch(this.rxBuf, this.rxOffs, this.rxLens, n);
  }

  private onError(e: NodeJS.ErrnoException): void {
    this.errors++;
    const msg = e.code ?? e.message;
    if (msg !== this.lastError) {
      this.lastError = msg;
      this.log(`${this.name}: ${e.code === 'ECONNREFUSED' ? `nothing listens on ${this.address.split(' -> ')[1]} yet (ECONNREFUSED)` : e.message}`);
    }
  }

  private reclaim(): void {
    for (const b of this.inFlight) this.pool.push(b);
    this.inFlight = [];
  }
}
