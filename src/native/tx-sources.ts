// A driver's transmit queue of frames that stay where they lie: (slot, offset, length) per frame,
// the slot naming a buffer registered with the native writer (src/native/tx-sources.h), so nothing
// is copied in JavaScript. The last slot used answers first (a batch comes from one buffer); a new
// buffer takes the next slot round-robin, after the frames queued from that slot's old buffer
// have gone out. Shared by FdIO and the vhost-user port.
export class TxQueue {
  readonly srcs: Int32Array;
  readonly offs: Int32Array;
  readonly lens: Int32Array;
  /** Frames queued since the last take(). */
  count = 0;
  private readonly slots: (Uint8Array | null)[];
  private last = 0;
  private next = 0;
  private set: (slot: number, buf: Uint8Array) => void = () => {};
  private flush: () => void = () => {};

  /** `max` frames; `slotCount` buffers at once (the addon's WRITER_SOURCES). */
  constructor(private readonly max: number, slotCount: number) {
    this.srcs = new Int32Array(max);
    this.offs = new Int32Array(max);
    this.lens = new Int32Array(max);
    this.slots = new Array<Uint8Array | null>(slotCount).fill(null);
  }

  /**
   * `set` registers a buffer in a slot natively; `flush` sends what is queued (when the queue is
   * full, and before a slot's buffer is replaced). Given once the native writer exists, which
   * needs the arrays first.
   */
  attach(set: (slot: number, buf: Uint8Array) => void, flush: () => void): void {
    this.set = set;
    this.flush = flush;
  }

  /** Queues buf[off .. off+len) (the caller checked the bounds); flushes first when full. */
  push(buf: Uint8Array, off: number, len: number): void {
    if (this.count === this.max) this.flush();
    const k = this.slots[this.last] === buf ? this.last : this.assign(buf);
    const i = this.count;
    this.srcs[i] = k;
    this.offs[i] = off;
    this.lens[i] = len;
    this.count = i + 1;
  }

  /** The number of frames queued, leaving the queue empty (the caller writes them). */
  take(): number {
    const n = this.count;
    this.count = 0;
    return n;
  }

  /** Forgets what is queued and every buffer (the driver is closing). */
  clear(): void {
    this.count = 0;
    this.slots.fill(null);
  }

  private assign(buf: Uint8Array): number {
    const s = this.slots;
    for (let k = 0; k < s.length; k++) {
      if (s[k] === buf) {
        this.last = k;
        return k;
      }
    }
    const k = this.next;
    this.next = (k + 1) % s.length;
    // frames queued from the buffer in that slot go out before it is replaced
    this.flush();
    s[k] = buf;
    this.set(k, buf);
    this.last = k;
    return k;
  }
}
