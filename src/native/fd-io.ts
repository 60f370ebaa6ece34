// Batched I/O on one kernel fd (a TAP or an AF_PACKET socket): owns the rx buffer and the tx
// queue shared with the addon (frames queue by reference to the buffer they lie in, and the addon
// writes them from there at flush: no copy), the native Poller and Writer over them, "link down once" reporting, acting on
// the errnos the addon reports (as errno-policy.ts says) and the driver's drop counts.
// The TAP and AF_PACKET port drivers (src/ports/) are thin layers over this. With virtio-net
// headers, super-frames travel whole: the poller hands them to a sink that takes them (with
// SuperFrames beside the batch), and sendSuper writes one out with its header.
import { native, errnoName, type NativePoller, type NativeWriter, type PollerStats, type WriterStats } from './binding.js';
import { classifyTxDrops, errnoRule, type ErrnoRule } from './errno-policy.js';
import type { RxOffload } from '../bridge/port-io.js';
import { deliverBatch, SuperFrames } from './super-frames.js';

/** What FdIO hands received frames to; structurally the engine's RxSink (bridge/port-io.ts). */
export interface FdSink {
  receiveBatch(buf: Uint8Array, offs: ArrayLike<number>, lens: ArrayLike<number>, count: number, offload?: RxOffload | null): void;
  readonly takesSuperFrames?: boolean;
  linkDown(reason: string): void;
  linkUp?(): void;
}

export interface FdIOOptions {
  /** 'tap': read()/write() per frame; 'packet': recvmmsg() or a receive ring, sendmmsg(). */
  mode: 'tap' | 'packet';
  /** The fd carries virtio_net headers (AF_PACKET with PACKET_VNET_HDR, TAP with IFF_VNET_HDR). */
  vnetHdr?: boolean;
  /** Largest frame to accept or send, header and VLAN tags included. */
  maxFrameBytes: number;
  /** Frames per receive syscall batch (one JS call each; up to twice as many after GSO). Default 64. */
  rxBatchFrames?: number;
  /** Receive batches per readiness wakeup before yielding to other ports. Default 4. */
  maxBatchesPerWakeup?: number;
  /** Frames per native write call; send() flushes early when full. Default 64. */
  txBatchFrames?: number;
  /**
   * TAP only: send batches through io_uring (one submission per batch instead of a system call
   * per frame; receiving too with ioUringRead) when the kernel allows it; where it does not (old kernel, seccomp,
   * kernel.io_uring_disabled) the port uses read()/write() and stats() says why. Not for
   * sockets (a full one would make io_uring wait rather than fail with EAGAIN). Default false;
   * TAP ports ask for ioUringDefault().
   */
  ioUring?: boolean;
  /**
   * TAP with ioUring only: also receive through one io_uring multishot read over provided buffers
   * instead of a read() per frame. Default false: side by side in `softbr bench` (softbr-tap
   * against softbr-tap-uring, 7 runs of 3–5 rounds) read() delivered 3–12% more 60-byte frames in
   * 6 of the 7 runs, and each ping cost ~1 µs less CPU (the multishot read's task work interrupts the
   * loop's epoll_wait with EINTR and costs one more epoll_wait per wakeup). TAP ports ask for
   * ioUringReadDefault().
   */
  ioUringRead?: boolean;
  /**
   * AF_PACKET only: receive through an mmap'ed PACKET_RX_RING (TPACKET_V2) instead of a
   * recvmmsg() per batch; where the kernel refuses, recvmmsg() and stats().rx.ringError says
   * why. Default false; AF_PACKET ports ask for packetRingDefault().
   */
  packetRing?: boolean;
}

/** A fast path switched on unless its variable says off (or 0, no, false). */
function switchedOn(v: string | undefined): boolean {
  return v === undefined || !['off', '0', 'no', 'false'].includes(v.toLowerCase());
}

/**
 * Whether TAP ports use io_uring when not told: yes, unless SOFTBR_IO_URING=off (or 0, no),
 * which keeps the read()/write() path, e.g. to measure one against the other.
 */
export function ioUringDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  return switchedOn(env.SOFTBR_IO_URING);
}

/**
 * Whether TAP ports on io_uring also receive through it (FdIOOptions.ioUringRead) when not told:
 * no, unless SOFTBR_IO_URING_READ=on (or 1, yes).
 */
