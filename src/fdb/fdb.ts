// The forwarding database: MAC (+VLAN) → port, with ageing, moves, static/local entries and
// table limits. No objects per entry and no allocation per frame:
//
//  - records: one 32-byte record per entry in a single ArrayBuffer (a slab with a free list), read
//    through an Int32Array and a Float64Array view of the same memory, so a learn or a lookup
//    reads one cache line of record:
//      int32 [0] low 32 bits of the MAC   [1] tag = hi16 | vid << 16 | kind << 28 (0 = free)
//            [2] port                     [3] place in the ageing order (free record: next free)
//      f64   [2] updated (ms)             [3] used (ms)
//  - slots: open addressing with linear probing over an Int32Array, twice as many slots as
//    records. The home slot is the top bits of a multiplicative hash; a slot holds the record
//    index + 1 in its low bits and the hash's low bits as a fingerprint above them, so probing
//    past other keys does not touch their records.
//  - ageing order: the learned records in order of `updated`, without any work per refresh. New
//    entries join a FIFO ring (the clock only moves forward, so the ring is sorted by the time
//    each entry joined); a refresh only rewrites `updated` in the record. When an entry reaches
//    the head of the ring and turns out to have been refreshed, it is placed again by its
//    current time: at the ring's tail when that keeps the ring sorted, else in a 4-ary min-heap
//    (keyed by `updated`, re-keyed lazily the same way at its top). The oldest entry is the
//    older of ring head and heap top, so ageing and evict-oldest stay exact; entries updated in
//    the same millisecond go in the order they were placed.

export const FDB_LEARNED = 0;
/** Added by the user; never ages, never moves. */
export const FDB_STATIC = 1;
/** The bridge's or a port's own address; never ages, never moves, frames to it go to the host. */
export const FDB_LOCAL = 2;

export type LimitPolicy = 'evict-oldest' | 'refuse-new';
export const LIMIT_POLICIES: readonly LimitPolicy[] = ['evict-oldest', 'refuse-new'];

/** lookup() result for a local entry: the frame is for the bridge itself (its host port). */
export const FDB_TO_HOST = -2;

/** Results of learn(); kept as numbers so the fast path compares integers. */
export const LEARN_REFRESHED = 0;
export const LEARN_NEW = 1;
export const LEARN_MOVED = 2;
/** Source is a static/local entry on another port: not moved. */
export const LEARN_PINNED = 3;
/** Table full under refuse-new: not learned (the frame is still forwarded, as the kernel does). */
export const LEARN_REFUSED_TABLE = 4;
/** The port's own limit is reached: not learned, and the bridge drops the frame (reason limit). */
export const LEARN_REFUSED_PORT = 5;
/** Ageing is 0 (hub mode): nothing is remembered. */
export const LEARN_HUB = 6;

export interface FdbOptions {
  /** Seconds after the last frame *from* a MAC that its entry expires; 0 = hub mode. Default 300. */
  ageingSec?: number;
  /** Most learned entries in the table (static/local not counted). Default 1,048,576. */
  maxEntries?: number;
  policy?: LimitPolicy;
  /** Most learned entries per port; 0 = no per-port limit. */
  perPortLimit?: number;
  /** Initial entries; the table grows by doubling up to maxEntries. */
  initialCapacity?: number;
}

export interface FdbEntry {
  mac: number;
  /** 0–4095. */
  vid: number;
  port: number;
  kind: 'learned' | 'static' | 'local';
  /** ms of the last frame from this MAC (learned) or of creation (static/local). */
  updated: number;
  /** ms of the last frame forwarded to this MAC. */
  used: number;
}

const NIL = -1;
const TWO32 = 0x100000000;
const INV_TWO32 = 1 / TWO32;

// record tag: bits 0–15 MAC high 16 bits, 16–27 vid, 28–29 kind code (1 learned, 2 static, 3 local)
const KEY_MASK = 0x0fffffff;
const K_LEARNED = 1;
const K_STATIC = 2;
const K_LOCAL = 3;
// the hash: h = imul(lo ^ imul(hi16 | vid << 16, H1), H2); home slot = top bits of h
const H1 = 0x85ebca6b | 0;
const H2 = 0x9e3779b1 | 0;
/** Bit 30 of a learned record's int32 [3]: its place is in the ring (else in the heap). */
const RING = 1 << 30;
/** Ring nodes allocated up front at most; the ring grows with the learned entries. */
const RING_INITIAL_MAX = 1024;

