// The capture hook's fast half: a preallocated ring of frame copies that a port's `capture` hook
// fills on the forwarding path, and that a drain empties off it. When the ring is full the
// *capture* loses the frame (counted in `dropped`); forwarding is never slowed or dropped.
// Nothing here allocates per frame: bytes go into one Uint8Array, metadata into typed arrays.
import type { PortCapture } from '../bridge/port.js';
import { type Direction, DIRECTIONS } from '../bridge/port-capture.js';

export const DIR_IN = 0;
export const DIR_OUT = 1;
// the fan-out and the direction words are the engine's (mirror sessions use the hook too)
export { type Direction, DIRECTIONS };
export { CaptureFanout, MAX_CAPTURES_PER_PORT, attachCapture, detachCapture } from '../bridge/port-capture.js';

export const DEFAULT_RING_BYTES = 4 << 20;
export const DEFAULT_RING_FRAMES = 4096;
export const DEFAULT_SNAPLEN = 262144;

export interface RingOptions {
  /** Bytes of frame data the ring holds (default 4 MiB). */
  bytes?: number;
  /** Frames the ring holds (default 4096). */
  frames?: number;
  /** Bytes kept of each frame (default 262144, i.e. whole frames). */
  snaplen?: number;
  /** Which frames to keep (default both). */
  direction?: Direction;
  /** Stop accepting after this many frames (0 = no limit). */
  count?: number;
  /** Called when the ring goes from empty to non-empty, so the owner can schedule one drain. */
  onFirst?: () => void;
}

/** What a drain hands out: `data` is a view into the ring, valid only during the call. */
export type DrainFn = (dir: 0 | 1, tsMs: number, data: Uint8Array, origLen: number) => void;

// A native memcpy that takes any Uint8Array as `this` and allocates nothing (set(subarray())
// would make a view object per captured frame).
const bufferCopy = Buffer.prototype.copy as (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number;

/** Wall-clock ms with sub-ms precision, without allocating (Date.now() has only ms). */
function wallMs(): number { return performance.timeOrigin + performance.now(); }

export class CaptureRing implements PortCapture {
  readonly data: Uint8Array;
  readonly slots: number;
  readonly snaplen: number;
  /** Bit 0: keep frames in; bit 1: keep frames out. */
  readonly dirMask: number;
  /** Frame limit (0 = none). */
  readonly limit: number;
  private readonly soff: Int32Array;
  private readonly slen: Int32Array;
  private readonly sorig: Int32Array;
  private readonly sdir: Uint8Array;
  private readonly sts: Float64Array;
  /** Oldest unread slot and how many are in use. */
  private head = 0;
  private n = 0;
  /** Byte positions: the writer's next free byte and the oldest unread byte. */
  private wpos = 0;
  private rpos = 0;
  /** True when the writer has wrapped to the start and sits behind the reader. */
  private wrapped = false;
  private readonly onFirst: (() => void) | null;

  /** Frames taken into the ring (never more than limit). */
  accepted = 0;
  /** Frames the ring had no room for (capture drops; forwarding is unaffected). */
  dropped = 0;
  /** Frames handed to a drain. */
  delivered = 0;
  /** Once set, frame() ignores everything (the capture is ending). */
  stopped = false;

  constructor(opts: RingOptions = {}) {
    const bytes = opts.bytes ?? DEFAULT_RING_BYTES;
    const frames = opts.frames ?? DEFAULT_RING_FRAMES;
    const snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    if (!Number.isInteger(bytes) || bytes < 64 || bytes > 1 << 30) throw new RangeError(`capture ring size ${bytes} bytes: allowed 64 to ${1 << 30}`);
    if (!Number.isInteger(frames) || frames < 1 || frames > 1 << 20) throw new RangeError(`capture ring of ${frames} frames: allowed 1 to ${1 << 20}`);
    if (!Number.isInteger(snaplen) || snaplen < 14 || snaplen > DEFAULT_SNAPLEN) throw new RangeError(`snaplen ${snaplen}: allowed 14 to ${DEFAULT_SNAPLEN}`);
    const direction = opts.direction ?? 'both';
    if (!DIRECTIONS.includes(direction)) throw new RangeError(`capture direction '${String(direction)}': allowed ${DIRECTIONS.join(', ')}`);
    const count = opts.count ?? 0;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`capture count ${count}: must be a whole number ≥ 0`);
    this.data = new Uint8Array(bytes);
    this.slots = frames;
    this.snaplen = snaplen;
    this.dirMask = direction === 'in' ? 1 : direction === 'out' ? 2 : 3;
    this.limit = count;
    this.soff = new Int32Array(frames);
    this.slen = new Int32Array(frames);
    this.sorig = new Int32Array(frames);
    this.sdir = new Uint8Array(frames);
    this.sts = new Float64Array(frames);
    this.onFirst = opts.onFirst ?? null;
  }

  /** Frames waiting for a drain. */
  get pending(): number { return this.n; }

  /** True once limit frames were taken in (the capture can end after the next drain). */
  get full(): boolean { return this.limit > 0 && this.accepted >= this.limit; }

  /** The PortCapture hook: called by the bridge for every frame in (0) or out (1) of the port. */
  frame(dir: 0 | 1, buf: Uint8Array, off: number, len: number): void {
    if (this.stopped || ((this.dirMask >> dir) & 1) === 0) return;
    if (this.limit > 0 && this.accepted >= this.limit) return;
    const incl = len < this.snaplen ? len : this.snaplen;
    const size = this.data.length;
    if (this.n === this.slots) { this.dropped++; return; }
    let at: number;
    if (this.n === 0) {
      // empty: start over at the beginning so records stay contiguous as long as possible
      this.wpos = 0; this.rpos = 0; this.wrapped = false;
      if (incl > size) { this.dropped++; return; }
      at = 0;
    } else if (!this.wrapped) {
      if (size - this.wpos >= incl) at = this.wpos;
      else if (this.rpos >= incl) { at = 0; this.wrapped = true; } // the tail bytes stay unused this lap
      else { this.dropped++; return; }
    } else {
      if (this.rpos - this.wpos >= incl) at = this.wpos;
      else { this.dropped++; return; }
    }
    bufferCopy.call(buf, this.data, at, off, off + incl);
    let s = this.head + this.n;
    if (s >= this.slots) s -= this.slots;
    this.soff[s] = at;
    this.slen[s] = incl;
    this.sorig[s] = len;
    this.sdir[s] = dir;
    this.sts[s] = wallMs();
    this.wpos = at + incl;
    this.accepted++;
    if (this.n++ === 0 && this.onFirst !== null) this.onFirst();
  }

  /** Hands up to max waiting frames to fn, oldest first, and frees their room. Returns how many. */
  drain(fn: DrainFn, max = Infinity): number {
    let done = 0;
    while (this.n > 0 && done < max) {
      const s = this.head;
      const at = this.soff[s]!;
      const incl = this.slen[s]!;
      // free the slot before calling out, so a throwing consumer cannot wedge the ring
      this.head = s + 1 === this.slots ? 0 : s + 1;
      this.n--;
      if (this.n === 0) {
        this.wpos = 0; this.rpos = 0; this.wrapped = false;
      } else {
        const next = this.soff[this.head]!;
        if (next < at) this.wrapped = false; // the reader followed the writer round to the start
        this.rpos = next;
      }
      done++;
      this.delivered++;
      // the view stays valid during fn: nothing writes to the ring while this loop runs
      fn(this.sdir[s] as 0 | 1, this.sts[s]!, this.data.subarray(at, at + incl), this.sorig[s]!);
    }
    return done;
  }
}
