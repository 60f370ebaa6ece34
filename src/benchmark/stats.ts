// Order statistics for benchmark samples: median, nearest-rank percentile, and the
// median/min/max summary every table cell shows.

export interface Summary { median: number; min: number; max: number; samples: number[] }

function sorted(xs: readonly number[]): number[] {
  if (xs.length === 0) throw new RangeError('no samples');
  return [...xs].sort((a, b) => a - b);
}

/** Median; the mean of the two middle values for an even count. */
export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (p in 0–100): the smallest sample with at least p% of samples ≤ it. */
export function percentile(xs: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside 0–100`);
  const s = sorted(xs);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1]!;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('no samples');
  let t = 0;
  for (const x of xs) t += x;
  return t / xs.length;
}

export function summarize(xs: readonly number[]): Summary {
  const s = sorted(xs);
  return { median: median(s), min: s[0]!, max: s[s.length - 1]!, samples: [...xs] };
}