export function ioUringReadDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SOFTBR_IO_URING_READ !== undefined && switchedOn(env.SOFTBR_IO_URING_READ);
}

/**
 * Whether AF_PACKET ports receive through the shared-memory ring when not told: yes, unless
 * SOFTBR_PACKET_RING=off (or 0, no), which keeps recvmmsg().
 */
export function packetRingDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  return switchedOn(env.SOFTBR_PACKET_RING);
}

/** Frames the addon dropped, by the engine's drop reasons; structurally bridge/port-io.ts's DriverDrops. */
export interface FdDrops {
  malformed: number;
  no_buffer: number;
  tx_error: number;
}

export interface FdIOStats {
  rx: PollerStats;
  tx: WriterStats;
  /** send() refusals: closed or dead port, or a frame larger than maxFrameBytes. */
  txRefused: number;
  /** Super-frames received whole and cut for ports that could not take them. */
  superCut: number;
  down: string | null;
}


function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The rule for an errno number, looked up by name once per distinct errno (no string per failed batch). */
const rulesByErrno = new Map<number, ErrnoRule>();
function ruleFor(errno: number): ErrnoRule {
  let r = rulesByErrno.get(errno);
  if (r === undefined) {
    r = errnoRule(errnoName(errno));
    rulesByErrno.set(errno, r);
  }
  return r;
}

export class FdIO {
  readonly fd: number;
  /** Receive slot size: the longest frame the poller can deliver whole. */
  readonly slotBytes: number;
  readonly rxBuf: Uint8Array;
  readonly rxOffs: Int32Array;
  readonly rxLens: Int32Array;
  /** Per queued frame: the writer's source slot of the buffer it lies in. */
  readonly txSrcs: Int32Array;
  readonly txOffs: Int32Array;
  readonly txLens: Int32Array;
  private readonly txMax: number;
  private txCount = 0;
  /** The buffers set as the writer's sources, by slot; the slot the last frame used; the next slot to take. */
  private readonly sources: (Uint8Array | null)[];
  private lastSource = 0;
  private nextSource = 0;
  private txRefused = 0;
  private readonly poller: NativePoller;
  private readonly writer: NativeWriter;
  private sink: FdSink | null = null;
  /** errno name once the device is gone for good. */
  private dead: string | null = null;
  private deadReason = '';
  /** The sink was told linkDown (and not linkUp since): never tell it twice. */
  private downTold = false;
  /** While an AF_PACKET device is down: the timer that watches for it to come back or vanish. */
  private carrierWatch: NodeJS.Timeout | null = null;
  private readonly mode: 'tap' | 'packet';
  private closed = false;
  private started = false;
  /** With vnet headers: the side arrays of super-frames handed up whole (once a sink takes them). */
  private readonly superFrames: SuperFrames | null;
  /** Set when the fd carries virtio-net headers: writes one super-frame whole (PortIO.sendSuper). */
  readonly sendSuper: ((buf: Uint8Array, off: number, len: number, offload: RxOffload, i: number) => boolean) | undefined;