/** The table's 32-bit hash of (vid, mac): its top bits pick the home slot (for tests that build colliding keys). */
export function hashKey(mac: number, vid: number): number {
  return Math.imul((mac | 0) ^ Math.imul(((mac * INV_TWO32) | 0) | ((vid & 0xfff) << 16), H1), H2);
}

/**
 * What learn() would do now with a frame from (vid, mac) on a port: learnOutcome()'s answer,
 * taken from the very decision learn() applies.
 */
export interface LearnPreview {
  /** The LEARN_* code learn() would return. */
  code: number;
  /** The entry learn() would find for (vid, mac), as it is now; null when there is none. */
  entry: FdbEntry | null;
  /** The entry has expired but was not collected yet: learn() ages it first, then treats the MAC as new. */
  ages: boolean;
  /** The learned entry learn() would evict to make room (LEARN_NEW under evict-oldest, table full), else null. */
  evicts: FdbEntry | null;
}

function checkMaxEntries(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`FDB maxEntries ${n}: must be an integer of at least 1`);
}

function checkPolicy(p: LimitPolicy): void {
  if (!LIMIT_POLICIES.includes(p)) throw new RangeError(`FDB policy '${p}': allowed ${LIMIT_POLICIES.join(', ')}`);
}

function checkPerPortLimit(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`FDB per-port limit ${n}: must be an integer ≥ 0 (0 = no limit)`);
}

export class Fdb {
  // Settings: read through the getters below and changed only through the validating setters,
  // so the invariant learnedCount ≤ maxEntries (which learn()'s eviction relies on) always holds.
  private ageMs: number;
  private effAgeMs: number;
  private maxLearned: number;
  private limitPolicy: LimitPolicy;
  private portLimit: number;

  /** Learned entries only (the ones limits count). */
  learnedCount = 0;
  /** Static + local entries. */
  pinnedCount = 0;
  /** Set by learn() when it returns LEARN_MOVED: the port the MAC moved from. */
  lastMovedFrom = -1;
  lastEvictedVid = 0;
  lastEvictedPort = -1;
  /**
   * Entries learn() found expired but not yet collected by age(): they age right there (then the
   * MAC is learned afresh). Counts up; add it to what age() returned to count every entry that
   * aged. learn() never returns LEARN_REFRESHED when it ages one.
   */
  lazilyAged = 0;
  /** Port of the entry learn() last aged that way (its mac and vid are the ones learn() was given). */
  lastLazilyAgedPort = -1;
  // learnDecide()'s answer beside its result code: the found entry has expired and ages first;
  // the record to evict, or -1. Fields, so that the per-frame decision allocates nothing.
  private decAges = false;
  private decVictim = NIL;
  // the MAC learn() last evicted as two int32 halves (hi -1: none), never a 48-bit double on
  // the learning path: a double leaving a call that is not inlined is a heap allocation
  private evictedHi = -1;
  private evictedLo = 0;

  // ---- records (slab): ri/rf view the same memory, 8 int32 = 4 f64 per record
  private ri: Int32Array;
  private rf: Float64Array;
  private cap: number;
  private freeHead = NIL;
  private highWater = 0;

  // ---- hash slots: (record index + 1) | (h << bits); 0 = empty
  private slots: Int32Array;
  /** slots - 1 (slots is a power of two). */
  private smask: number;
  /** 32 - log2(slots): home slot = h >>> shift. */
  private shift: number;

  // ---- ageing order. A learned record's int32 [3] is RING | ring index, or its heap index.
  /** Ring (FIFO) of records with the time each joined, oldest at rh; re[] = -1 marks a hole. */
  private rk: Float64Array;
  private re: Int32Array;
  private rh = 0;
  /** Ring nodes in use, holes included. */
  private rn = 0;
  private rholes = 0;
  /** 4-ary min-heap: key (updated when placed) and record. */
  private hk: Float64Array;
  private he: Int32Array;
  private hsize = 0;

  private perPort: Int32Array = new Int32Array(64);

  constructor(opts: FdbOptions = {}) {
    this.ageMs = 0;
    this.effAgeMs = 0;
    this.setAgeing(opts.ageingSec ?? 300);
    this.maxLearned = opts.maxEntries ?? 1 << 20;
    checkMaxEntries(this.maxLearned);
    this.limitPolicy = opts.policy ?? 'evict-oldest';
    checkPolicy(this.limitPolicy);
    this.portLimit = opts.perPortLimit ?? 0;
    checkPerPortLimit(this.portLimit);
    let c = 16;
    const want = Math.min(opts.initialCapacity ?? 1024, this.maxLearned + 64);
    while (c < want) c *= 2;
    this.cap = c;
    const rb = new ArrayBuffer(c * 32);
    this.ri = new Int32Array(rb);
    this.rf = new Float64Array(rb);
    this.slots = new Int32Array(c * 2);
    this.smask = c * 2 - 1;
    this.shift = 32 - Math.log2(c * 2);
    this.rk = new Float64Array(Math.min(c, RING_INITIAL_MAX));
    this.re = new Int32Array(this.rk.length);
    this.hk = new Float64Array(16);
    this.he = new Int32Array(16);
  }

