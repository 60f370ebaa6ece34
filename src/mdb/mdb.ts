// The multicast database of IGMP/MLD snooping: which ports have members of which group (per
// VLAN), until when, and which ports lead to multicast routers (queriers seen there, or set by
// the user). Times are the bridge clock's milliseconds; nothing here reads a clock or does I/O.
// Lookups by a group address in a frame allocate nothing: groups hash by the address's low 32
// bits, family and VLAN, and a bucket's few groups are compared byte by byte.

/** Kernel defaults (net/bridge/br_multicast.c), in milliseconds. */
export const MDB_DEFAULTS = {
  /** multicast_membership_interval: robustness 2 × query interval 125 s + response 10 s. */
  membershipMs: 260_000,
  /** multicast_querier_interval: how long a querier seen on a port makes it a router port. */
  querierIntervalMs: 255_000,
  /** multicast_last_member_count × multicast_last_member_interval: a left group's grace. */
  lastMemberMs: 2_000,
  queryIntervalMs: 125_000,
  /** startup queries: this many, this far apart (query interval / 4). */
  startupQueryCount: 2,
  startupQueryIntervalMs: 31_250,
  queryResponseMs: 10_000,
} as const;

/** Router-port modes, as the kernel's mcast_router: off, learned from queries (default), always. */
export const ROUTER_OFF = 0;
export const ROUTER_LEARN = 1;
export const ROUTER_ALWAYS = 2;
const MAX_PORTS = 1024;

export class MdbGroup {
  /** The group address: 4 or 16 bytes. */
  readonly addr: Uint8Array;
  /** Member ports and each one's expiry (ms; Infinity for a permanent entry). */
  ports: number[] = [];
  expires: number[] = [];
  constructor(readonly family: 4 | 6, addr: Uint8Array, readonly vid: number, readonly key: number) {
    this.addr = addr;
  }
  has(port: number): boolean {
    const ps = this.ports;
    for (let i = 0; i < ps.length; i++) if (ps[i] === port) return true;
    return false;
  }
}

/** One membership, as `mdb show` lists it. */
export interface MdbEntry {
  family: 4 | 6;
  group: string;
  vid: number;
  port: number;
  permanent: boolean;
  /** Seconds left (0 for permanent). */
  remainingSec: number;
}

function keyOf(family: number, buf: Uint8Array, a: number, vid: number): number {
  const o = family === 4 ? a : a + 12;
  const lo = ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
  return lo + (family === 6 ? 2 ** 32 : 0) + vid * 2 ** 33;
}

