// One direction of one impaired port: decides per frame what the spec does to it (police, lose,
// duplicate, corrupt, delay with jitter, reorder, shape) and holds the frames that wait in a
// bounded delay line: one preallocated area of frame slots used as a FIFO ring, so nothing is
// allocated per frame. Release times only grow along the ring (jitter never reorders; `reorder`
// does, by sending a frame at once past the waiting ones), so the head is always the next due.
// The bridge sends what offer() passes and what it releases; the wheel (wheel.ts) says when.
import { bufferCopy } from '../frame/bytes.js';
import { Prng } from './prng.js';
import { DEFAULT_LIMIT, rateBurst, type ImpairSpec } from './spec.js';

/** offer(): the frame is gone (lost, policed, line full). */
export const OFFER_DROP = 0;
/** offer(): send the frame as it is, now, passCopies times. */
export const OFFER_PASS = 1;
/** offer(): the frame (and its duplicate) waits in the delay line. */
export const OFFER_QUEUED = 2;

/** The most bytes one delay line may take (limit × the port's largest frame). */
export const LINE_BYTES_MAX = 512 * 1024 * 1024;

const SQRT3 = Math.sqrt(3);

export interface ImpairCounters {
  frames: number;
  lost: number;
  duplicated: number;
  corrupted: number;
  reordered: number;
  delayed: number;
  shaped: number;
  policed: number;
  queueFull: number;
  queued: number;
  /** Mean time a released frame really spent in the line (the delay, jitter and shaping plus the timer's lateness). */
  meanWaitMs: number;
}

export class Impairer {
  readonly spec: ImpairSpec;
  /** Port number and direction (0 in, 1 out) this impairer works on, for the bridge's release. */
  readonly portNo: number;
  readonly dir: 0 | 1;
  /** The seed in use (the spec's, else one chosen at random): shown so a run can be repeated. */
  readonly seed: number;
  private readonly rng: Prng;

  // the delay line: slot k is buf[k*slotSize ..][.. lens[k]), due at dues[k]
  readonly buf: Uint8Array;
  private readonly lens: Int32Array;
  private readonly dues: Float64Array;
  /** When each slot's frame arrived, for the time frames really wait (waitedMs). */
  private readonly arrivals: Float64Array;
  private readonly slotSize: number;
  readonly capacity: number;
  private head = 0;
  count = 0;
  private lastDue = 0;

  // effects, copied out of the spec for the per-frame path
  private readonly delayMs: number;
  private readonly jitterMs: number;
  private readonly normal: boolean;
  private readonly corr: number;
  private readonly corrRest: number;
  private lastJitter = 0;
  private readonly loss: number;
  private readonly ge: boolean;
  private readonly geP: number;
  private readonly geR: number;
  private readonly geLossBad: number;
  private readonly geLossGood: number;
  private bad = false;
  private readonly dup: number;
  private readonly reorder: number;
  private readonly corrupt: number;
  // token bucket as GCRA: tat is when the bucket would be full again; a frame may start at tat - tau
  private readonly police: boolean;
  private readonly shape: boolean;
  private readonly perFrame: boolean;
  /** ms per byte (bit rates) or per frame (frame rates). */
  private readonly cost: number;
  /** ms of credit: the burst. */
  private readonly tau: number;
  private tat = -Infinity;

  /** Copies to send for OFFER_PASS (2 when duplicated). */
  passCopies = 1;

  // counters
  frames = 0;
  lost = 0;
  duplicated = 0;
  corrupted = 0;
  reordered = 0;
  /** Frames that waited in the line (delay, shaping or a corrupted copy). */
  delayed = 0;
  /** Frames the shaper held back (waited for tokens). */
  shaped = 0;
  /** Frames the policer dropped (ingress rate exceeded). */
  policed = 0;
  /** Frames dropped because the delay line was full (impair_queue_full). */
  queueFull = 0;
  /** Frames released from the line, and the ms they waited there in all (release − arrival). */
  released = 0;
  waitedMs = 0;

  // the wheel's links (wheel.ts owns them)
  wheelNext: Impairer | null = null;
  wheelPrev: Impairer | null = null;
  wheelDue = 0;
  wheelSlot = -1;

  constructor(spec: ImpairSpec, portNo: number, dir: 0 | 1, maxFrame: number, randomSeed: () => number) {
    this.spec = spec;
    this.portNo = portNo;
    this.dir = dir;
    this.seed = spec.seed ?? randomSeed();
    this.rng = new Prng(this.seed);
    this.delayMs = spec.delayMs;
    this.jitterMs = spec.jitterMs;
    this.normal = spec.distribution === 'normal';
    this.corr = spec.correlation;
    // an AR(1) walk keeps the draws' spread whatever the correlation (netem's mix narrows it)
    this.corrRest = Math.sqrt(1 - spec.correlation * spec.correlation);
    this.loss = spec.loss;
    this.ge = spec.ge !== null;
    this.geP = spec.ge?.p ?? 0;
    this.geR = spec.ge?.r ?? 0;
    this.geLossBad = spec.ge?.lossBad ?? 0;
    this.geLossGood = spec.ge?.lossGood ?? 0;
    this.dup = spec.duplicate;
    this.reorder = spec.reorder;
    this.corrupt = spec.corrupt;
    const r = spec.rate;
    this.police = r !== null && dir === 0;
    this.shape = r !== null && dir === 1;
    this.perFrame = r?.per === 'frame';
    this.cost = r === null ? 0 : r.per === 'frame' ? 1000 / r.value : 8000 / r.value;
    this.tau = r === null ? 0 : rateBurst(r, maxFrame) * this.cost;
    const needsLine = spec.delayMs > 0 || spec.corrupt > 0 || this.shape;
    this.capacity = needsLine ? (spec.limit ?? DEFAULT_LIMIT) : 0;
    this.slotSize = maxFrame;
    if (this.capacity * maxFrame > LINE_BYTES_MAX) {
      throw new RangeError(`limit ${this.capacity}: ${this.capacity} frames of ${maxFrame} bytes is more than the ${LINE_BYTES_MAX >> 20} MiB a delay line may take`);
    }
    this.buf = new Uint8Array(this.capacity * maxFrame);
    this.lens = new Int32Array(this.capacity);
    this.dues = new Float64Array(this.capacity);
    this.arrivals = new Float64Array(this.capacity);
  }