  get size(): number { return this.learnedCount + this.pinnedCount; }

  /** Set by learn() when it returns LEARN_NEW: whether it evicted an entry to make room (see lastEvicted*). */
  get lastLearnEvicted(): boolean { return this.evictedHi >= 0; }
  /** The MAC learn() last evicted to make room, or -1 (a learn that evicted nothing resets it). */
  get lastEvictedMac(): number { return this.evictedHi < 0 ? -1 : this.evictedHi * TWO32 + (this.evictedLo >>> 0); }

  /** Configured ageing time (ms). */
  get ageingMs(): number { return this.ageMs; }
  /** Ageing in force (ms): equals ageingMs except while a topology change shortens it. */
  get effectiveAgeingMs(): number { return this.effAgeMs; }
  /** Most learned entries the table holds (static/local not counted). */
  get maxEntries(): number { return this.maxLearned; }
  /** What learn() does with a new MAC when the table is full. */
  get policy(): LimitPolicy { return this.limitPolicy; }
  /** Most learned entries per port; 0 = no per-port limit. */
  get perPortLimit(): number { return this.portLimit; }

  setAgeing(sec: number): void {
    if (!(sec >= 0) || !Number.isFinite(sec)) throw new RangeError(`ageing time ${sec}: must be a number of seconds ≥ 0`);
    const wasShortened = this.effAgeMs !== this.ageMs;
    this.ageMs = sec * 1000;
    if (!wasShortened) this.effAgeMs = this.ageMs;
  }

  /**
   * A topology change ages with tcAgeingMs (never slower than configured) while it lasts; null
   * ends it and restores the configured ageing.
   */
  setTopologyChangeAgeing(tcAgeingMs: number | null): void {
    if (tcAgeingMs !== null && !(tcAgeingMs >= 0)) throw new RangeError(`topology-change ageing ${tcAgeingMs} ms: must be ≥ 0`);
    this.effAgeMs = tcAgeingMs === null ? this.ageMs : Math.min(tcAgeingMs, this.ageMs);
  }

  /**
   * Sets the table limit. Throws RangeError for a value that is not an integer ≥ 1. Returns false
   * and changes nothing when more than n entries are learned now (a smaller table would have to
   * drop entries it holds).
   */
  setMaxEntries(n: number): boolean {
    checkMaxEntries(n);
    if (n < this.learnedCount) return false;
    this.maxLearned = n;
    return true;
  }

  /** Sets what happens to a new MAC when the table is full. Throws RangeError for an unknown policy. */
  setPolicy(p: LimitPolicy): void {
    checkPolicy(p);
    this.limitPolicy = p;
  }

  /**
   * Sets the per-port limit (0 = none). A port already above a lowered limit keeps its entries;
   * it learns nothing new until it is back under. Throws RangeError unless an integer ≥ 0.
   */
  setPerPortLimit(n: number): void {
    checkPerPortLimit(n);
    this.portLimit = n;
  }

  // learnHiLo() and lookupHiLo() are the per-frame calls; learn() and lookup() are the same with
  // the MAC as one number. The MAC travels as two int32 halves (hi16, lo32) so that neither the
  // caller nor these ever box a double (a MAC above 2^31 is not a small integer), and their
  // bytecode is kept small on purpose: V8 inlines them into the caller only while the caller's
  // inlining budget (920 bytes of bytecode) lasts. So the rare cases live in separate methods and
  // the constants are written out (a module constant costs a context load and a hole check).

  /**
   * Port of the destination, -1 when unknown (absent or expired), FDB_TO_HOST for a local entry. Marks the entry used but
   * never refreshes its ageing: only frames *from* a MAC keep it alive.
   */
  lookup(vid: number, mac: number, now: number): number {
    return this.lookupHiLo(vid, (mac * 2.3283064365386963e-10) | 0, mac | 0, now);
  }

