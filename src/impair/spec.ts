// What a link impairment is (delay, jitter, loss, duplication, reordering, corruption, a rate
// limit) and its words: the parser of `softbr impair` / `softbr rate` / the config's `impair`
// strings, netem's words where netem has them, and the formatter that writes a spec back in the
// same words (link show -d, config show). Errors name the bad word or value and what is allowed.
import { UserError } from '../user-error.js';

export type Distribution = 'uniform' | 'normal';

/** Gilbert–Elliott loss: a good and a bad state, each with its own loss probability. */
export interface GilbertElliott {
  /** P(good → bad) per frame. */
  p: number;
  /** P(bad → good) per frame. */
  r: number;
  /** Loss probability in the bad state (netem's 1-h). */
  lossBad: number;
  /** Loss probability in the good state (netem's 1-k). */
  lossGood: number;
  /** Given as `loss N% burst LEN`: those words, written back as given. */
  given?: { loss: number; burst: number };
}

/** A token bucket: bits/s (burst in bytes) or frames/s (burst in frames). */
export interface RateSpec {
  per: 'bit' | 'frame';
  /** Bits or frames per second. */
  value: number;
  /** Bytes (per bit) or frames (per frame); null: the default, rateBurst(). */
  burst: number | null;
}

/** Everything done to one direction of one port. Probabilities are 0..1, times milliseconds. */
export interface ImpairSpec {
  delayMs: number;
  jitterMs: number;
  distribution: Distribution;
  /** Correlation of successive jitter draws, 0..1. */
  correlation: number;
  /** Random loss probability (ignored when ge is set). */
  loss: number;
  ge: GilbertElliott | null;
  duplicate: number;
  /** Share of frames sent at once, ahead of the delayed ones (needs a delay). */
  reorder: number;
  /** Share of frames with one bit flipped (after the Ethernet header; the length is kept). */
  corrupt: number;
  /** Ingress: policed (what exceeds is dropped); egress: shaped (what exceeds waits). */
  rate: RateSpec | null;
  /** Frames the delay line holds; null: DEFAULT_LIMIT. */
  limit: number | null;
  seed: number | null;
}

/** netem's default queue length. */
export const DEFAULT_LIMIT = 1000;
export const LIMIT_MAX = 65536;
/** A delay or jitter longer than this is a typo, not a link. */
export const DELAY_MAX_MS = 60_000;
/** The shortest burst a token bucket gets by default: rate × 10 ms, so that TCP does not collapse (OVS, OVN). */
export const DEFAULT_BURST_MS = 10;

export function emptySpec(): ImpairSpec {
  return {
    delayMs: 0, jitterMs: 0, distribution: 'uniform', correlation: 0, loss: 0, ge: null,
    duplicate: 0, reorder: 0, corrupt: 0, rate: null, limit: null, seed: null,
  };
}

/** True when the spec does nothing (no effect, no rate). */
export function isEmptySpec(s: ImpairSpec): boolean {
  return s.delayMs === 0 && s.jitterMs === 0 && s.loss === 0 && s.ge === null && s.duplicate === 0
    && s.reorder === 0 && s.corrupt === 0 && s.rate === null;
}

/** The burst a rate gets: as given, else rate × 10 ms, and never less than one frame of maxFrame bytes. */
export function rateBurst(r: RateSpec, maxFrame: number): number {
  if (r.per === 'frame') return Math.max(1, r.burst ?? Math.ceil(r.value * DEFAULT_BURST_MS / 1000));
  return Math.max(maxFrame, r.burst ?? Math.ceil(r.value / 8 * DEFAULT_BURST_MS / 1000));
}

// ------------------------------------------------------------------ values

const TIME_UNITS: Record<string, number> = { us: 0.001, usec: 0.001, ms: 1, msec: 1, s: 1000, sec: 1000 };

/** `50ms`, `1.5s`, `200us` → milliseconds. A bare number is refused: tc reads it as µs, people as ms. */
export function parseTime(v: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(v);
  const f = m ? TIME_UNITS[m[2]!] : undefined;
  if (!m || f === undefined) throw new UserError(`invalid ${what} '${v}': expected a time such as 50ms, 1.5s or 200us (units us, ms, s)`);
  const ms = Number(m[1]) * f;
  if (ms > DELAY_MAX_MS) throw new UserError(`invalid ${what} '${v}': at most ${DELAY_MAX_MS / 1000}s`);
  return ms;
}

