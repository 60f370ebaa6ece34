// VhostUserPort: a port whose peer is a vhost-user front-end (QEMU's `-netdev vhost-user`,
// DPDK's virtio-user): the guest's virtio-net queues live in its shared memory and the addon
// (src/native/vhost.cc) copies frames between them and our batch buffers, signalling once per
// batch. Two roles: `server` listens on a unix socket for the front-end; `client` connects to a
// front-end that listens (QEMU `server=on`) and reconnects whenever the connection ends. This
// module owns the policy: the port is up while both queues run, down (with the addon's reason,
// logged) otherwise, and in client role when to try again. With offloads (the default) the guest
// leaves checksums to us and sends TCP super-frames, which go up whole beside the batch
// (SuperFrames); super-frames for the guest go in whole when it negotiated their kind, else
// cut into wire frames.
import { chmodSync, statSync, unlinkSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DriverDrops, PortIO, RxOffload, RxSink } from '../bridge/port-io.js';
import { parseMac, randomLocalMac } from '../frame/mac.js';
import { bufferCopy } from '../frame/bytes.js';
import { native, errnoName, deliverBatch, SuperFrames, type NativeVhost, type VhostEvent, type VhostStats } from '../native/index.js';

export type VhostRole = 'server' | 'client';

export interface VhostUserPortOptions {
  name: string;
  /** The unix socket: where softbr listens (server) or QEMU does (client). */
  path: string;
  role: VhostRole;
  /** Port MAC (the guest has its own, set by QEMU); default a random local one. */
  mac?: number | string;
  /** Default 1500: guest frames longer than mtu + 22 bytes are dropped as malformed. */
  mtu?: number;
  speedMbps?: number;
  /** Frames per receive batch (one JS call each). Default 64. */
  batchFrames?: number;
  /** Frames queued for the guest before an early flush. Default 256. */
  txFrames?: number;
  /** Client role: milliseconds between connection attempts. Default 1000. */
  reconnectMs?: number;
  /** Server role: mode of the socket file. Default 0660. */
  socketMode?: number;
  /**
   * Offer the guest checksum and TSO offloads (VIRTIO_NET_F_CSUM, GUEST_CSUM, HOST/GUEST_TSO4/6,
   * ECN): its TCP sends 64 KiB super-frames that travel whole to ports that take them. Default true.
   */
  offload?: boolean;
  log?: (msg: string) => void;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function errnoError(message: string, code: string): NodeJS.ErrnoException {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

export class VhostUserPort implements PortIO {
  /** Socket paths this process listens on, to their ports (a second port on one is refused). */
  private static readonly listening = new Map<string, VhostUserPort>();

  readonly kind = 'vhost-user';
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps: number;
  readonly path: string;
  readonly role: VhostRole;
  /** Why the port is down (null while both queues run). */
  downReason: string | null;

  private readonly slotBytes: number;
  private readonly rxBuf: Uint8Array;
  private readonly rxOffs: Int32Array;
  private readonly rxLens: Int32Array;
  private readonly txBuf: Uint8Array;
  private readonly txOffs: Int32Array;
  private readonly txLens: Int32Array;
  private readonly txMax: number;
  private txCount = 0;
  private readonly nv: NativeVhost;
  private readonly log: (msg: string) => void;
  private sink: RxSink | null = null;
  private up = false;
  private closed = false;
  private inFlush = false;
  private ino = 0;
  private retry: NodeJS.Timeout | null = null;
  private readonly reconnectMs: number;
  /** Client role: the errno of the last failed attempt, so a wait is logged once, not per try. */
  private lastConnectErr = 0;
  private refusedTold = false;
  /** With offloads: the side arrays of received super-frames (handed up once a sink takes them). */
  private readonly superFrames: SuperFrames | null;
  private readonly hdrBytes = native().constants.VNET_HDR_LEN;
  /** With offloads: queues a super-frame for the guest, whole or cut (PortIO.sendSuper). */
  readonly sendSuper: ((buf: Uint8Array, off: number, len: number, offload: RxOffload, i: number) => boolean) | undefined;

  private constructor(opts: VhostUserPortOptions) {
    this.name = opts.name;
    this.path = opts.path;
    this.role = opts.role;
    this.mac = opts.mac === undefined ? randomLocalMac() : typeof opts.mac === 'string' ? parseMac(opts.mac) : opts.mac;
    this.mtu = opts.mtu ?? 1500;
    this.speedMbps = opts.speedMbps ?? 10000;
    this.log = opts.log ?? (() => {});
    this.reconnectMs = opts.reconnectMs ?? 1000;
    this.downReason = this.waitingText();
    const rxFrames = opts.batchFrames ?? 64;
    this.txMax = opts.txFrames ?? 256;
    // mtu + Ethernet header + two VLAN tags: anything longer is malformed for the engine anyway
    this.slotBytes = roundUp(this.mtu + 22, 64);
    const offload = opts.offload !== false;
    // frames are packed; with offloads a read needs room for a super-frame: two besides the slots
    this.rxBuf = new Uint8Array(this.slotBytes * rxFrames + (offload ? 2 * (this.slotBytes + native().constants.SUPER_FRAME_BYTES) : 0));
    this.superFrames = offload ? new SuperFrames(rxFrames) : null;
    this.sendSuper = offload ? (buf, off, len, o, i) => this.queueSuper(buf, off, len, o, i) : undefined;
    this.rxOffs = new Int32Array(rxFrames);
    this.rxLens = new Int32Array(rxFrames);
    this.txBuf = new Uint8Array(this.slotBytes * this.txMax);
    this.txOffs = new Int32Array(this.txMax);
    this.txLens = new Int32Array(this.txMax);
    // both callbacks are made once here: the per-batch path allocates nothing
    this.nv = new (native().Vhost)(
      this.rxBuf,
      this.rxOffs,
      this.rxLens,
      this.slotBytes,
      rxFrames,
      4,
      this.txBuf,
      this.txOffs,
      this.txLens,
      (count: number, supers: number) => deliverBatch(this.sink, this.rxBuf, this.rxOffs, this.rxLens, count, supers, this.superFrames),
      (type: VhostEvent, text: string) => this.onEvent(type, text),
      offload,
    );
  }

  /**
   * Server role: listens on opts.path (a stale socket file is replaced); fails with an error
   * carrying .code (EADDRINUSE, ENOENT, EACCES…) and leaves nothing behind. Client role:
   * starts connecting to opts.path, and keeps trying until a front-end listens there.
   */
  static open(opts: VhostUserPortOptions): VhostUserPort {
    const key = resolve(opts.path);
    if (opts.role === 'server') {
      const owner = VhostUserPort.listening.get(key);
      if (owner !== undefined) throw errnoError(`${opts.path} is the socket of port ${owner.name} already`, 'EADDRINUSE');
      const dir = dirname(opts.path);
      if (!existsSync(dir)) throw errnoError(`directory ${dir} does not exist`, 'ENOENT');
    }
    const p = new VhostUserPort(opts);
    if (opts.role === 'server') {
      p.nv.listen(opts.path); // throws before anything exists on the path
      try {
        chmodSync(opts.path, opts.socketMode ?? 0o660);
        p.ino = statSync(opts.path).ino;
      } catch (e) {
        p.nv.close();
        try { unlinkSync(opts.path); } catch { /* already gone */ }
        throw e;
      }
      VhostUserPort.listening.set(key, p);
    } else {
      p.tryConnect();
    }
    return p;
  }

  get connected(): boolean {
    return this.nv.stats().connected;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** The addon's counters, and how many received super-frames were cut for ports that could not take them. */
  stats(): VhostStats & { superCut: number } {
    return { ...this.nv.stats(), superCut: this.superFrames?.cut ?? 0 };
  }

  send(buf: Uint8Array, off: number, len: number): boolean {
    if (!this.up || len > this.slotBytes || len <= 0) return false;
    if (this.txCount === this.txMax) this.flush();
    const pos = this.txCount * this.slotBytes;
    bufferCopy.call(buf, this.txBuf, pos, off, off + len);
    this.txOffs[this.txCount] = pos;
    this.txLens[this.txCount] = len;
    this.txCount++;
    return true;
  }

  /**
   * Super-frame i of another port's batch: whole, after what was queued before it, when the
   * guest negotiated its kind; else its segments (full checksums), queued as frames.
   */
  private queueSuper(buf: Uint8Array, off: number, len: number, o: RxOffload, i: number): boolean {
    if (!this.up) return false;
    const hdrOff = i * this.hdrBytes;
    this.flush();
    this.inFlush = true;
    let r: number;
    try {
      r = this.nv.writeSuper(buf, off, len, o.hdrs, hdrOff);
    } finally {
      this.inFlush = false;
    }
    if (r >= 0) return r === 1;
    const n = o.segment(buf, off, len, i);
    if (n === 0) return false;
    for (let k = 0; k < n; k++) this.send(o.segBuf, o.segOffs[k]!, o.segLens[k]!);
    return true;
  }

  flush(): void {
    const n = this.txCount;
    if (n === 0) return;
    this.txCount = 0;
    this.inFlush = true;
    try {
      this.nv.writeBatch(n);
    } finally {
      this.inFlush = false;
    }
  }

  start(sink: RxSink): void {
    if (this.closed) throw new Error(`vhost-user port ${this.name}: start() after close()`);
    this.sink = sink;
    // the guest may send super-frames only to a sink that takes them (offered from the next negotiation)
    const sf = this.superFrames;
    if (sf !== null && sink.takesSuperFrames === true) this.nv.setSuperFrames(sf.hdrs, sf.segLen);
    if (!this.up) sink.linkDown(this.downReason ?? this.waitingText());
  }

  /** Closes the connection and the listening socket (removing its file), or stops reconnecting. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink = null;
    this.up = false;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    this.nv.close();
    if (this.role === 'server') {
      const key = resolve(this.path);
      if (VhostUserPort.listening.get(key) === this) VhostUserPort.listening.delete(key);
      try {
        // only our own socket: another softbr may have taken the path over since
        if (statSync(this.path).ino === this.ino) unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }

  /**
   * What the addon dropped: guest frames too long or too short are malformed; frames for a guest
   * with no free receive buffers are no_buffer; frames that fit no guest buffer are tx_error.
   */
  driverDrops(): DriverDrops {
    const s = this.nv.stats();
    return { malformed: s.truncated + s.runts + s.badHeaders, no_buffer: s.txNoRoom + s.txNotReady, tx_error: s.txTooBig };
  }

  ref(): void {
    this.nv.ref();
  }

  unref(): void {
    this.nv.unref();
  }

  private waitingText(): string {
    return this.role === 'server'
      ? `no vhost-user front-end connected to ${this.path}`
      : `no vhost-user front-end listening at ${this.path}`;
  }

  private onEvent(type: VhostEvent, text: string): void {
    if (this.closed) return;
    switch (type) {
      case 'connected':
        this.lastConnectErr = 0;
        this.refusedTold = false;
        this.log(`${this.name}: vhost-user front-end connected ${this.role === 'server' ? 'on' : 'at'} ${this.path}`);
        break;
      case 'ready':
        this.log(`${this.name}: guest queues running (${text}): port up`);
        this.setUp(true, '');
        break;
      case 'notready':
        this.log(`${this.name}: ${text}: port down`);
        this.setUp(false, text);
        break;
      case 'disconnected':
        this.log(`${this.name}: ${text}${this.up ? ': port down' : ''}`);
        this.setUp(false, text);
        if (this.role === 'client') this.scheduleConnect();
        break;
      case 'refused':
        // QEMU retries a refused connection at once: say so once per connection, not per try
        if (!this.refusedTold) this.log(`${this.name}: refusing other front-ends on ${this.path} (${text})`);
        this.refusedTold = true;
        break;
      case 'log':
        this.log(`${this.name}: ${text}`);
        break;
    }
  }

  private setUp(up: boolean, why: string): void {
    if (up === this.up) {
      if (!up) this.downReason = why;
      return;
    }
    this.up = up;
    this.downReason = up ? null : why;
    if (!up) {
      // frames queued for a guest that is gone
      this.txCount = 0;
      }
    const sink = this.sink;
    if (sink === null) return;
    const tell = (): void => {
      if (this.sink !== sink || this.up !== up) return;
      if (up) sink.linkUp?.();
      else sink.linkDown(`${this.name}: ${why}`);
    };
    // a fault found while flushing surfaces inside the engine's forwarding of another port's
    // batch: tell the engine after that batch, not in the middle of it
    if (this.inFlush) queueMicrotask(tell);
    else tell();
  }

  private tryConnect(): void {
    this.retry = null;
    if (this.closed) return;
    const e = this.nv.connect(this.path);
    if (e === 0) return;
    if (e !== this.lastConnectErr) {
      this.lastConnectErr = e;
      this.log(`${this.name}: waiting for a vhost-user front-end to listen at ${this.path} (${errnoName(e)})`);
    }
    this.scheduleConnect();
  }

  private scheduleConnect(): void {
    if (this.closed || this.retry !== null) return;
    this.retry = setTimeout(() => this.tryConnect(), this.reconnectMs);
    this.retry.unref();
  }
}