  /** lookup() with the MAC as hi16 = its top 16 bits and lo = its low 32 bits (as int32 or uint32). */
  lookupHiLo(vid: number, hi: number, lo: number, now: number): number {
    const key = hi | ((vid & 0xfff) << 16);
    const h = Math.imul(lo ^ Math.imul(key, 0x85ebca6b), 0x9e3779b1);
    const slots = this.slots;
    const m = this.smask;
    const ri = this.ri;
    const sh = this.shift;
    const fp = h << -sh;
    for (let i = h >>> sh; ; i = (i + 1) & m) {
      const s = slots[i]!;
      if (s === 0) return -1;
      const b = ((s & m) - 1) << 3;
      if (((s ^ fp) & ~m) === 0 && ri[b] === (lo | 0) && (ri[b + 1]! & 0x0fffffff) === key) {
        const k = ri[b + 1]! >>> 28;
        const rf = this.rf;
        if (k === 1 && rf[(b >> 1) + 2]! + this.effAgeMs <= now) return -1;
        rf[(b >> 1) + 3] = now;
        return k === 3 ? -2 : ri[b + 2]!;
      }
    }
  }

  /** Records that a frame from mac arrived on port at now. Returns a LEARN_* code. */
  learn(vid: number, mac: number, port: number, now: number): number {
    return this.learnHiLo(vid, (mac * 2.3283064365386963e-10) | 0, mac | 0, port, now);
  }

  /** learn() with the MAC as hi16 and lo32, as lookupHiLo(). */
  learnHiLo(vid: number, hi: number, lo: number, port: number, now: number): number {
    const key = hi | ((vid & 0xfff) << 16);
    const h = Math.imul(lo ^ Math.imul(key, 0x85ebca6b), 0x9e3779b1);
    const slots = this.slots;
    const m = this.smask;
    const ri = this.ri;
    const sh = this.shift;
    const fp = h << -sh;
    for (let i = h >>> sh; ; i = (i + 1) & m) {
      const s = slots[i]!;
      if (s === 0) return this.learnAbsent(key, lo | 0, port, now);
      const b = ((s & m) - 1) << 3;
      if (((s ^ fp) & ~m) === 0 && ri[b] === (lo | 0) && (ri[b + 1]! & 0x0fffffff) === key) {
        // the per-frame case, learnDecide()'s first answer written out: a learned source seen
        // again on its port, before it expired, is refreshed
        const rf = this.rf;
        if (ri[b + 1]! >>> 28 === 1 && ri[b + 2] === port && rf[(b >> 1) + 2]! + this.effAgeMs > now) {
          rf[(b >> 1) + 2] = now;
          return 0;
        }
        return this.learnFound(b >> 3, port, now);
      }
    }
  }

  /**
   * What learn(vid, mac, port) would do at now, without doing it: the same decision learn()
   * applies, so the answer (eviction victim included: the real head of the ageing order) is what
   * learn() then does. Changes no entry, count or time (allocates the answer; not for the fast path).
   */
  learnOutcome(vid: number, mac: number, port: number, now: number): LearnPreview {
    const e = this.find(vid, mac);
    const code = this.learnDecide(e, port, now);
    return {
      code,
      entry: e === NIL ? null : this.entryAt(e),
      ages: this.decAges,
      evicts: this.decVictim === NIL ? null : this.entryAt(this.decVictim),
    };
  }

  /**
   * The one decision of learn() for a frame from the key of record e (-1: the key is absent) on
   * port at now: a LEARN_* code, with decAges and decVictim set. Reads only (oldest() may put
   * refreshed entries of the ageing order in their places, which changes no answer).
   */
  private learnDecide(e: number, port: number, now: number): number {
    this.decAges = false;
    this.decVictim = NIL;
    // the entry that ages first leaves the counts it is in
    let aged = 0;
    let agedHere = 0;
    if (e !== NIL) {
      const b = e << 3;
      const old = this.ri[b + 2]!;
      if (this.ri[b + 1]! >>> 28 !== K_LEARNED) return old === port ? LEARN_REFRESHED : LEARN_PINNED;
      if (this.rf[(e << 2) + 2]! + this.effAgeMs > now) {
        if (old === port) return LEARN_REFRESHED;
        // a move the new port's limit refuses leaves the entry exactly as it was
        return this.portLimit > 0 && this.portCount(port) >= this.portLimit ? LEARN_REFUSED_PORT : LEARN_MOVED;
      }
      // expired but not yet collected: it ages first; then the MAC is learned afresh
      this.decAges = true;
      aged = 1;
      if (old === port) agedHere = 1;
    }
    if (this.effAgeMs <= 0) return LEARN_HUB;
    if (this.portLimit > 0 && this.portCount(port) - agedHere >= this.portLimit) return LEARN_REFUSED_PORT;
    if (this.learnedCount - aged >= this.maxLearned) {
      if (this.limitPolicy === 'refuse-new') return LEARN_REFUSED_TABLE;
      // learnedCount ≤ maxEntries always (setMaxEntries), so a full table here means e was not
      // aged: the victim is the head of the ageing order, and never e itself
      this.decVictim = this.oldest();
    }
    return LEARN_NEW;
  }

