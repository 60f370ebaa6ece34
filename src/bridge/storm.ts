// Storm control: a per-ingress-port limit on the frames of each flood class (unknown unicast,
// broadcast, multicast) per second, as switches' `storm-control` does. One token bucket per class
// on the bridge's clock; a frame over the limit is dropped before it is flooded (reason `storm`).
// A port without limits has `storm === null`, so the flood path pays one comparison; with limits
// it pays a few float operations on preallocated arrays and allocates nothing.
// (Classes are indexed by their CLASS_* numbers of egress.ts, whose names Bridge.setStorm maps:
// port.ts holds a StormControl, and egress.ts reads port.ts, so this file imports neither.)

/** The highest rate one class may be limited to, frames per second (above any port's line rate). */
export const STORM_RATE_MAX = 100_000_000;
/**
 * How much a bucket holds, as time at the configured rate: a burst of up to 100 ms' worth passes
 * at once (an ARP burst after a link comes up), never more; at least one frame.
 */
export const STORM_BURST_MS = 100;

export class StormControl {
  /** Frames per second by flood class (CLASS_UNKNOWN_UNICAST, _BROADCAST, _MULTICAST); 0 = no limit. */
  private readonly rate = new Float64Array(3);
  private readonly cap = new Float64Array(3);
  private readonly tokens = new Float64Array(3);
  private readonly last = new Float64Array(3);
  /** Frames dropped per class, for `storm show`; the port's dropStorm is their sum. */
  readonly dropped = new Float64Array(3);

  constructor(rates: ArrayLike<number>, now: number) {
    this.set(rates, now);
  }

  /** Replaces every limit, by class number (0 = no limit); buckets start full. Nothing changes on a bad rate. */
  set(rates: ArrayLike<number>, now: number): void {
    for (let c = 0; c < 3; c++) {
      const r = rates[c] ?? 0;
      if (!Number.isInteger(r) || r < 0 || r > STORM_RATE_MAX) {
        throw new RangeError(`storm control rate ${String(r)} (flood class ${c}): an integer from 0 (no limit) to ${STORM_RATE_MAX} frames per second`);
      }
    }
    for (let c = 0; c < 3; c++) {
      const r = rates[c] ?? 0;
      this.rate[c] = r;
      this.cap[c] = Math.max(1, (r * STORM_BURST_MS) / 1000);
      this.tokens[c] = this.cap[c]!;
      this.last[c] = now;
    }
  }

  /** The limit of flood class c, frames per second (0 = none). */
  rateOf(c: number): number {
    return this.rate[c] ?? 0;
  }

  /** True when no class has a limit (the port then drops its StormControl). */
  get empty(): boolean {
    return this.rate[0] === 0 && this.rate[1] === 0 && this.rate[2] === 0;
  }

  /**
   * Takes one frame of flood class cls at time now (ms) from its bucket; false when the bucket is
   * empty (the caller drops and counts the frame). The clock moving backwards adds nothing.
   */
  admit(cls: number, now: number): boolean {
    const r = this.rate[cls]!;
    if (r === 0) return true;
    const dt = now - this.last[cls]!;
    let t = this.tokens[cls]!;
    if (dt > 0) {
      t += (dt * r) / 1000;
      const cap = this.cap[cls]!;
      if (t > cap) t = cap;
      this.last[cls] = now;
    }
    if (t < 1) {
      this.tokens[cls] = t;
      this.dropped[cls] = this.dropped[cls]! + 1;
      return false;
    }
    this.tokens[cls] = t - 1;
    return true;
  }
}
