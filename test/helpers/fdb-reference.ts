// The list-based FDB that src/fdb/fdb.ts replaced (commit b389ca5), kept unchanged as the reference
// model for the differential tests in test/unit/fdb-internals.test.ts: it keeps learned entries on an
// intrusive list in update order, moved to the tail on every refresh.
/* eslint-disable */

// Constants and types are the real table's: the model differs in how it stores, not in what it means.
import {
  FDB_LEARNED, FDB_STATIC, FDB_LOCAL, FDB_TO_HOST, LIMIT_POLICIES,
  LEARN_REFRESHED, LEARN_NEW, LEARN_MOVED, LEARN_PINNED, LEARN_REFUSED_TABLE, LEARN_REFUSED_PORT, LEARN_HUB,
  type LimitPolicy, type FdbOptions, type FdbEntry,
} from '../../src/fdb/fdb.js';
export {
  FDB_LEARNED, FDB_STATIC, FDB_LOCAL, FDB_TO_HOST, LIMIT_POLICIES,
  LEARN_REFRESHED, LEARN_NEW, LEARN_MOVED, LEARN_PINNED, LEARN_REFUSED_TABLE, LEARN_REFUSED_PORT, LEARN_HUB,
  type LimitPolicy, type FdbOptions, type FdbEntry,
};

const NIL = -1;
const TWO32 = 0x100000000;