  // learn()'s two ways out of the probe loop, kept to the few arguments they had so that
  // learnHiLo's bytecode (and so its share of the caller's inlining budget) stays as small

  /** learn() for a key that is in the table (record e) but is not a plain refresh. */
  private learnFound(e: number, port: number, now: number): number {
    return this.learnApply(e, this.ri[(e << 3) + 1]! & KEY_MASK, this.ri[e << 3]!, port, now);
  }

  /** learn() for a key (hi16 | vid << 16, lo32) that is not in the table. */
  private learnAbsent(key: number, lo: number, port: number, now: number): number {
    return this.learnApply(NIL, key, lo, port, now);
  }

  /** learn() for a key (hi16 | vid << 16, lo32) at record e (-1: absent) that is not a plain refresh: learnDecide(), applied. */
  private learnApply(e: number, key: number, lo: number, port: number, now: number): number {
    const r = this.learnDecide(e, port, now);
    const ri = this.ri;
    if (r === LEARN_REFRESHED) {
      if (ri[(e << 3) + 1]! >>> 28 === K_LEARNED) this.rf[(e << 2) + 2] = now;
      return r;
    }
    if (r === LEARN_MOVED) {
      const old = ri[(e << 3) + 2]!;
      this.rf[(e << 2) + 2] = now;
      ri[(e << 3) + 2] = port;
      this.portAdd(old, -1);
      this.portAdd(port, 1);
      this.lastMovedFrom = old;
      return r;
    }
    if (this.decAges) {
      this.lazilyAged++;
      this.lastLazilyAgedPort = ri[(e << 3) + 2]!;
      this.removeEntry(e);
    }
    if (r === LEARN_NEW || r === LEARN_REFUSED_TABLE) this.evictedHi = -1;
    if (r !== LEARN_NEW) return r;
    if (this.decVictim !== NIL) this.evict(this.decVictim);
    this.insert(key, lo, port, K_LEARNED, now);
    return r;
  }

  /** Removes learned record v to make room, noting it in lastEvicted*. */
  private evict(v: number): void {
    const ri = this.ri;
    this.evictedHi = ri[(v << 3) + 1]! & 0xffff;
    this.evictedLo = ri[v << 3]!;
    this.lastEvictedVid = this.vidAt(v);
    this.lastEvictedPort = ri[(v << 3) + 2]!;
    this.removeEntry(v);
  }

  /** Whether entry e (from get()/entries()) has expired at now: lookups treat it as absent and learn() ages it. */
  isExpired(e: FdbEntry, now: number): boolean {
    return e.kind === 'learned' && e.updated + this.effAgeMs <= now;
  }

  /** True when (vid, mac) is a local (host) address. */
  isLocal(vid: number, mac: number): boolean {
    const e = this.find(vid, mac);
    return e !== NIL && this.ri[(e << 3) + 1]! >>> 28 === K_LOCAL;
  }

  /** Adds or replaces a static (or local) entry. */
  addStatic(vid: number, mac: number, port: number, local = false, now = 0): void {
    const e = this.find(vid, mac);
    if (e !== NIL) this.removeEntry(e);
    this.insert(((mac * INV_TWO32) | 0) | ((vid & 0xfff) << 16), mac | 0, port, local ? K_LOCAL : K_STATIC, now);
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
    const limit = now - this.effAgeMs;
    for (;;) {
      // (called ~10×/s: entries refreshed since they were placed are only placed again once their
      // old place says they might have expired, i.e. once per ageing time at most)
      const e = this.oldest(limit);
      if (e === NIL || this.rf[(e << 2) + 2]! > limit) break;
      const mac = this.macAt(e);
      const vid = this.vidAt(e);
      const port = this.ri[(e << 3) + 2]!;
      this.removeEntry(e);
      n++;
      if (onAged) onAged(mac, vid, port);
    }
    return n;
  }

  /** Milliseconds until the next entry expires (for a sleeping scheduler), or Infinity. */
  nextExpiry(now: number): number {
    const e = this.oldest();
    if (e === NIL) return Infinity;
    return Math.max(0, this.rf[(e << 2) + 2]! + this.effAgeMs - now);
  }

