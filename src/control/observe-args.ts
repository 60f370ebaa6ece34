// Validation of the observe verbs' arguments (trace's EtherType, capture's direction), shared by
// the daemon's handlers (observe.ts) and the CLI, which checks them before it connects.
import { UserError } from './protocol.js';
import { DIRECTIONS, type Direction } from '../capture/ring.js';

const ETHERTYPE_NAMES: Record<string, number> = { ipv4: 0x0800, ip: 0x0800, arp: 0x0806, ipv6: 0x86dd, vlan: 0x8100, lldp: 0x88cc };

/** An EtherType from a number, `0x0800`, `2048` or a name (ipv4, arp, ipv6, vlan, lldp). */
export function parseEtherType(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff) return v;
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  const named = ETHERTYPE_NAMES[s];
  if (named !== undefined) return named;
  const n = /^0x[0-9a-f]{1,4}$/.test(s) ? parseInt(s, 16) : /^\d{1,5}$/.test(s) ? Number(s) : NaN;
  if (!(n >= 0 && n <= 0xffff)) {
    throw new UserError(`invalid ethertype '${String(v)}': expected 0x0000–0xffff (e.g. 0x0800), a decimal number, or one of ${Object.keys(ETHERTYPE_NAMES).join(', ')}`);
  }
  return n;
}

export function parseDirection(v: unknown): Direction {
  if (v === undefined) return 'both';
  if (typeof v !== 'string' || !DIRECTIONS.includes(v as Direction)) {
    throw new UserError(`invalid direction '${String(v)}': allowed ${DIRECTIONS.join(', ')}`);
  }
  return v as Direction;
}