function hashKey(mac: number, vid: number): number {
  const lo = mac >>> 0;
  const hi = (mac / TWO32) | 0;
  let h = Math.imul(lo ^ Math.imul(hi ^ (vid << 16), 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}

export class RefFdb {
  ageingMs: number;
  /** Ageing in force: equals ageingMs except while a topology change shortens it. */
  effectiveAgeingMs: number;
  maxEntries: number;
  policy: LimitPolicy;
  perPortLimit: number;

  /** Learned entries only (the ones limits count). */
  learnedCount = 0;
  /** Static + local entries. */
  pinnedCount = 0;
  /** Set by learn() when it returns LEARN_MOVED: the port the MAC moved from. */
  lastMovedFrom = -1;
  /** Set by learn()/evictions: the MAC evicted to make room, or -1. */
  lastEvictedMac = -1;
  lastEvictedVid = 0;
  lastEvictedPort = -1;

  // entry slab
  private cap: number;
  private emac: Float64Array;
  private evid: Uint16Array;
  private eport: Int32Array;
  private eflags: Uint8Array;
  private eupdated: Float64Array;
  private eused: Float64Array;
  private eprev: Int32Array;
  private enext: Int32Array;
  private freeHead = NIL;
  private highWater = 0;
  // learned-entry list, oldest first
  private lruHead = NIL;
  private lruTail = NIL;
  // hash: slot → entry index + 1 (0 = empty)
  private slots: Int32Array;
  private mask: number;
  private perPort: Int32Array = new Int32Array(64);

  constructor(opts: FdbOptions = {}) {
    this.ageingMs = (opts.ageingSec ?? 300) * 1000;
    this.effectiveAgeingMs = this.ageingMs;
    this.maxEntries = opts.maxEntries ?? 1 << 20;
    this.policy = opts.policy ?? 'evict-oldest';
    this.perPortLimit = opts.perPortLimit ?? 0;
    if (!(this.maxEntries >= 1)) throw new RangeError(`FDB maxEntries ${this.maxEntries}: must be at least 1`);
    if (!LIMIT_POLICIES.includes(this.policy)) throw new RangeError(`FDB policy '${this.policy}': allowed ${LIMIT_POLICIES.join(', ')}`);
    let c = 16;
    const want = Math.min(opts.initialCapacity ?? 1024, this.maxEntries + 64);
    while (c < want) c *= 2;
    this.cap = c;
    this.emac = new Float64Array(c);
    this.evid = new Uint16Array(c);
    this.eport = new Int32Array(c);
    this.eflags = new Uint8Array(c);
    this.eupdated = new Float64Array(c);
    this.eused = new Float64Array(c);
    this.eprev = new Int32Array(c);
    this.enext = new Int32Array(c);
    this.slots = new Int32Array(c * 2);
    this.mask = c * 2 - 1;
  }

  get size(): number { return this.learnedCount + this.pinnedCount; }

  setAgeing(sec: number): void {
    if (!(sec >= 0) || !Number.isFinite(sec)) throw new RangeError(`ageing time ${sec}: must be a number of seconds ≥ 0`);
    const wasShortened = this.effectiveAgeingMs !== this.ageingMs;
    this.ageingMs = sec * 1000;
    if (!wasShortened) this.effectiveAgeingMs = this.ageingMs;
  }

  /** Finds the entry index for (vid, mac) or -1; expiry is not checked here. */
  private find(vid: number, mac: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = hashKey(mac, vid) & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) return NIL;
      const e = s - 1;
      if (this.emac[e] === mac && this.evid[e] === vid) return e;
      i = (i + 1) & mask;
    }
  }

  private isExpired(e: number, now: number): boolean {
    return this.eflags[e] === FDB_LEARNED && this.eupdated[e]! + this.effectiveAgeingMs <= now;
  }

  /**
   * Port of the destination, -1 when unknown (absent or expired), FDB_TO_HOST for a local entry. Marks the entry used but
   * never refreshes its ageing: only frames *from* a MAC keep it alive.
   */
  lookup(vid: number, mac: number, now: number): number {
    const e = this.find(vid, mac);
    if (e === NIL) return -1;
    const flags = this.eflags[e]!;
    if (flags === FDB_LEARNED && this.eupdated[e]! + this.effectiveAgeingMs <= now) return -1;
    this.eused[e] = now;
    return flags === FDB_LOCAL ? FDB_TO_HOST : this.eport[e]!;
  }

  /** True when (vid, mac) is a local (host) address. */
  isLocal(vid: number, mac: number): boolean {
    const e = this.find(vid, mac);
    return e !== NIL && this.eflags[e] === FDB_LOCAL;
  }

  /** Records that a frame from mac arrived on port at now. Returns a LEARN_* code. */
  learn(vid: number, mac: number, port: number, now: number): number {
    let e = this.find(vid, mac);
    if (e !== NIL) {
      const flags = this.eflags[e]!;
      if (flags !== FDB_LEARNED) return this.eport[e] === port ? LEARN_REFRESHED : LEARN_PINNED;
      if (this.eupdated[e]! + this.effectiveAgeingMs <= now) {
        // expired but not yet collected: forget it and learn afresh
        this.removeEntry(e);
        e = NIL;
      } else {
        const old = this.eport[e]!;
        // a move the new port's limit refuses leaves the entry exactly as it was
        if (old !== port && this.perPortLimit > 0 && this.portCount(port) >= this.perPortLimit) return LEARN_REFUSED_PORT;
        this.eupdated[e] = now;
        if (e !== this.lruTail) this.lruMoveToTail(e);
        if (old === port) return LEARN_REFRESHED;
        this.eport[e] = port;
        this.portAdd(old, -1);
        this.portAdd(port, 1);
        this.lastMovedFrom = old;
        return LEARN_MOVED;
      }
    }
    if (this.effectiveAgeingMs <= 0) return LEARN_HUB;
    if (this.perPortLimit > 0 && this.portCount(port) >= this.perPortLimit) return LEARN_REFUSED_PORT;
    this.lastEvictedMac = -1;
    if (this.learnedCount >= this.maxEntries) {
      if (this.policy === 'refuse-new') return LEARN_REFUSED_TABLE;
      const old = this.lruHead;
      this.lastEvictedMac = this.emac[old]!;
      this.lastEvictedVid = this.evid[old]!;
      this.lastEvictedPort = this.eport[old]!;
      this.removeEntry(old);
    }
    e = this.insert(vid, mac, port, FDB_LEARNED, now);
    this.lruAppend(e);
    return LEARN_NEW;
  }

  /** Adds or replaces a static (or local) entry. */
  addStatic(vid: number, mac: number, port: number, local = false, now = 0): void {
    const e = this.find(vid, mac);
    if (e !== NIL) this.removeEntry(e);
    this.insert(vid, mac, port, local ? FDB_LOCAL : FDB_STATIC, now);
  }

  /** Removes (vid, mac); returns whether it existed. */
  remove(vid: number, mac: number): boolean {
    const e = this.find(vid, mac);
    if (e === NIL) return false;
    this.removeEntry(e);
    return true;
  }

  get(vid: number, mac: number): FdbEntry | undefined {
    const e = this.find(vid, mac);
    return e === NIL ? undefined : this.entryAt(e);
  }

  /**
   * Removes learned entries whose ageing has run out at now; calls onAged for each (off the
   * fast path: the bridge runs this from its periodic tick). Returns how many went.
   */
  age(now: number, onAged?: (mac: number, vid: number, port: number) => void): number {
    let n = 0;
    const limit = now - this.effectiveAgeingMs;
    while (this.lruHead !== NIL && this.eupdated[this.lruHead]! <= limit) {
      const e = this.lruHead;
      if (onAged) onAged(this.emac[e]!, this.evid[e]!, this.eport[e]!);
      this.removeEntry(e);
      n++;
    }
    return n;
  }

  /** Milliseconds until the next entry expires (for a sleeping scheduler), or Infinity. */
  nextExpiry(now: number): number {
    if (this.lruHead === NIL) return Infinity;
    return Math.max(0, this.eupdated[this.lruHead]! + this.effectiveAgeingMs - now);
  }

  /**
   * Flushes learned entries (static/local kept unless includePinned), optionally only those of
   * one port and/or one VLAN. Returns how many were removed.
   */
  flush(filter: { port?: number; vid?: number; includePinned?: boolean } = {}): number {
    let n = 0;
    for (let e = 0; e < this.highWater; e++) {
      if (!this.isLive(e)) continue;
      if (filter.port !== undefined && this.eport[e] !== filter.port) continue;
      if (filter.vid !== undefined && this.evid[e] !== filter.vid) continue;
      if (this.eflags[e] !== FDB_LEARNED && !filter.includePinned) continue;
      this.removeEntry(e);
      n++;
    }
    return n;
  }

  /** Snapshot of all entries (for show commands; allocates, never on the fast path). */
  entries(now?: number): FdbEntry[] {
    const out: FdbEntry[] = [];
    for (let e = 0; e < this.highWater; e++) {
      if (!this.isLive(e)) continue;
      if (now !== undefined && this.isExpired(e, now)) continue;
      out.push(this.entryAt(e));
    }
    return out;
  }

  /** Learned entries currently on port. */
  portCount(port: number): number {
    return port < this.perPort.length ? this.perPort[port]! : 0;
  }

  /** Approximate bytes held by the table's arrays. */
  memoryBytes(): number {
    return this.cap * (8 + 2 + 4 + 1 + 8 + 8 + 4 + 4) + this.slots.byteLength + this.perPort.byteLength;
  }

  // ---- internals ----

  private isLive(e: number): boolean {
    // a freed slab slot carries port -2 until reused
    return this.eport[e] !== -2;
  }

  private entryAt(e: number): FdbEntry {
    const f = this.eflags[e]!;
    return {
      mac: this.emac[e]!, vid: this.evid[e]!, port: this.eport[e]!,
      kind: f === FDB_LOCAL ? 'local' : f === FDB_STATIC ? 'static' : 'learned',
      updated: this.eupdated[e]!, used: this.eused[e]!,
    };
  }

  private portAdd(port: number, d: number): void {
    if (port >= this.perPort.length) {
      const n = new Int32Array(Math.max(port + 1, this.perPort.length * 2));
      n.set(this.perPort);
      this.perPort = n;
    }
    this.perPort[port]! += d;
  }

  private insert(vid: number, mac: number, port: number, flags: number, now: number): number {
    let e: number;
    if (this.freeHead !== NIL) {
      e = this.freeHead;
      this.freeHead = this.enext[e]!;
    } else {
      if (this.highWater === this.cap) this.grow();
      e = this.highWater++;
    }
    this.emac[e] = mac;
    this.evid[e] = vid;
    this.eport[e] = port;
    this.eflags[e] = flags;
    this.eupdated[e] = now;
    this.eused[e] = now;
    this.eprev[e] = NIL;
    this.enext[e] = NIL;
    const slots = this.slots;
    const mask = this.mask;
    let i = hashKey(mac, vid) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = e + 1;
    if (flags === FDB_LEARNED) {
      this.learnedCount++;
      this.portAdd(port, 1);
    } else {
      this.pinnedCount++;
    }
    return e;
  }

  private removeEntry(e: number): void {
    const mac = this.emac[e]!;
    const vid = this.evid[e]!;
    const slots = this.slots;
    const mask = this.mask;
    let i = hashKey(mac, vid) & mask;
    while (slots[i] !== e + 1) i = (i + 1) & mask;
    // backward-shift deletion keeps probe chains intact without tombstones
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = slots[j]!;
      if (s === 0) break;
      const k = hashKey(this.emac[s - 1]!, this.evid[s - 1]!) & mask;
      // move s into the hole at i unless its home k lies cyclically in (i, j]
      if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
      slots[i] = s;
      i = j;
    }
    slots[i] = 0;
    if (this.eflags[e] === FDB_LEARNED) {
      this.lruUnlink(e);
      this.learnedCount--;
      this.portAdd(this.eport[e]!, -1);
    } else {
      this.pinnedCount--;
    }
    this.eport[e] = -2;
    this.enext[e] = this.freeHead;
    this.freeHead = e;
  }

  private grow(): void {
    const c = this.cap * 2;
    const copyF64 = (a: Float64Array) => { const n = new Float64Array(c); n.set(a); return n; };
    const copyI32 = (a: Int32Array) => { const n = new Int32Array(c); n.set(a); return n; };
    this.emac = copyF64(this.emac);
    this.eupdated = copyF64(this.eupdated);
    this.eused = copyF64(this.eused);
    this.eport = copyI32(this.eport);
    this.eprev = copyI32(this.eprev);
    this.enext = copyI32(this.enext);
    const v = new Uint16Array(c); v.set(this.evid); this.evid = v;
    const f = new Uint8Array(c); f.set(this.eflags); this.eflags = f;
    this.cap = c;
    this.slots = new Int32Array(c * 2);
    this.mask = c * 2 - 1;
    for (let e = 0; e < this.highWater; e++) {
      if (!this.isLive(e)) continue;
      let i = hashKey(this.emac[e]!, this.evid[e]!) & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = e + 1;
    }
  }

  private lruAppend(e: number): void {
    this.eprev[e] = this.lruTail;
    this.enext[e] = NIL;
    if (this.lruTail !== NIL) this.enext[this.lruTail] = e; else this.lruHead = e;
    this.lruTail = e;
  }

  private lruUnlink(e: number): void {
    const p = this.eprev[e]!;
    const n = this.enext[e]!;
    if (p !== NIL) this.enext[p] = n; else this.lruHead = n;
    if (n !== NIL) this.eprev[n] = p; else this.lruTail = p;
  }

  private lruMoveToTail(e: number): void {
    this.lruUnlink(e);
    this.lruAppend(e);
  }
}