  constructor(fd: number, private readonly label: string, opts: FdIOOptions) {
    const n = native();
    this.fd = fd;
    this.mode = opts.mode;
    const mode = opts.mode === 'tap' ? n.constants.MODE_TAP : n.constants.MODE_PACKET;
    const rxFrames = opts.rxBatchFrames ?? 64;
    const txFrames = opts.txBatchFrames ?? 64;
    // +4: the addon reads AF_PACKET frames 4 bytes into the slot so it can put a VLAN tag back.
    this.slotBytes = roundUp(opts.maxFrameBytes + 4, 64);
    // With vnet headers (AF_PACKET, or a TAP in offload mode): past the receive slots, an equal
    // area (and as many extra offs/lens entries) for the frames the addon cuts out of GSO
    // super-frames.
    const segArea = opts.vnetHdr === true;
    const vnetTap = segArea && opts.mode === 'tap';
    // A vnet TAP reads whole super-frames (up to 64 KiB) into a packed area, each read with a
    // slot + 64 KiB free: room for two of them per batch besides the small frames.
    // io_uring reads (a TAP asking for them, rxFrames a power of two): the poller's multishot read
    // fills one buffer per frame, each a slot — or, with vnet headers, a header and a super-frame.
    const ioUring = opts.mode === 'tap' && opts.ioUring === true;
    const uringBufBytes = ioUring && opts.ioUringRead === true && (rxFrames & (rxFrames - 1)) === 0
      ? (vnetTap ? roundUp(n.constants.VNET_HDR_LEN + this.slotBytes + n.constants.SUPER_FRAME_BYTES, 64) : this.slotBytes)
      : 0;
    const packed = uringBufBytes > 0
      ? uringBufBytes * rxFrames
      : vnetTap ? this.slotBytes * rxFrames + 2 * (this.slotBytes + n.constants.SUPER_FRAME_BYTES) : this.slotBytes * rxFrames;
    this.rxBuf = new Uint8Array(packed + (segArea ? this.slotBytes * rxFrames : 0));
    this.rxOffs = new Int32Array(rxFrames * (segArea ? 2 : 1));
    this.rxLens = new Int32Array(rxFrames * (segArea ? 2 : 1));
    this.txSrcs = new Int32Array(txFrames);
    this.sources = new Array<Uint8Array | null>(n.constants.WRITER_SOURCES).fill(null);
    this.txOffs = new Int32Array(txFrames);
    this.txLens = new Int32Array(txFrames);
    this.txMax = txFrames;
    // Both callbacks are made once here: the per-batch path allocates nothing.
    this.poller = new n.Poller(
      fd,
      mode,
      opts.vnetHdr === true,
      this.rxBuf,
      this.rxOffs,
      this.rxLens,
      this.slotBytes,
      rxFrames,
      opts.maxBatchesPerWakeup ?? 4,
      (count: number, supers: number) => deliverBatch(this.sink, this.rxBuf, this.rxOffs, this.rxLens, count, supers, this.superFrames),
      (name: string, errno: number) => this.readFailed(name, errno),
      uringBufBytes,
      opts.mode === 'packet' && opts.packetRing === true,
    );
    this.writer = new n.Writer(fd, mode, opts.vnetHdr === true, this.txSrcs, this.txOffs, this.txLens, ioUring);
    this.superFrames = segArea ? new SuperFrames(this.rxOffs.length) : null;
    const hdrBytes = n.constants.VNET_HDR_LEN;
    this.sendSuper = opts.vnetHdr === true
      ? (buf, off, len, offload, i) => this.writeSuper(buf, off, len, offload.hdrs, i * hdrBytes)
      : undefined;
  }

  /** A super-frame written now, after what was queued before it; its failures count as writer drops. */
  private writeSuper(buf: Uint8Array, off: number, len: number, hdrs: Uint8Array, hdrOff: number): boolean {
    if (this.closed || this.dead !== null) {
      this.txRefused++;
      return false;
    }
    this.flush();
    const errno = this.writer.writeSuper(buf, off, len, hdrs, hdrOff);
    if (errno !== 0 && ruleFor(errno).tx.down) this.fail(errnoName(errno), true);
    return true;
  }