/** `1%`, `0.5%` → 0.01, 0.005. */
export function parsePercent(v: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(v);
  const n = m ? Number(m[1]) : NaN;
  if (!m || n > 100) throw new UserError(`invalid ${what} '${v}': expected a percentage from 0% to 100%, such as 1% or 0.5%`);
  return n / 100;
}

// tc's rate units: bit multiples are powers of 1000; bps is bytes per second
const RATE_UNITS: Record<string, [number, 'bit' | 'frame']> = {
  bit: [1, 'bit'], kbit: [1e3, 'bit'], mbit: [1e6, 'bit'], gbit: [1e9, 'bit'], tbit: [1e12, 'bit'],
  bps: [8, 'bit'], kbps: [8e3, 'bit'], mbps: [8e6, 'bit'], gbps: [8e9, 'bit'],
  pps: [1, 'frame'], kpps: [1e3, 'frame'], mpps: [1e6, 'frame'],
};
const RATE_WORDS = 'bit, kbit, mbit, gbit, tbit (bits/s), bps, kbps, mbps, gbps (bytes/s), pps, kpps, mpps (frames/s)';

/** `100mbit`, `10kpps` → a RateSpec without a burst. */
export function parseRate(v: string): RateSpec {
  const m = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(v);
  const u = m ? RATE_UNITS[m[2]!] : undefined;
  if (!m || u === undefined) throw new UserError(`invalid rate '${v}': expected a number with a unit such as 100mbit or 10kpps (units ${RATE_WORDS})`);
  const value = Number(m[1]) * u[0];
  if (!(value >= 1) || value > 1e13) throw new UserError(`invalid rate '${v}': from 1bit (or 1pps) to 10tbit`);
  return { per: u[1], value, burst: null };
}

// tc's size units: byte multiples are powers of 1024; kbit and mbit are bits
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1 << 20, mb: 1 << 20, g: 1 << 30, gb: 1 << 30, kbit: 128, mbit: 131072 };

/** A burst: bytes (`125k`, `1500b`, `1mb`) for a bit rate, a frame count (`32`) for a frame rate. */
export function parseBurst(v: string, per: 'bit' | 'frame'): number {
  if (per === 'frame') {
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!(n >= 1 && n <= 1e9)) throw new UserError(`invalid burst '${v}': with a frame rate, a number of frames from 1 to 1000000000`);
    return n;
  }
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(v);
  const f = m ? SIZE_UNITS[m[2]!] : undefined;
  const n = m && f !== undefined ? Math.round(Number(m[1]) * f) : NaN;
  if (!(n >= 1 && n <= 1 << 30)) throw new UserError(`invalid burst '${v}': expected a size such as 125k, 1500b or 1mb (units b, k/kb, m/mb, g/gb, kbit, mbit; up to 1gb)`);
  return n;
}

function parseCount(v: string, what: string, lo: number, hi: number): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= lo && n <= hi)) throw new UserError(`invalid ${what} '${v}': expected a whole number from ${lo} to ${hi}`);
  return n;
}

// ------------------------------------------------------------------ words

/** A direction word: in → [0] (received), out → [1] (sent), both → [0, 1]; dflt when absent. */
export function directionArg(v: unknown, dflt?: 'in' | 'out' | 'both'): (0 | 1)[] {
  const d = v === undefined ? dflt : v;
  if (d === 'in') return [0];
  if (d === 'out') return [1];
  if (d === 'both') return [0, 1];
  throw new UserError(`invalid direction '${String(v)}': expected in, out or both`);
}

export const IMPAIR_USAGE = 'delay TIME [JITTER [CORRELATION%]] [jitter TIME] [distribution uniform|normal] [correlation N%] '
  + '[loss [random] N% [burst LEN] | loss gemodel P% [R% [1-H% [1-K%]]]] [duplicate N%] [reorder N%] [corrupt N%] '
  + '[rate RATE [burst SIZE]] [limit FRAMES] [seed N]';
export const RATE_USAGE = 'RATE [burst SIZE] [limit FRAMES] | off';

/** What a list of impairment words says: the spec, and which of its parts the words set. */
export interface ParsedWords {
  spec: ImpairSpec;
  /** The words named a rate (or `limit`): `softbr impair` keeps a rate it was not told about. */
  setsRate: boolean;
}

/**
 * Parses impairment words (`delay 50ms jitter 5ms loss 1% rate 10mbit seed 42`). Every number
 * needs its unit; each effect may be named once.
 */
