// STP defaults, the ranges the kernel accepts, the speed → path-cost table and the time units of
// BPDUs. Values follow the Linux bridge (br_private_stp.h, br_if.c port_cost()).

export const DEFAULT_BRIDGE_PRIORITY = 0x8000;
export const DEFAULT_HELLO_MS = 2000;
export const DEFAULT_MAX_AGE_MS = 20000;
export const DEFAULT_FORWARD_DELAY_MS = 15000;
/** 0x8000 >> BR_PORT_BITS: port ids come out as 0x8001, 0x8002, … */
export const DEFAULT_PORT_PRIORITY = 32;
/** BR_HOLD_TIME: at most one config BPDU per port per second (rounded as round_jiffies does). */
export const HOLD_TIME_MS = 1000;

/** RSTP (802.1D-2004 17.13.9, 17.13.12): migration/edge delay, and BPDUs per port per second. */
export const MIGRATE_TIME_MS = 3000;
export const TX_HOLD_COUNT = 6;

export const MIN_HELLO_MS = 1000;
export const MAX_HELLO_MS = 10000;
export const MIN_MAX_AGE_MS = 6000;
export const MAX_MAX_AGE_MS = 40000;
export const MIN_FORWARD_DELAY_MS = 2000;
export const MAX_FORWARD_DELAY_MS = 30000;
export const MIN_BRIDGE_PRIORITY = 0;
export const MAX_BRIDGE_PRIORITY = 0xffff;
export const MIN_PORT_PRIORITY = 0;
export const MAX_PORT_PRIORITY = 63;
export const MIN_PATH_COST = 1;
export const MAX_PATH_COST = 65535;
export const MIN_PORT_NO = 1;
export const MAX_PORT_NO = 1023;

/**
 * The ranges above in the units users type (seconds for the times): what the CLI, the daemon's
 * commands and the config schema accept, so a value they let through is one the engine takes.
 */
export const STP_LIMITS = {
  hello: [MIN_HELLO_MS / 1000, MAX_HELLO_MS / 1000],
  maxAge: [MIN_MAX_AGE_MS / 1000, MAX_MAX_AGE_MS / 1000],
  forwardDelay: [MIN_FORWARD_DELAY_MS / 1000, MAX_FORWARD_DELAY_MS / 1000],
  priority: [MIN_BRIDGE_PRIORITY, MAX_BRIDGE_PRIORITY],
  portPriority: [MIN_PORT_PRIORITY, MAX_PORT_PRIORITY],
  pathCost: [MIN_PATH_COST, MAX_PATH_COST],
} as const satisfies Record<string, readonly [number, number]>;

/** The defaults above in the same units as STP_LIMITS (what a config without the key gets). */
export const STP_DEFAULTS = {
  hello: DEFAULT_HELLO_MS / 1000,
  maxAge: DEFAULT_MAX_AGE_MS / 1000,
  forwardDelay: DEFAULT_FORWARD_DELAY_MS / 1000,
  priority: DEFAULT_BRIDGE_PRIORITY,
  portPriority: DEFAULT_PORT_PRIORITY,
} as const;

/**
 * The kernel's MESSAGE_AGE_INCR is (HZ/256)+1 jiffies: 4 ms at HZ=1000 and at HZ=250 — "at least
 * one STP tick" (1/256 s) so a relayed BPDU always carries a larger age than the one received.
 */
export const MESSAGE_AGE_INCR_MS = 4;

/** BPDU times are in 1/256 s. Sending truncates (br_set_ticks). */
export function msToStpTicks(ms: number): number {
  const t = Math.floor((ms * 256) / 1000);
  return t < 0 ? 0 : t > 0xffff ? 0xffff : t;
}

/** Receiving rounds up to the next jiffy (br_get_ticks: DIV_ROUND_UP); we use HZ=1000, i.e. ms. */
export function stpTicksToMs(ticks: number): number {
  return Math.ceil((ticks * 1000) / 256);
}

/**
 * Path cost from link speed exactly as port_cost() in net/bridge/br_if.c: the six listed speeds,
 * anything faster than 10 Gb/s → 1, everything else (unknown, 0, odd speeds like 40 Mb/s) → 100.
 */
export function pathCostForSpeed(speedMbps: number | undefined): number {
  switch (speedMbps) {
    case 10000: return 2;
    case 5000: return 3;
    case 2500: return 4;
    case 1000: return 5;
    case 100: return 19;
    case 10: return 100;
    default:
      if (speedMbps !== undefined && speedMbps > 10000) return 1;
      return 100;
  }
}

/** Throws a RangeError naming the value and the allowed range, as the kernel's -ERANGE would. */
export function checkRange(what: string, value: number, min: number, max: number, unit = ''): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const u = unit ? ` ${unit}` : '';
    throw new RangeError(`${what} ${String(value)}${u} out of range: allowed ${min}–${max}${u}`);
  }
}

export function checkInteger(what: string, value: number, min: number, max: number): void {
  checkRange(what, value, min, max);
  if (!Number.isInteger(value)) {
    throw new RangeError(`${what} ${String(value)} must be an integer in ${min}–${max}`);
  }
}

const MAC_LIMIT = 2 ** 48;

export function checkMac(what: string, mac: number): void {
  if (typeof mac !== 'number' || !Number.isInteger(mac) || mac < 0 || mac >= MAC_LIMIT) {
    throw new RangeError(`${what} ${String(mac)} is not a 48-bit MAC address number`);
  }
}

/** Remaining time in seconds truncated to 1/100 s, as jiffies_delta_to_clock_t + brctl show it. */
export function secs(ms: number): number {
  return ms <= 0 ? 0 : Math.floor(ms / 10) / 100;
}
