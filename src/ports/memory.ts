// In-memory ports for tests and simulations: MemoryPort (a PortIO with no kernel device),
// MemoryLink (a cable between two of them that can be cut and restored) and MemoryNet (the
// FIFO that carries flushed batches to their receivers).
//
// Delivery: flush() hands the port's whole tx batch to its MemoryNet queue (no copy: the port
// takes a fresh batch from the net's pool). The net delivers queued batches in FIFO order from
// a loop, never by nested calls, so a frame crossing fifty bridges uses constant stack depth.
//  - mode 'sync' (default): the outermost flush()/inject() drains the queue before returning,
//    including everything the receivers flush meanwhile. A drain stops after
//    maxBatchesPerDrain batches (a loop without STP never settles); the rest stays queued for
//    the next flush or an explicit deliver().
//  - mode 'manual': nothing moves until the test calls net.deliver(limit?).
// Either way the order is deterministic: it depends only on the order of calls.
import type { PortIO, RxSink } from '../bridge/port-io.js';
import { parseMac } from '../frame/mac.js';
import { bufferCopy } from '../frame/bytes.js';

export type MemoryNetMode = 'sync' | 'manual';


export interface MemoryNetOptions {
  mode?: MemoryNetMode;
  /** sync mode: batches one drain delivers at most before returning. Default 100000. */
  maxBatchesPerDrain?: number;
  /** Batches waiting at most; beyond this new batches are dropped (a storm). Default 100000. */
  maxQueuedBatches?: number;
  /** Frames per batch. Default 64. */
  batchFrames?: number;
  /** Bytes per batch buffer (grown to hold at least two frames of the largest MTU). Default 16 KiB. */
  batchBytes?: number;
}

/** A batch of frames in flight, pooled by its MemoryNet. */
class Batch {
  count = 0;
  pos = 0;
  dst: MemoryPort | null = null;
  link: MemoryLink | null = null;
  constructor(
    readonly buf: Uint8Array,
    readonly offs: Int32Array,
    readonly lens: Int32Array,
  ) {}
}

export class MemoryNet {
  /** Shared by ports created without a net, so that links between them drain in one loop. */
  static readonly default = new MemoryNet();

  readonly mode: MemoryNetMode;
  readonly maxBatchesPerDrain: number;
  readonly maxQueuedBatches: number;
  readonly batchFrames: number;
  private batchBytes: number;
  private queue: (Batch | undefined)[] = [];
  private head = 0;
  private tail = 0;
  private pool: Batch[] = [];
  private draining = false;
  /** Counters for tests. */
  deliveredBatches = 0;
  deliveredFrames = 0;
  /** Frames lost: link cut while in flight, receiver not started or closed, queue overflow. */
  droppedFrames = 0;

  constructor(opts: MemoryNetOptions = {}) {
    this.mode = opts.mode ?? 'sync';
    this.maxBatchesPerDrain = opts.maxBatchesPerDrain ?? 100_000;
    this.maxQueuedBatches = opts.maxQueuedBatches ?? 100_000;
    this.batchFrames = opts.batchFrames ?? 64;
    this.batchBytes = opts.batchBytes ?? 16384;
  }

  /** Batches waiting for delivery. */
  get pending(): number {
    return this.tail - this.head;
  }

  /** Make room for frames of maxFrameBytes (called per port, not per frame). */
  ensureFrameBytes(maxFrameBytes: number): void {
    const want = maxFrameBytes * 2;
    if (want > this.batchBytes) {
      this.batchBytes = want;
      this.pool.length = 0; // old, smaller buffers are simply not reused
    }
  }

  /** A clean batch from the pool (allocated only when the pool is empty). */
  take(): Batch {
    const b = this.pool.pop();
    if (b !== undefined && b.buf.length >= this.batchBytes) return b;
    return new Batch(new Uint8Array(this.batchBytes), new Int32Array(this.batchFrames), new Int32Array(this.batchFrames));
  }

  release(b: Batch): void {
    b.count = 0;
    b.pos = 0;
    b.dst = null;
    b.link = null;
    this.pool.push(b);
  }

