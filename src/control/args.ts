// Validation of command arguments shared by the daemon and the CLI: every error names the bad
// value and what is allowed, and nothing is changed when validation fails. Port specs are
// parsed by their kinds (port-kinds/).
import { isIPv4 } from 'node:net';
import { UserError } from './protocol.js';
import { parseMac } from '../frame/mac.js';
import { VLAN_ID_MAX, VLAN_MEMBER_MAX } from '../frame/ethernet.js';
import { isName, NAME_RULE } from '../bridge/names.js';
import { STORM_RATE_MAX } from '../bridge/storm.js';
import type { StormRates } from '../bridge/bridge.js';
import { FLOOD_KIND_NAMES, type FloodKindName } from '../bridge/egress.js';

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

/**
 * `softbr stp BR on|off|rstp`: true for on (802.1D), false for off, 'rstp' for RSTP; anything
 * else is refused naming the three.
 */
export function stpModeArg(v: unknown): boolean | 'rstp' {
  if (v === 'rstp') return 'rstp';
  try {
    return onOff(v, 'stp state');
  } catch {
    throw new UserError(`invalid stp state '${String(v)}': expected on (802.1D), rstp or off`);
  }
}

export function macArg(v: unknown): number {
  return parseMac(String(v));
}

/** A dotted-quad IPv4 address (a VXLAN `dst`); names are not resolved. */
export function ipv4Arg(v: unknown, what: string): string {
  if (typeof v !== 'string' || !isIPv4(v)) throw new UserError(`invalid ${what} '${String(v)}': expected an IPv4 address such as 192.0.2.2`);
  return v;
}

/** setportflag's words (brctl's and iproute2's) and the port flag each one sets. */
export const PORT_FLAG_WORDS = {
  learning: 'learning', flood: 'floodUnicast', mcast_flood: 'floodMulticast', bcast_flood: 'floodBroadcast', hairpin: 'hairpin',
} as const;

export type PortFlagKey = (typeof PORT_FLAG_WORDS)[keyof typeof PORT_FLAG_WORDS];

/** The port flag a setportflag word names. */
export function portFlagArg(word: string): PortFlagKey {
  if (!Object.hasOwn(PORT_FLAG_WORDS, word)) throw new UserError(`unknown port flag '${word}': allowed ${Object.keys(PORT_FLAG_WORDS).join(', ')}`);
  return PORT_FLAG_WORDS[word as keyof typeof PORT_FLAG_WORDS];
}

/** An 802.1Q VLAN id, 0 (untagged) to 4095. */
/** A VLAN a port can be a member of (bridge vlan add's vid): 1–4094. */
export function memberVlanArg(v: unknown): number {
  return numIn(v, 'vlan id', 1, VLAN_MEMBER_MAX, true);
}

export function vlanArg(v: unknown): number {
  return numIn(v, 'vlan', 0, VLAN_ID_MAX, true);
}

export function bridgeName(v: unknown): string {
  if (typeof v !== 'string' || !isName(v)) throw new UserError(`invalid bridge name '${String(v)}': ${NAME_RULE}`);
  return v;
}

/** A storm-control rate: `N` or `Npps` frames per second (1 to STORM_RATE_MAX), or `off`/`0` for no limit. */
export function stormRateArg(v: unknown, what: string): number {
  if (v === 'off' || v === 0 || v === '0') return 0;
  const m = typeof v === 'number' ? String(v) : typeof v === 'string' ? /^(\d+)(?:pps)?$/.exec(v)?.[1] : undefined;
  const n = m === undefined ? NaN : Number(m);
  if (!Number.isInteger(n) || n < 1 || n > STORM_RATE_MAX) {
    throw new UserError(`invalid ${what} storm rate '${String(v)}': expected N or Npps (frames per second, 1 to ${STORM_RATE_MAX}) or off`);
  }
  return n;
}

/** `[broadcast RATE] [multicast RATE] [unknown-unicast RATE]` as words (the CLI) or as an object (the control request). */
export function stormRatesArg(v: unknown): StormRates {
  const words = Array.isArray(v) ? v.map(String) : v !== null && typeof v === 'object' ? Object.entries(v).flat().map(String) : undefined;
  if (words === undefined) throw new UserError('missing storm rates: expected broadcast|multicast|unknown-unicast RATE pairs');
  const out: StormRates = {};
  for (let i = 0; i < words.length; i += 2) {
    const k = words[i]!;
    if (!(FLOOD_KIND_NAMES as readonly string[]).includes(k)) {
      throw new UserError(`unknown storm-control class '${k}': allowed ${FLOOD_KIND_NAMES.join(', ')}`);
    }
    if (words[i + 1] === undefined) throw new UserError(`storm-control class '${k}' needs a rate (N, Npps or off)`);
    out[k as FloodKindName] = stormRateArg(words[i + 1], k);
  }
  return out;
}

/** `--from PORT[,PORT]` as a list (a string with commas, or an array of names). */
export function mirrorSources(v: unknown): string[] {
  const parts = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
  const names = parts.map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new UserError(`invalid mirror sources '${String(v)}': expected PORT[,PORT...]`);
  return names;
}

/** A port's multicast-router mode, the kernel's mcast_router: 0 never, 1 learned from queries, 2 always. */
export function routerModeArg(v: unknown): number {
  return numIn(v, 'mcast_router', 0, 2, true);
}
