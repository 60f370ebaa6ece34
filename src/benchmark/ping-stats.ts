// Latency from ping's per-reply lines ("… time=0.123 ms"): min/avg/p99/max over the replies and
// how many of the sent requests got none. ping's own summary has no percentile, hence this.
import { mean, percentile } from './stats.js';

export interface PingStats { min: number; avg: number; p99: number; max: number; lost: number }

const TIME = /\btime[=<]([0-9.]+) ?ms\b/;

/** Round-trip times in ms, one per reply line, in order. */
export function parsePingTimes(output: string): number[] {
  const out: number[] = [];
  for (const line of output.split('\n')) {
    const m = TIME.exec(line);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

export function pingStats(times: readonly number[], sent: number): PingStats {
  if (times.length === 0) throw new RangeError(`no ping replies out of ${sent}`);
  let min = Infinity;
  let max = -Infinity;
  for (const t of times) { if (t < min) min = t; if (t > max) max = t; }
  return { min, avg: mean(times), p99: percentile(times, 99), max, lost: Math.max(0, sent - times.length) };
}