  /**
   * Flushes learned entries (static/local kept unless includePinned), optionally only those of
   * one port and/or one VLAN. Returns how many were removed.
   */
  flush(filter: { port?: number; vid?: number; includePinned?: boolean } = {}): number {
    let n = 0;
    const ri = this.ri;
    for (let e = 0; e < this.highWater; e++) {
      const t = ri[(e << 3) + 1]!;
      if (t === 0) continue;
      if (filter.port !== undefined && ri[(e << 3) + 2] !== filter.port) continue;
      if (filter.vid !== undefined && ((t >>> 16) & 0xfff) !== filter.vid) continue;
      if (t >>> 28 !== K_LEARNED && !filter.includePinned) continue;
      // many removals: leave the ageing order alone here and rebuild it once below
      this.removeEntry(e, false);
      n++;
    }
    if (n > 0) this.orderRebuild();
    return n;
  }

  /** Snapshot of all entries (for show commands; allocates, never on the fast path). */
  entries(now?: number): FdbEntry[] {
    const out: FdbEntry[] = [];
    const ri = this.ri;
    for (let e = 0; e < this.highWater; e++) {
      const t = ri[(e << 3) + 1]!;
      if (t === 0) continue;
      if (now !== undefined && t >>> 28 === K_LEARNED && this.rf[(e << 2) + 2]! + this.effAgeMs <= now) continue;
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
    return this.ri.byteLength + this.slots.byteLength + this.rk.byteLength + this.re.byteLength
      + this.hk.byteLength + this.he.byteLength + this.perPort.byteLength;
  }

  // ---- internals ----

  /** Finds the record index for (vid, mac) or -1; expiry is not checked here. */
  private find(vid: number, mac: number): number {
    const lo = mac | 0;
    const key = ((mac * INV_TWO32) | 0) | ((vid & 0xfff) << 16);
    const h = Math.imul(lo ^ Math.imul(key, H1), H2);
    const slots = this.slots;
    const m = this.smask;
    const ri = this.ri;
    const fp = h << -this.shift;
    for (let i = h >>> this.shift; ; i = (i + 1) & m) {
      const s = slots[i]!;
      if (s === 0) return NIL;
      const b = ((s & m) - 1) << 3;
      if (((s ^ fp) & ~m) === 0 && ri[b] === lo && (ri[b + 1]! & KEY_MASK) === key) return b >> 3;
    }
  }

  private macAt(e: number): number {
    return (this.ri[(e << 3) + 1]! & 0xffff) * TWO32 + (this.ri[e << 3]! >>> 0);
  }

  private vidAt(e: number): number {
    return (this.ri[(e << 3) + 1]! >>> 16) & 0xfff;
  }

  private entryAt(e: number): FdbEntry {
    const k = this.ri[(e << 3) + 1]! >>> 28;
    return {
      mac: this.macAt(e), vid: this.vidAt(e), port: this.ri[(e << 3) + 2]!,
      kind: k === K_LOCAL ? 'local' : k === K_STATIC ? 'static' : 'learned',
      updated: this.rf[(e << 2) + 2]!, used: this.rf[(e << 2) + 3]!,
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

  /** Adds a record for key (hi16 | vid << 16) and lo32 of the given kind. */
  private insert(key: number, lo: number, port: number, kind: number, now: number): void {
    let e: number;
    if (this.freeHead !== NIL) {
      e = this.freeHead;
      this.freeHead = this.ri[(e << 3) + 3]!;
    } else {
      if (this.highWater === this.cap) this.grow();
      e = this.highWater++;
    }
    const ri = this.ri;
    const b = e << 3;
    ri[b] = lo;
    ri[b + 1] = key | (kind << 28);
    ri[b + 2] = port;
    this.rf[(e << 2) + 2] = now;
    this.rf[(e << 2) + 3] = now;
    this.slotPut(e);
    if (kind === K_LEARNED) {
      this.learnedCount++;
      this.portAdd(port, 1);
      this.place(e, now);
    } else {
      this.pinnedCount++;
    }
  }

  /** The hash of record e's key. */
  private hashAt(e: number): number {
    return Math.imul(this.ri[e << 3]! ^ Math.imul(this.ri[(e << 3) + 1]! & KEY_MASK, H1), H2);
  }

  private slotPut(e: number): void {
    const slots = this.slots;
    const m = this.smask;
    const h = this.hashAt(e);
    let i = h >>> this.shift;
    while (slots[i] !== 0) i = (i + 1) & m;
    slots[i] = (e + 1) | (h << -this.shift);
  }

  /** Frees record e and its slot; unlink = false leaves its place in the ageing order for orderRebuild(). */
  private removeEntry(e: number, unlink = true): void {
    const ri = this.ri;
    const slots = this.slots;
    const m = this.smask;
    const sh = this.shift;
    let i = this.hashAt(e) >>> sh;
    while ((slots[i]! & m) !== e + 1) i = (i + 1) & m;
    // backward-shift deletion keeps probe chains intact without tombstones
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const s = slots[j]!;
      if (s === 0) break;
      const k = this.hashAt((s & m) - 1) >>> sh;
      // move s into the hole at i unless its home k lies cyclically in (i, j]
      if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
      slots[i] = s;
      i = j;
    }
    slots[i] = 0;
    const b = e << 3;
    if (ri[b + 1]! >>> 28 === K_LEARNED) {
      if (unlink) this.unplace(e);
      this.learnedCount--;
      this.portAdd(ri[b + 2]!, -1);
    } else {
      this.pinnedCount--;
    }
    ri[b + 1] = 0;
    ri[b + 3] = this.freeHead;
    this.freeHead = e;
  }

  private grow(): void {
    const c = this.cap * 2;
    const rb = new ArrayBuffer(c * 32);
    const ri = new Int32Array(rb);
    ri.set(this.ri);
    this.ri = ri;
    this.rf = new Float64Array(rb);
    this.cap = c;
    this.slots = new Int32Array(c * 2);
    this.smask = c * 2 - 1;
    this.shift = 32 - Math.log2(c * 2);
    for (let e = 0; e < this.highWater; e++) if (ri[(e << 3) + 1] !== 0) this.slotPut(e);
  }

  // ---- ageing order (ring + heap)

  /**
   * The learned entry updated longest ago (the next to age or be evicted), or -1. With a limit it
   * only does the work (placing refreshed entries again) needed to answer exactly when that entry
   * was updated at or before limit; otherwise it may return an entry updated after the limit that
   * is not the oldest. Every node's key is ≤ its record's `updated`, so a key after the limit
   * bounds everything behind it.
   */
  private oldest(limit = Infinity): number {
    const rf = this.rf;
    // give back what a ring or heap that has emptied out no longer needs (each at most 4× its use)
    if (this.rk.length > RING_INITIAL_MAX && (this.rn - this.rholes) * 4 < this.rk.length) this.ringResize(this.rk.length >> 1);
    if (this.hk.length > 64 && this.hsize * 4 < this.hk.length) this.heapResize(this.hk.length >> 1);
    // ring head: skip holes; an entry refreshed since it joined is placed again by its current time
    while (this.rn > 0) {
      const e = this.re[this.rh]!;
      if (e < 0) {
        this.ringShift();
        this.rholes--;
        continue;
      }
      const k = this.rk[this.rh]!;
      const u = rf[(e << 2) + 2]!;
      if (u === k || k > limit) break;
      this.ringShift();
      this.place(e, u);
    }
    // heap top: the same, re-keyed in place
    while (this.hsize > 0) {
      const k = this.hk[0]!;
      const u = rf[(this.he[0]! << 2) + 2]!;
      if (u === k || k > limit) break;
      this.hk[0] = u;
      this.siftDown(0);
    }
    if (this.rn === 0) return this.hsize > 0 ? this.he[0]! : NIL;
    if (this.hsize > 0 && this.hk[0]! < this.rk[this.rh]!) return this.he[0]!;
    return this.re[this.rh]!;
  }

  /** Puts learned record e into the ageing order with key u (its `updated`). */
  private place(e: number, u: number): void {
    const mask = this.rk.length - 1;
    if (this.rn === 0 || u >= this.rk[(this.rh + this.rn - 1) & mask]!) {
      if (this.rn === this.rk.length) {
        // full: squeeze out the holes, into a ring twice as large unless that frees enough
        this.ringResize(this.rholes * 4 >= this.rn ? this.rn : this.rn * 2);
        this.place(e, u);
        return;
      }
      const j = (this.rh + this.rn) & mask;
      this.rk[j] = u;
      this.re[j] = e;
      this.rn++;
      this.ri[(e << 3) + 3] = RING | j;
    } else {
      this.heapPush(e, u);
    }
  }

  /** Takes learned record e out of the ageing order. */
  private unplace(e: number): void {
    const p = this.ri[(e << 3) + 3]!;
    if ((p & RING) !== 0) {
      const j = p & ~RING;
      if (j === this.rh) {
        this.ringShift();
      } else {
        this.re[j] = -1;
        this.rholes++;
      }
    } else {
      this.heapRemoveAt(p);
    }
  }

  /** Drops the ring's head node. */
  private ringShift(): void {
    this.rh = (this.rh + 1) & (this.rk.length - 1);
    this.rn--;
  }

  /** Copies the ring without its holes into one of size (a power of two ≥ the live nodes). */
  private ringResize(size: number): void {
    const n = this.rk.length;
    const rk = new Float64Array(size);
    const re = new Int32Array(size);
    let m = 0;
    for (let k = 0; k < this.rn; k++) {
      const j = (this.rh + k) & (n - 1);
      const e = this.re[j]!;
      if (e < 0) continue;
      rk[m] = this.rk[j]!;
      re[m] = e;
      this.ri[(e << 3) + 3] = RING | m;
      m++;
    }
    this.rk = rk;
    this.re = re;
    this.rh = 0;
    this.rn = m;
    this.rholes = 0;
  }

  private heapResize(size: number): void {
    const hk = new Float64Array(size);
    const he = new Int32Array(size);
    hk.set(this.hk.subarray(0, this.hsize));
    he.set(this.he.subarray(0, this.hsize));
    this.hk = hk;
    this.he = he;
  }

  private heapPush(e: number, key: number): void {
    if (this.hsize === this.hk.length) this.heapResize(this.hsize * 2);
    const n = this.hsize++;
    this.hk[n] = key;
    this.he[n] = e;
    this.siftUp(n);
  }

  private heapRemoveAt(n: number): void {
    const last = --this.hsize;
    if (n === last) return;
    this.hk[n] = this.hk[last]!;
    const e = this.he[n] = this.he[last]!;
    this.ri[(e << 3) + 3] = n;
    if (n > 0 && this.hk[n]! < this.hk[(n - 1) >> 2]!) this.siftUp(n);
    else this.siftDown(n);
  }

  private siftUp(n: number): void {
    const hk = this.hk;
    const he = this.he;
    const ri = this.ri;
    const k = hk[n]!;
    const e = he[n]!;
    while (n > 0) {
      const p = (n - 1) >> 2;
      if (!(k < hk[p]!)) break;
      hk[n] = hk[p]!;
      ri[((he[n] = he[p]!) << 3) + 3] = n;
      n = p;
    }
    hk[n] = k;
    he[n] = e;
    ri[(e << 3) + 3] = n;
  }

  private siftDown(n: number): void {
    const hk = this.hk;
    const he = this.he;
    const ri = this.ri;
    const size = this.hsize;
    const k = hk[n]!;
    const e = he[n]!;
    for (;;) {
      const c0 = 4 * n + 1;
      if (c0 >= size) break;
      // the oldest of up to 4 children
      let c = c0;
      const end = c0 + 4 < size ? c0 + 4 : size;
      for (let x = c0 + 1; x < end; x++) if (hk[x]! < hk[c]!) c = x;
      if (!(hk[c]! < k)) break;
      hk[n] = hk[c]!;
      ri[((he[n] = he[c]!) << 3) + 3] = n;
      n = c;
    }
    hk[n] = k;
    he[n] = e;
    ri[(e << 3) + 3] = n;
  }

  /** After flush(): drops the places of freed records, keeping everyone else's order. */
  private orderRebuild(): void {
    const ri = this.ri;
    // flush() freed records without unlinking them; no record is reused before this runs
    const live = (e: number) => e >= 0 && ri[(e << 3) + 1]! >>> 28 === K_LEARNED;
    const n = this.rk.length;
    let m = 0;
    for (let k = 0; k < this.rn; k++) {
      const j = (this.rh + k) & (n - 1);
      const e = this.re[j]!;
      if (!live(e)) continue;
      const to = (this.rh + m) & (n - 1);
      this.rk[to] = this.rk[j]!;
      this.re[to] = e;
      ri[(e << 3) + 3] = RING | to;
      m++;
    }
    this.rn = m;
    this.rholes = 0;
    let h = 0;
    for (let k = 0; k < this.hsize; k++) {
      const e = this.he[k]!;
      if (!live(e)) continue;
      this.hk[h] = this.hk[k]!;
      this.he[h] = e;
      h++;
    }
    this.hsize = h;
    for (let k = 0; k < h; k++) ri[(this.he[k]! << 3) + 3] = k;
    for (let k = (h - 2) >> 2; k >= 0; k--) this.siftDown(k);
  }
}
