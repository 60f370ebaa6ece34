// The bridge's one timer for its delay lines: a hashed timer wheel of 1 ms buckets holding each
// impairer whose line is not empty, filed under its head frame's release time. Links are fields
// of the impairers (intrusive), so scheduling allocates nothing. The bridge asks expire() for what
// is due and nextDue() for when to be woken next (the daemon's single setTimeout per bridge; a
// test's virtual clock).
import type { Impairer } from './impairer.js';

const SIZE = 1024;
const MASK = SIZE - 1;

export class ImpairWheel {
  private readonly buckets: (Impairer | null)[] = new Array<Impairer | null>(SIZE).fill(null);
  /** The ms the wheel has looked at up to (every bucket before it is empty for this round). */
  private cursor = -1;
  /** Impairers on the wheel. */
  size = 0;
  /** A lower bound of the earliest due on the wheel; exact after nextDue(). */
  earliest = Infinity;

  /** Files imp under due (re-files it if it is on the wheel already); Infinity takes it off. */
  schedule(imp: Impairer, due: number): void {
    if (imp.wheelSlot >= 0) {
      if (imp.wheelDue === due) return;
      this.unlink(imp);
    }
    if (due === Infinity) return;
    let ms = Math.floor(due);
    if (this.cursor < 0) this.cursor = ms;
    if (ms < this.cursor) ms = this.cursor;
    const slot = ms & MASK;
    imp.wheelDue = due;
    imp.wheelSlot = slot;
    imp.wheelPrev = null;
    imp.wheelNext = this.buckets[slot]!;
    if (imp.wheelNext !== null) imp.wheelNext.wheelPrev = imp;
    this.buckets[slot] = imp;
    this.size++;
    if (due < this.earliest) this.earliest = due;
  }

  /** Takes one impairer due at or before now off the wheel; null when none is. */
  expire(now: number): Impairer | null {
    if (this.size === 0) return null;
    const end = Math.floor(now);
    // a wheel idle for a whole turn has every bucket in its last turn
    if (end - this.cursor >= SIZE) this.cursor = end - SIZE + 1;
    for (;;) {
      for (let e: Impairer | null = this.buckets[this.cursor & MASK]!; e !== null; e = e.wheelNext) {
        if (e.wheelDue <= now) { this.unlink(e); return e; }
      }
      if (this.cursor >= end) return null;
      this.cursor++;
    }
  }

  /** The earliest due on the wheel (Infinity when empty). */
  nextDue(): number {
    if (this.size === 0) return (this.earliest = Infinity);
    // the bound may be stale (that impairer was re-filed later): look in the buckets
    let min = Infinity;
    for (let k = 0; k < SIZE; k++) {
      const ms = this.cursor + k;
      for (let e: Impairer | null = this.buckets[ms & MASK]!; e !== null; e = e.wheelNext) if (e.wheelDue < min) min = e.wheelDue;
      // an entry due within this bucket's ms is earlier than anything in the buckets after it
      if (min < ms + 1) break;
    }
    return (this.earliest = min);
  }

  private unlink(imp: Impairer): void {
    if (imp.wheelPrev !== null) imp.wheelPrev.wheelNext = imp.wheelNext;
    else this.buckets[imp.wheelSlot] = imp.wheelNext;
    if (imp.wheelNext !== null) imp.wheelNext.wheelPrev = imp.wheelPrev;
    imp.wheelNext = null;
    imp.wheelPrev = null;
    imp.wheelSlot = -1;
    this.size--;
  }
}
