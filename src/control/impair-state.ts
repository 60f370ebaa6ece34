// A port's impairments and rate limits as the daemon sets and shows them: the `impair` and `rate`
// commands (impair-commands.ts) and the config's `impair` key edit the same per-direction spec
// (src/impair/spec.ts): `rate` only its rate and limit, `impair` everything, keeping a rate its
// words do not name; link show -d and config show read it back.
import type { Bridge } from '../bridge/bridge.js';
import type { BridgePort } from '../bridge/port.js';
import { parseImpairWords, formatImpairWords, type ImpairSpec } from '../impair/spec.js';
import { UserError } from './protocol.js';
import type { ImpairDirection, PortImpairView } from './wire-types.js';

export function wordsArg(v: unknown): string[] {
  if (!Array.isArray(v) || v.some((w) => typeof w !== 'string')) throw new UserError('missing impairment words');
  return v as string[];
}

/** Applies spec (null: none) to the directions; a line too large for memory is the user's to fix. */
export function applyToPort(bridge: Bridge, p: BridgePort, dirs: (0 | 1)[], spec: (old: ImpairSpec | null) => ImpairSpec | null): void {
  const specs = dirs.map((d) => spec((d === 0 ? p.impairIn : p.impairOut)?.spec ?? null));
  try {
    dirs.forEach((d, i) => bridge.setImpairment(p, d, specs[i]!));
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`${p.name}: ${e.message}`);
    throw e;
  }
}

/** Sets a port's impairments from words (`clear` removes everything, the rate too). */
export function impairPort(bridge: Bridge, p: BridgePort, dirs: (0 | 1)[], words: readonly string[]): void {
  if (words.length === 1 && words[0] === 'clear') { applyToPort(bridge, p, dirs, () => null); return; }
  if (words.length === 0) throw new UserError('missing impairment words: e.g. delay 50ms loss 1%, or clear');
  const { spec, setsRate } = parseImpairWords(words);
  applyToPort(bridge, p, dirs, (old) => (setsRate || old === null ? { ...spec } : { ...spec, rate: old.rate, limit: old.limit }));
}

/** What `link show -d` and the config show of a port's impairments. */
export function impairView(p: BridgePort): PortImpairView | undefined {
  const v: PortImpairView = {};
  for (const [dir, imp] of [['in', p.impairIn], ['out', p.impairOut]] as const) {
    if (imp === null) continue;
    v[dir as ImpairDirection] = { words: formatImpairWords(imp.spec), seed: imp.seed, counters: imp.counters() };
  }
  return v.in === undefined && v.out === undefined ? undefined : v;
}

/** The config's impair words of one direction as a spec (absent or empty: none). */
function configSpec(words: string | undefined): ImpairSpec | null {
  return words === undefined || words.trim() === '' ? null : parseImpairWords(words.trim().split(/\s+/)).spec;
}

/**
 * Applies the config's `impair` of a port (words per direction; absent: none). With onlyChanged
 * a direction whose spec is already in force keeps its line and counters. Returns what changed
 * ('in: delay 50ms', 'out: none').
 */
export function applyImpairConfig(bridge: Bridge, p: BridgePort, c: { in?: string; out?: string } | undefined, onlyChanged = false): string[] {
  const done: string[] = [];
  for (const [d, words] of [[0, c?.in], [1, c?.out]] as const) {
    const spec = configSpec(words);
    const now = d === 0 ? p.impairIn : p.impairOut;
    const want = spec === null ? '' : formatImpairWords(spec);
    if (onlyChanged && (now === null ? '' : formatImpairWords(now.spec)) === want) continue;
    try {
      bridge.setImpairment(p, d, spec);
    } catch (e) {
      if (e instanceof RangeError) throw new UserError(`${p.name}: ${e.message}`);
      throw e;
    }
    done.push(`${d === 0 ? 'in' : 'out'}: ${want || 'none'}`);
  }
  return done;
}

