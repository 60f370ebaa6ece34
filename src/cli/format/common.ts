// Small helpers shared by the formatters: brctl's timer format, C-locale name order,
// MAC / bridge-id normalisation. Pure functions, no I/O.

/**
 * Whole hundredths of a second in `sec`, truncated, as brctl shows a timer.
 *
 * The kernel exports timers through sysfs in USER_HZ (1/100 s) units, truncating
 * (jiffies_to_clock_t) and clamping negative deltas to 0 (jiffies_delta_to_clock_t);
 * brctl turns that into a timeval and prints `%4i.%.2i` of tv_sec and tv_usec/10000, so
 * what is shown is exactly the truncated hundredths: 299.999 s → '299.99'.
 * The value is first rounded to whole microseconds, so binary floating-point noise
 * (0.29 * 100 = 28.999999999999996) does not lose a hundredth.
 * Negative and non-finite values give 0.
 */
export function toCentiseconds(sec: number): number {
  if (!Number.isFinite(sec) || sec <= 0) return 0;
  const usec = Math.round(sec * 1e6);
  return Math.floor(usec / 1e4);
}

/** brctl's `br_show_timer`: `%4i.%.2i` — seconds right-aligned in 4 columns (wider if
 *  needed), two digits of hundredths. 0.85 → '   0.85', 123456.76 → '123456.76'. */
export function formatBrctlTimer(sec: number): string {
  const cs = toCentiseconds(sec);
  const whole = Math.floor(cs / 100);
  const frac = cs - whole * 100;
  return `${String(whole).padStart(4, ' ')}.${String(frac).padStart(2, '0')}`;
}

/** The timer value as brctl shows it, as a number of seconds (for JSON output). */
export function brctlTimerValue(sec: number): number {
  return toCentiseconds(sec) / 100;
}

/** C `%Ni` of an integer: right-aligned in `width` columns, truncated toward zero. */
export function padInt(n: number, width: number): string {
  const v = Number.isFinite(n) ? Math.trunc(n) : 0;
  return String(v).padStart(width, ' ');
}

/** strcmp order of the names' UTF-8 bytes — what scandir(…, alphasort) gives brctl,
 *  which never calls setlocale and so collates in the C locale ('B' < 'a' < 'b'). */
export function compareCNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Sorted copy by compareCNames of key(item); stable for equal names. */
export function sortByCName<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item, i) => ({ item, i, k: Buffer.from(key(item), 'utf8') }))
    .sort((x, y) => Buffer.compare(x.k, y.k) || x.i - y.i)
    .map((x) => x.item);
}

const MAC_RE = /^([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})$/i;
const MAC_PLAIN_RE = /^[0-9a-f]{12}$/i;

/**
 * 'aa:bb:cc:dd:ee:ff' in lower case with two digits per octet (`%.2x` as both brctl and
 * iproute2 print it). Accepts ':' or '-' separators, upper case, single-digit octets, or 12
 * bare hex digits. Anything else is returned unchanged (the formatters never throw on
 * odd data from the daemon).
 */
export function normalizeMac(mac: string): string {
  const s = String(mac).trim();
  const m = MAC_RE.exec(s);
  if (m) return m.slice(1, 7).map((o) => o.toLowerCase().padStart(2, '0')).join(':');
  if (MAC_PLAIN_RE.test(s)) return s.toLowerCase().replace(/(..)(?!$)/g, '$1:');
  return s;
}

/** 48-bit value of a MAC for sorting (brctl showmacs sorts with memcmp of the 6 bytes).
 *  Unparseable strings sort after all valid MACs. */
export function macSortKey(mac: string): number {
  const n = normalizeMac(mac);
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(n)) return Number.POSITIVE_INFINITY;
  return parseInt(n.replace(/:/g, ''), 16);
}

/**
 * A bridge id as brctl prints it ('8000.3a34cf199539'): lower case; accepts the MAC part
 * with separators ('8000.3a:34:cf:19:95:39') and a short priority ('0.…' → '0000.…').
 * Anything else is returned unchanged.
 */
export function normalizeBridgeId(id: string): string {
  const s = String(id).trim();
  const m = /^([0-9a-f]{1,4})\.(.+)$/i.exec(s);
  if (!m) return s;
  const mac = normalizeMac(m[2]!);
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) return s;
  return `${m[1]!.toLowerCase().padStart(4, '0')}.${mac.replace(/:/g, '')}`;
}

/** Builds a bridge id string from a priority (0..65535) and the bridge MAC:
 *  bridgeIdString(32768, '3a:34:cf:19:95:39') → '8000.3a34cf199539'. */
export function bridgeIdString(priority: number, mac: string): string {
  const prio = (Math.trunc(priority) & 0xffff).toString(16).padStart(4, '0');
  return normalizeBridgeId(`${prio}.${normalizeMac(mac)}`);
}

/** A port id / designated port as `%.4x`: accepts '8001', '0x8001' or a number. */
export function normalizePortId(id: string | number): string {
  if (typeof id === 'number') return (Math.trunc(id) >>> 0).toString(16).padStart(4, '0');
  const s = String(id).trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]+$/.test(s) ? s.padStart(4, '0') : s;
}