  /** Why the device is gone for good (errno name), or null while it works. */
  get downReason(): string | null {
    return this.dead;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Queues the frame where it lies (buf must stay as it is until flush(), as PortIO promises);
   * flushes early when the queue is full.
   */
  send(buf: Uint8Array, off: number, len: number): boolean {
    if (this.closed || this.dead !== null || len > this.slotBytes || len <= 0 || off < 0 || off + len > buf.length) {
      this.txRefused++;
      return false;
    }
    if (this.txCount === this.txMax) this.flush();
    let k = this.lastSource;
    if (this.sources[k] !== buf) k = this.sourceSlot(buf);
    const i = this.txCount;
    this.txSrcs[i] = k;
    this.txOffs[i] = off;
    this.txLens[i] = len;
    this.txCount = i + 1;
    return true;
  }

  /** The writer's slot for buf, setting it as a source first if it is not one (rare: buffers are long-lived). */
  private sourceSlot(buf: Uint8Array): number {
    const s = this.sources;
    for (let k = 0; k < s.length; k++) {
      if (s[k] === buf) {
        this.lastSource = k;
        return k;
      }
    }
    const k = this.nextSource;
    this.nextSource = (k + 1) % s.length;
    // frames queued from the buffer in that slot go out before it is replaced
    if (this.txCount > 0) this.flush();
    s[k] = buf;
    this.writer.setSource(k, buf);
    this.lastSource = k;
    return k;
  }

  /** One native call for everything queued since the last flush. */
  flush(): void {
    const count = this.txCount;
    if (count === 0) return;
    this.txCount = 0;
    if (this.closed || this.dead !== null) return;
    const errno = this.writer.writeBatch(count);
    // The frames not sent are counted in writer stats (see drops()); only an errno the policy
    // calls fatal ends the port.
    if (errno !== 0 && ruleFor(errno).tx.down) this.fail(errnoName(errno), true);
  }

  start(sink: FdSink): void {
    if (this.closed) throw new Error(`${this.label}: start() after close()`);
    this.sink = sink;
    if (this.dead !== null) {
      this.downTold = true;
      sink.linkDown(this.deadReason);
      return;
    }
    if (sink.takesSuperFrames === true && this.superFrames !== null) {
      this.poller.setSuperFrames(this.superFrames.hdrs, this.superFrames.segLen);
    }
    if (!this.started) {
      this.started = true;
      this.poller.start();
    }
  }

  /** Let the process exit even while this port is receiving (the daemon keeps it ref'd). */
  unref(): void {
    this.poller.unref();
  }

  ref(): void {
    this.poller.ref();
  }

  stats(): FdIOStats {
    return { rx: this.poller.stats(), tx: this.writer.stats(), txRefused: this.txRefused, superCut: this.superFrames?.cut ?? 0, down: this.dead };
  }

  /**
   * What the addon dropped, by drop reason: frames it could not deliver whole (longer than a
   * slot, shorter than an Ethernet or virtio-net header, unsegmentable GSO) are malformed; sends
   * that failed count as errno-policy.ts classifies their errno. For scrape time, not per frame.
   */
  drops(): FdDrops {
    const rx = this.poller.stats();
    const tx = classifyTxDrops(this.writer.stats().drops);
    return { malformed: rx.truncated + rx.runts + rx.shortVnetHdr + rx.gso, no_buffer: tx.no_buffer, tx_error: tx.tx_error };
  }

  /** Stops polling and closes the fd. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWatch();
    this.txCount = 0;
    this.sources.fill(null);
    // The uv handle must leave epoll before the fd number can be reused: poller first.
    this.poller.close();
    this.writer.close();
    native().closeFd(this.fd);
    this.sink = null;
  }

  /** A read failed: the policy says whether the device is gone, only down for now, or neither. */
  private readFailed(name: string, errno: number): void {
    const action = ruleFor(errno).rx;
    if (action === 'down') this.fail(name, false);
    else if (action === 'carrier') this.deviceDown(name);
  }

  private fail(name: string, fromTx: boolean): void {
    if (this.dead !== null || this.closed) return;
    this.dead = name;
    const reason = `${this.label}: ${name}`;
    this.deadReason = reason;
    this.poller.stop();
    this.stopWatch();
    const sink = this.sink;
    if (sink === null || this.downTold) return; // start() reports it; or the sink knows already
    this.downTold = true;
    // A tx failure surfaces inside the engine's forwarding of another port's batch; tell the
    // engine after that batch, not in the middle of it.
    if (fromTx) queueMicrotask(() => sink.linkDown(reason));
    else sink.linkDown(reason);
  }

  /**
   * ENETDOWN on an AF_PACKET socket: its device was set down — or is being deleted, which takes
   * it down first and then reports nothing more to the socket. Tell the sink now, then watch:
   * the device coming back up means linkUp; the socket losing its binding means it is gone.
   */
  private deviceDown(name: string): void {
    if (this.mode !== 'packet' || this.dead !== null || this.closed || this.carrierWatch !== null) return;
    const sink = this.sink;
    if (sink !== null && !this.downTold) {
      this.downTold = true;
      sink.linkDown(`${this.label}: ${name}`);
    }
    this.carrierWatch = setInterval(() => this.checkDevice(), 100);
    this.carrierWatch.unref();
  }

  private checkDevice(): void {
    const n = native();
    let flags = -1;
    try {
      const idx = n.packetBoundIfindex(this.fd);
      flags = idx > 0 ? n.ifFlagsByIndex(idx) : -1;
    } catch {
      flags = -1;
    }
    if (flags < 0) {
      this.fail('ENODEV', false); // already reported down: only records why
      return;
    }
    if ((flags & n.constants.IFF_UP) === 0) return;
    this.stopWatch();
    if (this.downTold) {
      this.downTold = false;
      this.sink?.linkUp?.();
    }
  }

  private stopWatch(): void {
    if (this.carrierWatch !== null) {
      clearInterval(this.carrierWatch);
      this.carrierWatch = null;
    }
  }
}
