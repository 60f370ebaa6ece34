// The part of the FDB interface the side-by-side benchmark drives, so that our table and the
// reference tables run the very same operations.
export interface FdbLike {
  /** Records a frame from mac on port; returns a LEARN_*-like code (0 refreshed, 1 new, 2 moved). */
  learn(vid: number, mac: number, port: number, now: number): number;
  /** Port of mac, or -1 when unknown or expired. Never refreshes ageing. */
  lookup(vid: number, mac: number, now: number): number;
  /** Removes what expired at now; returns how many. */
  age(now: number): number;
  readonly size: number;
}

/** Key of (vid, mac) as one number: exact while vid < 32 (5 + 48 bits ≤ 53). */
export function flatKey(vid: number, mac: number): number {
  return vid * 0x1000000000000 + mac;
}