  /** Queue a batch for its dst; in sync mode deliver unless a drain is already running. */
  enqueue(b: Batch): void {
    if (this.tail - this.head >= this.maxQueuedBatches) {
      this.droppedFrames += b.count;
      this.release(b);
      return;
    }
    if (this.head > 0 && this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
    this.queue[this.tail++] = b;
    if (this.mode === 'sync' && !this.draining) this.deliver(this.maxBatchesPerDrain);
  }

  /**
   * Delivers queued batches in FIFO order, including ones queued while delivering, until the
   * queue is empty or `limit` batches went out. Returns the number delivered. A call made
   * from inside a delivery returns 0 at once: the running loop takes care of it.
   */
  deliver(limit = Infinity): number {
    if (this.draining) return 0;
    this.draining = true;
    let n = 0;
    try {
      while (this.head < this.tail && n < limit) {
        const b = this.queue[this.head]!;
        this.queue[this.head++] = undefined;
        n++;
        try {
          const dst = b.dst;
          if (dst === null || (b.link !== null && !b.link.isUp) || !dst.acceptBatch(b)) this.droppedFrames += b.count;
          else {
            this.deliveredBatches++;
            this.deliveredFrames += b.count;
          }
        } finally {
          this.release(b);
        }
      }
      if (this.head === this.tail) {
        this.head = 0;
        this.tail = 0;
        // Drop a queue array that grew large during a burst.
        if (this.queue.length > 1024) this.queue = [];
      }
    } finally {
      this.draining = false;
    }
    return n;
  }
}

export interface MemoryPortOptions {
  name: string;
  /** 48-bit number or 'aa:bb:…'. Default: 02:00:00:00:xx:xx from a process-wide counter. */
  mac?: number | string;
  mtu?: number;
  speedMbps?: number;
  /** Keep copies of flushed frames in `sent` even when linked (always kept when not linked). */
  capture?: boolean;
  net?: MemoryNet;
}

let macCounter = 0;

export class MemoryPort implements PortIO {
  readonly kind = 'memory';
  readonly name: string;
  readonly mac: number;
  readonly mtu: number;
  readonly speedMbps: number;
  readonly net: MemoryNet;
  /** The cable, once connected. */
  link: MemoryLink | null = null;
  /** Copies of flushed frames: always when not linked, when linked only with capture: true. */
  readonly sent: Uint8Array[] = [];
  capture: boolean;
  // Counters (plain fields; read them, do not rely on their being reset).
  txFrames = 0;
  txDropped = 0;
  rxFrames = 0;
  rxDropped = 0;
  private readonly maxFrame: number;
  private tx: Batch;
  private sink: RxSink | null = null;
  private closed = false;

  constructor(opts: MemoryPortOptions) {
    this.name = opts.name;
    this.mac = opts.mac === undefined ? 0x020000000000 + ++macCounter : typeof opts.mac === 'string' ? parseMac(opts.mac) : opts.mac;
    this.mtu = opts.mtu ?? 1500;
    this.speedMbps = opts.speedMbps ?? 10000;
    this.capture = opts.capture === true;
    this.net = opts.net ?? MemoryNet.default;
    this.maxFrame = this.mtu + 22; // header + two VLAN tags
    this.net.ensureFrameBytes(this.maxFrame);
    this.tx = this.net.take();
  }

  /** Two new ports joined by a link: `const { a, b } = MemoryPort.pair('p1', 'p2')`. */
  static pair(a: MemoryPortOptions | string, b: MemoryPortOptions | string, net?: MemoryNet): MemoryLink {
    const oa = typeof a === 'string' ? { name: a } : a;
    const ob = typeof b === 'string' ? { name: b } : b;
    const n = net ?? oa.net ?? ob.net ?? MemoryNet.default;
    return new MemoryLink(new MemoryPort({ ...oa, net: n }), new MemoryPort({ ...ob, net: n }));
  }