  /** What happens to one frame arriving at now (OFFER_*); a queued frame is copied. */
  offer(buf: Uint8Array, off: number, len: number, now: number): number {
    this.frames++;
    if (this.police) {
      const c = this.perFrame ? this.cost : this.cost * len;
      if (this.tat - this.tau > now) { this.policed++; return 0; }
      this.tat = (this.tat > now ? this.tat : now) + c;
    }
    if (this.ge ? this.geLost() : this.loss > 0 && this.rng.chance(this.loss)) { this.lost++; return 0; }
    let copies = 1;
    if (this.dup > 0 && this.rng.chance(this.dup)) { copies = 2; this.duplicated++; }
    const corrupt = this.corrupt > 0 && this.rng.chance(this.corrupt);
    let due = now;
    if (this.delayMs > 0) {
      // a reordered frame skips the delay (and the shaper: netem puts it at the head); a
      // corrupted one still needs its copy, so it keeps its place
      if (this.reorder > 0 && !corrupt && this.rng.chance(this.reorder)) {
        this.reordered++;
        this.passCopies = copies;
        return 1;
      }
      due = now + this.delayMs + this.jitter();
      if (due < now) due = now;
      if (due < this.lastDue) due = this.lastDue;
    }
    if (this.shape) {
      const c = (this.perFrame ? this.cost : this.cost * len) * copies;
      const start = this.tat - this.tau > due ? this.tat - this.tau : due;
      if (start > due) { this.shaped++; due = start; }
      this.tat = (this.tat > start ? this.tat : start) + c;
    }
    if (!corrupt && due <= now && this.count === 0) { this.passCopies = copies; return 1; }
    for (let k = 0; k < copies; k++) {
      if (this.count === this.capacity) {
        this.queueFull++;
        if (k === 0) return 0;
        break;
      }
      let slot = this.head + this.count;
      if (slot >= this.capacity) slot -= this.capacity;
      const at = slot * this.slotSize;
      bufferCopy.call(buf, this.buf, at, off, off + len);
      this.lens[slot] = len;
      this.dues[slot] = due;
      this.arrivals[slot] = now;
      this.count++;
      if (k === 0 && corrupt) this.flipBit(at, len);
    }
    this.lastDue = due;
    if (due > now) this.delayed++;
    return 2;
  }

  /** Release time of the frame at the head of the line (Infinity when empty). */
  headDue(): number { return this.count === 0 ? Infinity : this.dues[this.head]!; }
  /** Offset in buf of the head frame. */
  headOff(): number { return this.head * this.slotSize; }
  headLen(): number { return this.lens[this.head]!; }
  /** Takes the head frame off the line at now; its bytes stay until the slot is reused (after the bridge's flush). */
  shift(now: number): void {
    this.released++;
    this.waitedMs += now - this.arrivals[this.head]!;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.count--;
  }

  /** Empties the line (the port goes away or is reconfigured); returns how many frames were in it. */
  discard(): number {
    const n = this.count;
    this.count = 0;
    this.head = 0;
    return n;
  }

  counters(): ImpairCounters {
    return {
      frames: this.frames, lost: this.lost, duplicated: this.duplicated, corrupted: this.corrupted, reordered: this.reordered,
      delayed: this.delayed, shaped: this.shaped, policed: this.policed, queueFull: this.queueFull, queued: this.count,
      meanWaitMs: this.released === 0 ? 0 : this.waitedMs / this.released,
    };
  }

  /** Gilbert–Elliott: lose by the current state's probability, then move (netem's order). */
  private geLost(): boolean {
    const rng = this.rng;
    if (this.bad) {
      const lost = rng.chance(this.geLossBad);
      if (rng.chance(this.geR)) this.bad = false;
      return lost;
    }
    const lost = rng.chance(this.geLossGood);
    if (rng.chance(this.geP)) this.bad = true;
    return lost;
  }

  /** A jitter draw in ms: uniform over ±jitter or normal with σ = jitter, correlated with the last one. */
  private jitter(): number {
    if (this.jitterMs === 0) return 0;
    // unit variance either way, so that the correlation keeps the spread
    let x = this.normal ? this.rng.normal() : (this.rng.uniform() * 2 - 1) * SQRT3;
    if (this.corr > 0) {
      x = this.corr * this.lastJitter + this.corrRest * x;
      this.lastJitter = x;
    }
    if (this.normal) return x * this.jitterMs;
    const j = x / SQRT3;
    return (j > 1 ? 1 : j < -1 ? -1 : j) * this.jitterMs;
  }

  /** Flips one bit after the Ethernet header (anywhere in a runt), so the frame still reaches its host. */
  private flipBit(at: number, len: number): void {
    const from = len > 14 ? 14 : 0;
    const bit = this.rng.u32() % ((len - from) * 8);
    this.buf[at + from + (bit >>> 3)]! ^= 1 << (bit & 7);
    this.corrupted++;
  }
}
