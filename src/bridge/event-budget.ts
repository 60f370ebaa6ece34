// The budget of per-MAC events (learned, moved, aged, evicted) one bridge reports per second. A
// flood of random source MACs would otherwise hand every monitor client, log and web view one
// event per frame (two under evict-oldest); past the budget such events are counted instead,
// and a summary ('mac-events-suppressed', at most one per SUMMARY_MS) says how many were left
// out. The bridge's counters (learned, aged, evicted, moved) still count every one of them.

/** Per-MAC events a bridge reports per second; its burst is one second's worth. */
export const MAC_EVENTS_PER_SECOND = 1000;
/** At most one summary of suppressed events per this many milliseconds. */
export const SUMMARY_MS = 1000;

export class EventBudget {
  private tokens: number;
  private last: number | undefined;
  private lastSummary: number | undefined;
  /** Events left out since the last summary. */
  suppressed = 0;

  constructor(private readonly perSecond = MAC_EVENTS_PER_SECOND) {
    this.tokens = perSecond;
  }

  /** True when one more event may be reported at clock time now (ms); false counts it as suppressed. */
  take(now: number): boolean {
    if (this.last !== undefined && now > this.last) {
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    }
    if (this.last === undefined || now > this.last) this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.suppressed++;
    return false;
  }

  /** The number of suppressed events to report now (and resets it), or 0 when there is none or it is too soon. */
  summary(now: number): number {
    if (this.suppressed === 0) return 0;
    if (this.lastSummary !== undefined && now - this.lastSummary < SUMMARY_MS) return 0;
    this.lastSummary = now;
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}
