// Validation of command arguments shared by the daemon and the CLI: every error names the bad
// value and what is allowed, and nothing is changed when validation fails. Port specs are
// parsed by their kinds (port-kinds/).
import { UserError } from './protocol.js';
import { parseMac, MacParseError } from '../frame/mac.js';
import { isName, NAME_RULE } from '../bridge/names.js';

export function str(args: Record<string, unknown>, key: string, what = key): string {
  const v = args[key];
  if (typeof v !== 'string' || v.length === 0) throw new UserError(`missing ${what}`);
  return v;
}

export function optStr(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new UserError(`${key} must be a string`);
  return v;
}

/** A number in [lo, hi]; accepts numeric strings as CLI arguments come in. */
export function numIn(v: unknown, what: string, lo: number, hi: number, integer = false): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) {
    throw new UserError(`invalid ${what} '${String(v)}': expected ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}`);
  }
  return n;
}

export function onOff(v: unknown, what: string): boolean {
  if (v === true || v === 'on' || v === 'yes' || v === '1' || v === 1) return true;
  if (v === false || v === 'off' || v === 'no' || v === '0' || v === 0) return false;
  throw new UserError(`invalid ${what} '${String(v)}': expected on or off`);
}

export function macArg(v: unknown): number {
  try {
    return parseMac(String(v));
  } catch (e) {
    if (e instanceof MacParseError) throw new UserError(e.message);
    throw e;
  }
}

export function bridgeName(v: unknown): string {
  if (typeof v !== 'string' || !isName(v)) throw new UserError(`invalid bridge name '${String(v)}': ${NAME_RULE}`);
  return v;
}