export function formatGroup(family: number, a: Uint8Array): string {
  if (family === 4) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((a[i]! << 8) | a[i + 1]!);
  // RFC 5952: the longest run (≥ 2) of zero words becomes ::
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

export class Mdb {
  membershipMs: number = MDB_DEFAULTS.membershipMs;
  querierIntervalMs: number = MDB_DEFAULTS.querierIntervalMs;
  lastMemberMs: number = MDB_DEFAULTS.lastMemberMs;
  /** The bridge sends queries itself (multicast_querier). */
  querier = false;
  /** Groups nobody joined go to every port whose mcast_flood is on; off (the kernel's way): to router ports only. */
  floodUnknown = false;
  /** Until when another querier seen counts as present (-Infinity: none seen). */
  otherQuerierUntil = -Infinity;
  private readonly buckets = new Map<number, MdbGroup[]>();
  private count = 0;
  /** Per port number: router mode and, when learned, until when. */
  readonly routerMode = new Uint8Array(MAX_PORTS).fill(ROUTER_LEARN);
  readonly routerUntil = new Float64Array(MAX_PORTS).fill(-Infinity);

  get size(): number { return this.count; }

  /** The kernel forwards by the table only while a querier keeps it fresh (br_multicast_querier_exists). */
  querierExists(now: number): boolean {
    return this.querier || now < this.otherQuerierUntil;
  }

  isRouter(port: number, now: number): boolean {
    const m = this.routerMode[port]!;
    return m === ROUTER_ALWAYS || (m === ROUTER_LEARN && now < this.routerUntil[port]!);
  }

  /** A query arrived on port: a querier is present, and port leads to it. */
  querySeen(port: number, now: number): void {
    this.otherQuerierUntil = now + this.querierIntervalMs;
    if (this.routerMode[port] === ROUTER_LEARN) this.routerUntil[port] = now + this.querierIntervalMs;
  }

  setRouterMode(port: number, mode: number): void {
    this.routerMode[port] = mode;
    this.routerUntil[port] = -Infinity;
  }

  /** The group whose address is buf[a ..] (4 or 16 bytes) in VLAN vid, or null. */
  lookup(family: number, buf: Uint8Array, a: number, vid: number): MdbGroup | null {
    const b = this.buckets.get(keyOf(family, buf, a, vid));
    if (b === undefined) return null;
    const n = family === 4 ? 4 : 16;
    for (let i = 0; i < b.length; i++) {
      const g = b[i]!;
      if (g.vid !== vid || g.family !== family) continue;
      let same = true;
      for (let k = 0; k < n; k++) if (g.addr[k] !== buf[a + k]) { same = false; break; }
      if (same) return g;
    }
    return null;
  }

  /** A report for the group at buf[a ..] from port: member until now + membership interval. True when the port is new to the group. */
  join(family: 4 | 6, buf: Uint8Array, a: number, vid: number, port: number, now: number, permanent = false): boolean {
    let g = this.lookup(family, buf, a, vid);
    if (g === null) {
      const key = keyOf(family, buf, a, vid);
      g = new MdbGroup(family, buf.slice(a, a + (family === 4 ? 4 : 16)), vid, key);
      const b = this.buckets.get(key);
      if (b === undefined) this.buckets.set(key, [g]);
      else b.push(g);
    }
    const until = permanent ? Infinity : now + this.membershipMs;
    for (let i = 0; i < g.ports.length; i++) {
      if (g.ports[i] === port) {
        if (g.expires[i] !== Infinity) g.expires[i] = until;
        return false;
      }
    }
    g.ports.push(port);
    g.expires.push(until);
    this.count++;
    return true;
  }

  /** A leave for the group from port: its membership ends after the last-member grace (unless permanent). */
  leave(family: number, buf: Uint8Array, a: number, vid: number, port: number, now: number): boolean {
    const g = this.lookup(family, buf, a, vid);
    if (g === null) return false;
    for (let i = 0; i < g.ports.length; i++) {
      if (g.ports[i] === port && g.expires[i] !== Infinity) {
        g.expires[i] = Math.min(g.expires[i]!, now + this.lastMemberMs);
        return true;
      }
    }
    return false;
  }

  /** Removes memberships that expired by now; calls gone for each. Returns how many went. */
  age(now: number, gone?: (g: MdbGroup, port: number) => void): number {
    let n = 0;
    for (const [key, b] of this.buckets) {
      for (let j = b.length - 1; j >= 0; j--) {
        const g = b[j]!;
        for (let i = g.ports.length - 1; i >= 0; i--) {
          if (g.expires[i]! <= now) {
            const port = g.ports[i]!;
            g.ports.splice(i, 1);
            g.expires.splice(i, 1);
            this.count--;
            n++;
            gone?.(g, port);
          }
        }
        if (g.ports.length === 0) b.splice(j, 1);
      }
      if (b.length === 0) this.buckets.delete(key);
    }
    return n;
  }

  /** Forgets a port (it left the bridge or went down): its memberships and router state. */
  removePort(port: number, keepRouterMode = false): void {
    for (const [key, b] of this.buckets) {
      for (let j = b.length - 1; j >= 0; j--) {
        const g = b[j]!;
        const i = g.ports.indexOf(port);
        if (i >= 0) { g.ports.splice(i, 1); g.expires.splice(i, 1); this.count--; }
        if (g.ports.length === 0) b.splice(j, 1);
      }
      if (b.length === 0) this.buckets.delete(key);
    }
    this.routerUntil[port] = -Infinity;
    if (!keepRouterMode) this.routerMode[port] = ROUTER_LEARN;
  }

  /** Every group, emptied. */
  clear(): void {
    this.buckets.clear();
    this.count = 0;
    this.routerUntil.fill(-Infinity);
    this.otherQuerierUntil = -Infinity;
  }

  /** Every membership, for views: IPv4 groups first, then IPv6, as the kernel dumps them per group. */
  entries(now: number): MdbEntry[] {
    const out: MdbEntry[] = [];
    for (const b of this.buckets.values()) {
      for (const g of b) {
        g.ports.forEach((port, i) => {
          const e = g.expires[i]!;
          out.push({ family: g.family, group: formatGroup(g.family, g.addr), vid: g.vid, port, permanent: e === Infinity, remainingSec: e === Infinity ? 0 : Math.max(0, (e - now) / 1000) });
        });
      }
    }
    return out;
  }

  /** Router ports now: number, whether set permanently, seconds left of a learned one. */
  routers(now: number): { port: number; permanent: boolean; remainingSec: number }[] {
    const out: { port: number; permanent: boolean; remainingSec: number }[] = [];
    for (let p = 0; p < MAX_PORTS; p++) {
      if (!this.isRouter(p, now)) continue;
      const perm = this.routerMode[p] === ROUTER_ALWAYS;
      out.push({ port: p, permanent: perm, remainingSec: perm ? 0 : (this.routerUntil[p]! - now) / 1000 });
    }
    return out;
  }
}