  get started(): boolean {
    return this.sink !== null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(buf: Uint8Array, off: number, len: number): boolean {
    if (this.closed || len <= 0 || len > this.maxFrame || (this.link !== null && !this.link.isUp)) {
      this.txDropped++;
      return false;
    }
    let b = this.tx;
    if (b.count === b.offs.length || b.pos + len > b.buf.length) {
      this.flush();
      b = this.tx;
    }
    bufferCopy.call(buf, b.buf, b.pos, off, off + len);
    b.offs[b.count] = b.pos;
    b.lens[b.count] = len;
    b.count++;
    b.pos += (len + 7) & ~7;
    return true;
  }

  flush(): void {
    const b = this.tx;
    if (b.count === 0) return;
    this.txFrames += b.count;
    if (this.link === null || this.capture) {
      for (let i = 0; i < b.count; i++) this.sent.push(b.buf.slice(b.offs[i], b.offs[i]! + b.lens[i]!));
    }
    const link = this.link;
    if (link === null) {
      b.count = 0;
      b.pos = 0;
      return;
    }
    // Hand the filled batch to the net and continue with a fresh one: no copy per hop.
    this.tx = this.net.take();
    b.dst = link.other(this);
    b.link = link;
    this.net.enqueue(b);
  }

  start(sink: RxSink): void {
    if (this.closed) throw new Error(`memory port ${this.name}: start() after close()`);
    this.sink = sink;
  }

  /**
   * Frames arriving on this port from the outside (as if from the wire), in one batch.
   * Goes through the net like any batch: delivered before return in sync mode.
   */
  inject(frames: Uint8Array | readonly Uint8Array[]): void {
    const list: readonly Uint8Array[] = frames instanceof Uint8Array ? [frames] : frames;
    let b = this.net.take();
    for (const f of list) {
      if (b.count === b.offs.length || b.pos + f.length > b.buf.length) {
        b.dst = this;
        this.net.enqueue(b);
        b = this.net.take();
      }
      if (f.length > b.buf.length) throw new RangeError(`frame of ${f.length} bytes is larger than a memory batch`);
      b.buf.set(f, b.pos);
      b.offs[b.count] = b.pos;
      b.lens[b.count] = f.length;
      b.count++;
      b.pos += (f.length + 7) & ~7;
    }
    b.dst = this;
    this.net.enqueue(b);
  }

  /** Returns the captured frames and forgets them. */
  takeSent(): Uint8Array[] {
    return this.sent.splice(0, this.sent.length);
  }

  /** @internal Called by MemoryNet: hand a batch to the sink. false = not taken (counted as dropped). */
  acceptBatch(b: Batch): boolean {
    const s = this.sink;
    if (s === null || this.closed) {
      this.rxDropped += b.count;
      return false;
    }
    this.rxFrames += b.count;
    s.receiveBatch(b.buf, b.offs, b.lens, b.count);
    return true;
  }

  /** @internal Link state change, from MemoryLink. */
  notifyLink(up: boolean, reason: string): void {
    const s = this.sink;
    if (s === null || this.closed) return;
    if (up) s.linkUp?.();
    else s.linkDown(reason);
  }

  /** Stops delivery to the sink; the far end of a link sees its carrier drop. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tx.count = 0;
    this.tx.pos = 0;
    this.sink = null;
    const link = this.link;
    if (link !== null && link.isUp) link.other(this).notifyLink(false, `peer ${this.name} closed`);
  }
}

/** A cable between two memory ports: frames flushed on one arrive at the other. */
export class MemoryLink {
  private _up = true;

  constructor(
    readonly a: MemoryPort,
    readonly b: MemoryPort,
  ) {
    if (a === b) throw new Error(`cannot link memory port ${a.name} to itself`);
    if (a.net !== b.net) throw new Error(`memory ports ${a.name} and ${b.name} belong to different MemoryNets`);
    if (a.link !== null || b.link !== null) throw new Error(`memory port ${(a.link !== null ? a : b).name} is already linked`);
    a.link = this;
    b.link = this;
  }

  /** Link two existing ports. */
  static connect(a: MemoryPort, b: MemoryPort): MemoryLink {
    return new MemoryLink(a, b);
  }

  get isUp(): boolean {
    return this._up;
  }

  other(p: MemoryPort): MemoryPort {
    return p === this.a ? this.b : this.a;
  }

  /** Cut the cable: both sinks get linkDown(reason); frames in flight are lost. */
  down(reason = 'link down'): void {
    if (!this._up) return;
    this._up = false;
    this.a.notifyLink(false, reason);
    this.b.notifyLink(false, reason);
  }

  /** Restore the cable: both sinks get linkUp(). */
  up(): void {
    if (this._up) return;
    this._up = true;
    this.a.notifyLink(true, 'link up');
    this.b.notifyLink(true, 'link up');
  }
}
