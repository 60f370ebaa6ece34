// Which slot of a native writer (src/native/tx-sources.h) holds each buffer that frames are
// queued from: drivers queue a frame where it lies as (slot, offset, length), so nothing is
// copied in JavaScript. The last slot used answers first (a batch comes from one buffer); a new
// buffer takes the next slot round-robin, after the frames queued from that slot's old buffer
// have gone out. Shared by FdIO and the vhost-user port.
export class TxSourceSlots {
  private readonly slots: (Uint8Array | null)[];
  private last = 0;
  private next = 0;

  /**
   * `count` slots (the addon's WRITER_SOURCES); `set` registers a buffer in a slot natively;
   * `flush` sends what is queued (called before a slot's buffer is replaced).
   */
  constructor(count: number, private readonly set: (slot: number, buf: Uint8Array) => void, private readonly flush: () => void) {
    this.slots = new Array<Uint8Array | null>(count).fill(null);
  }

  /** The slot holding buf, setting it first if no slot does (rare: buffers are long-lived). */
  slotOf(buf: Uint8Array): number {
    const k = this.last;
    return this.slots[k] === buf ? k : this.assign(buf);
  }

  /** Forgets every buffer (the driver is closing). */
  clear(): void {
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