export function parseImpairWords(words: readonly string[]): ParsedWords {
  const s = emptySpec();
  const seen = new Set<string>();
  let setsRate = false;
  let i = 0;
  const value = (w: string, what: string): string => {
    const v = words[i++];
    if (v === undefined) throw new UserError(`'${w}' needs ${what}: ${IMPAIR_USAGE}`);
    return v;
  };
  const peek = (re: RegExp): string | undefined => {
    const v = words[i];
    return v !== undefined && re.test(v) ? v : undefined;
  };
  const once = (w: string) => {
    if (seen.has(w)) throw new UserError(`'${w}' is given twice`);
    seen.add(w);
  };
  const PCT = /^\d+(\.\d+)?%$/;
  const TIME = /^\d+(\.\d+)?[a-z]+$/;
  while (i < words.length) {
    const w = words[i++]!;
    switch (w) {
      case 'delay': {
        once(w);
        s.delayMs = parseTime(value(w, 'a time'), 'delay');
        // netem's positional form: delay TIME [JITTER [CORRELATION]]
        if (peek(TIME) !== undefined) { once('jitter'); s.jitterMs = parseTime(words[i++]!, 'jitter'); }
        if (peek(TIME) === undefined && peek(PCT) !== undefined && seen.has('jitter')) { once('correlation'); s.correlation = parsePercent(words[i++]!, 'correlation'); }
        break;
      }
      case 'jitter': once(w); s.jitterMs = parseTime(value(w, 'a time'), 'jitter'); break;
      case 'correlation': once(w); s.correlation = parsePercent(value(w, 'a percentage'), 'correlation'); break;
      case 'distribution': {
        once(w);
        const d = value(w, 'uniform or normal');
        if (d !== 'uniform' && d !== 'normal') throw new UserError(`invalid distribution '${d}': expected uniform or normal`);
        s.distribution = d;
        break;
      }
      case 'loss': {
        once(w);
        let v = value(w, 'a percentage');
        if (v === 'gemodel') {
          const p = parsePercent(value('loss gemodel', 'P%'), 'loss gemodel P (good to bad)');
          const r = peek(PCT) !== undefined ? parsePercent(words[i++]!, 'loss gemodel R (bad to good)') : 1 - p;
          const lossBad = peek(PCT) !== undefined ? parsePercent(words[i++]!, 'loss gemodel 1-H (loss in the bad state)') : 1;
          const lossGood = peek(PCT) !== undefined ? parsePercent(words[i++]!, 'loss gemodel 1-K (loss in the good state)') : 0;
          if (r === 0) throw new UserError('invalid loss gemodel R \'0%\': the bad state would never end; expected more than 0%');
          s.ge = { p, r, lossBad, lossGood };
          break;
        }
        if (v === 'random') v = value('loss random', 'a percentage');
        s.loss = parsePercent(v, 'loss');
        if (words[i] === 'burst') {
          i++;
          // a mean burst length and a loss ratio are a Gilbert model: bad state loses every frame
          const len = Number(value('burst', 'a mean burst length in frames'));
          if (!(len >= 1 && len <= 1e6)) throw new UserError(`invalid loss burst '${words[i - 1]}': expected a mean burst length in frames, from 1 to 1000000`);
          if (s.loss >= 1) throw new UserError('loss 100% has no bursts: expected a loss below 100% with burst');
          const r = 1 / len;
          s.ge = { p: (s.loss * r) / (1 - s.loss), r, lossBad: 1, lossGood: 0, given: { loss: s.loss, burst: len } };
          s.loss = 0;
        }
        break;
      }
      case 'duplicate': once(w); s.duplicate = parsePercent(value(w, 'a percentage'), 'duplicate'); break;
      case 'reorder': once(w); s.reorder = parsePercent(value(w, 'a percentage'), 'reorder'); break;
      case 'corrupt': once(w); s.corrupt = parsePercent(value(w, 'a percentage'), 'corrupt'); break;
      case 'rate': {
        once(w);
        setsRate = true;
        s.rate = parseRate(value(w, 'a rate'));
        if (words[i] === 'burst') { i++; s.rate.burst = parseBurst(value('burst', 'a size'), s.rate.per); }
        break;
      }
      case 'burst': throw new UserError(`'burst' belongs after 'rate RATE' or 'loss N%': ${IMPAIR_USAGE}`);
      case 'limit': once(w); setsRate = true; s.limit = parseCount(value(w, 'a number of frames'), 'limit', 1, LIMIT_MAX); break;
      case 'seed': once(w); s.seed = parseCount(value(w, 'a number'), 'seed', 0, 0xffffffff); break;
      default:
        throw new UserError(`unknown word '${w}': expected ${IMPAIR_USAGE}`);
    }
  }
  if (s.jitterMs > 0 && s.delayMs === 0) throw new UserError('jitter needs a delay: give delay TIME too (the jitter varies it)');
  if (s.jitterMs > s.delayMs) {
    // netem allows it and clips at zero; a symmetric spread is what people mean
    throw new UserError(`jitter ${fmtTime(s.jitterMs)} is larger than the delay ${fmtTime(s.delayMs)}: expected at most the delay`);
  }
  if (s.reorder > 0 && s.delayMs === 0) throw new UserError('reorder needs a delay: reordered frames are the ones sent without it');
  if (s.correlation > 0 && s.jitterMs === 0) throw new UserError('correlation applies to the jitter: give delay TIME jitter TIME too');
  if (s.correlation >= 1) throw new UserError('invalid correlation \'100%\': expected below 100% (the delay would never change)');
  return { spec: s, setsRate };
}

/** `softbr rate` words: `100mbit [burst 125k] [limit N]`, or `off`. Null for off. */
export function parseRateWords(words: readonly string[]): { rate: RateSpec; limit: number | null } | null {
  if (words.length === 1 && words[0] === 'off') return null;
  if (words.length === 0) throw new UserError(`missing rate: expected ${RATE_USAGE}`);
  const parsed = parseImpairWords(['rate', ...words]);
  const s = parsed.spec;
  if (!isEmptySpec({ ...s, rate: null }) || s.seed !== null) throw new UserError(`softbr rate takes only a rate, a burst and a limit: ${RATE_USAGE} (softbr impair does the rest)`);
  return { rate: s.rate!, limit: s.limit };
}

// ------------------------------------------------------------------ formatting

function num(n: number): string {
  return String(Number(n.toPrecision(12)));
}

export function fmtTime(ms: number): string {
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms >= 1 || ms === 0) return `${num(ms)}ms`;
  return `${num(ms * 1000)}us`;
}

export function fmtPercent(p: number): string { return `${num(p * 100)}%`; }

export function fmtRate(r: RateSpec): string {
  if (r.per === 'frame') return r.value % 1e6 === 0 ? `${r.value / 1e6}mpps` : r.value % 1e3 === 0 ? `${r.value / 1e3}kpps` : `${num(r.value)}pps`;
  for (const [u, f] of [['tbit', 1e12], ['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) if (r.value >= f && r.value % f === 0) return `${r.value / f}${u}`;
  return `${num(r.value)}bit`;
}

export function fmtBurst(n: number, per: 'bit' | 'frame'): string {
  if (per === 'frame') return String(n);
  if (n % (1 << 20) === 0) return `${n >> 20}mb`;
  if (n % 1024 === 0) return `${n / 1024}k`;
  return `${n}b`;
}

/** The spec in the words parseImpairWords() reads back to the same spec ('' for an empty spec). */
export function formatImpairWords(s: ImpairSpec): string {
  const w: string[] = [];
  if (s.delayMs > 0) w.push('delay', fmtTime(s.delayMs));
  if (s.jitterMs > 0) w.push('jitter', fmtTime(s.jitterMs));
  if (s.jitterMs > 0 && s.distribution !== 'uniform') w.push('distribution', s.distribution);
  if (s.correlation > 0) w.push('correlation', fmtPercent(s.correlation));
  if (s.ge?.given !== undefined) w.push('loss', fmtPercent(s.ge.given.loss), 'burst', num(s.ge.given.burst));
  else if (s.ge !== null) w.push('loss', 'gemodel', fmtPercent(s.ge.p), fmtPercent(s.ge.r), fmtPercent(s.ge.lossBad), fmtPercent(s.ge.lossGood));
  else if (s.loss > 0) w.push('loss', fmtPercent(s.loss));
  if (s.duplicate > 0) w.push('duplicate', fmtPercent(s.duplicate));
  if (s.reorder > 0) w.push('reorder', fmtPercent(s.reorder));
  if (s.corrupt > 0) w.push('corrupt', fmtPercent(s.corrupt));
  if (s.rate !== null) {
    w.push('rate', fmtRate(s.rate));
    if (s.rate.burst !== null) w.push('burst', fmtBurst(s.rate.burst, s.rate.per));
  }
  if (s.limit !== null) w.push('limit', String(s.limit));
  if (s.seed !== null) w.push('seed', String(s.seed));
  return w.join(' ');
}
