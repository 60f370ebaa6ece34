import { describe, it, expect } from 'vitest';
import {
  Fdb, FDB_TO_HOST, LEARN_REFRESHED, LEARN_NEW, LEARN_MOVED, LEARN_PINNED, LEARN_REFUSED_TABLE,
  LEARN_REFUSED_PORT, LEARN_HUB,
} from '../../src/fdb/index.js';

const T = 300_000; // default ageing, ms
const mac = (i: number) => 0x020000000000 + i;

describe('Fdb: learning and lookup', () => {
  it('learns new, refreshes same port, looks up by (vid, mac)', () => {
    const f = new Fdb();
    expect(f.lookup(0, mac(1), 0)).toBe(-1);
    expect(f.learn(0, mac(1), 3, 0)).toBe(LEARN_NEW);
    expect(f.learn(0, mac(1), 3, 10)).toBe(LEARN_REFRESHED);
    expect(f.lookup(0, mac(1), 10)).toBe(3);
    expect(f.lookup(1, mac(1), 10)).toBe(-1); // another VLAN: another table
    expect(f.size).toBe(1);
    expect(f.learnedCount).toBe(1);
    expect(f.portCount(3)).toBe(1);
    const e = f.get(0, mac(1))!;
    expect(e).toMatchObject({ mac: mac(1), vid: 0, port: 3, kind: 'learned', updated: 10 });
  });

  it('keeps the same MAC on different VLANs apart', () => {
    const f = new Fdb();
    f.learn(1, mac(1), 1, 0);
    f.learn(2, mac(1), 2, 0);
    expect(f.lookup(1, mac(1), 0)).toBe(1);
    expect(f.lookup(2, mac(1), 0)).toBe(2);
    expect(f.size).toBe(2);
  });

  it('handles MACs that differ only in the high 16 bits, and the extreme values', () => {
    const f = new Fdb();
    const macs = [0x000000000001, 0x000100000001, 0x800000000001, 0xfffe00000001, 0xfffeffffffff, 0x000000000000];
    macs.forEach((m, i) => expect(f.learn(0, m, i + 1, 0)).toBe(LEARN_NEW));
    macs.forEach((m, i) => expect(f.lookup(0, m, 0)).toBe(i + 1));
  });

  it('lookup marks used but does not refresh ageing', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    for (let t = 1000; t < T; t += 1000) expect(f.lookup(0, mac(1), t)).toBe(1);
    expect(f.get(0, mac(1))!.used).toBe(T - 1000);
    expect(f.get(0, mac(1))!.updated).toBe(0);
    expect(f.lookup(0, mac(1), T)).toBe(-1);
  });
});

describe('Fdb: ageing', () => {
  it('entry present at T-1 ms, gone at exactly T (lookup and age)', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 1000);
    expect(f.lookup(0, mac(1), 1000 + T - 1)).toBe(1);
    expect(f.age(1000 + T - 1)).toBe(0);
    expect(f.size).toBe(1);
    expect(f.lookup(0, mac(1), 1000 + T)).toBe(-1);
    expect(f.age(1000 + T)).toBe(1);
    expect(f.size).toBe(0);
    expect(f.get(0, mac(1))).toBeUndefined();
  });

  it('custom ageingSec is honoured', () => {
    const f = new Fdb({ ageingSec: 10 });
    f.learn(0, mac(1), 1, 0);
    expect(f.age(9_999)).toBe(0);
    expect(f.age(10_000)).toBe(1);
  });

  it('refresh restarts ageing', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    f.learn(0, mac(1), 1, 100_000);
    expect(f.age(T)).toBe(0);
    expect(f.lookup(0, mac(1), T + 99_999)).toBe(1);
    expect(f.age(T + 100_000)).toBe(1);
  });

  it('age() removes oldest first, in order of last update, and reports each', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    f.learn(0, mac(2), 2, 10);
    f.learn(0, mac(3), 3, 20);
    f.learn(0, mac(1), 1, 25); // refreshed: now younger than 3
    f.learn(7, mac(4), 4, 30);
    const seen: [number, number, number][] = [];
    expect(f.age(T + 20, (m, v, p) => seen.push([m, v, p]))).toBe(2);
    expect(seen).toEqual([[mac(2), 0, 2], [mac(3), 0, 3]]);
    expect(f.age(T + 30, (m, v, p) => seen.push([m, v, p]))).toBe(2);
    expect(seen.slice(2)).toEqual([[mac(1), 0, 1], [mac(4), 7, 4]]);
    expect(f.size).toBe(0);
    expect(f.nextExpiry(T + 30)).toBe(Infinity);
  });

  it('nextExpiry reports the oldest learned entry', () => {
    const f = new Fdb({ ageingSec: 10 });
    f.learn(0, mac(1), 1, 2000);
    f.learn(0, mac(2), 1, 5000);
    expect(f.nextExpiry(3000)).toBe(9000);
    expect(f.nextExpiry(20_000)).toBe(0);
  });

  it('an expired entry not yet collected is learned afresh (NEW, not MOVED)', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    expect(f.learn(0, mac(1), 2, T)).toBe(LEARN_NEW);
    expect(f.lookup(0, mac(1), T)).toBe(2);
    expect(f.size).toBe(1);
    expect(f.portCount(1)).toBe(0);
    expect(f.portCount(2)).toBe(1);
  });

  it('entries(now) hides expired entries', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    f.learn(0, mac(2), 1, 1000);
    expect(f.entries().length).toBe(2);
    expect(f.entries(T).map((e) => e.mac)).toEqual([mac(2)]);
  });

  it('setAgeing validates and applies', () => {
    const f = new Fdb();
    expect(() => f.setAgeing(-1)).toThrow(RangeError);
    expect(() => f.setAgeing(NaN)).toThrow(RangeError);
    expect(() => f.setAgeing(Infinity)).toThrow(RangeError);
    f.setAgeing(5);
    expect(f.ageingMs).toBe(5000);
    expect(f.effectiveAgeingMs).toBe(5000);
    f.learn(0, mac(1), 1, 0);
    expect(f.lookup(0, mac(1), 4999)).toBe(1);
    expect(f.lookup(0, mac(1), 5000)).toBe(-1);
  });
});

describe('Fdb: moves, static and local entries', () => {
  it('detects a move and records where from', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    expect(f.learn(0, mac(1), 2, 5)).toBe(LEARN_MOVED);
    expect(f.lastMovedFrom).toBe(1);
    expect(f.lookup(0, mac(1), 5)).toBe(2);
    expect(f.portCount(1)).toBe(0);
    expect(f.portCount(2)).toBe(1);
    expect(f.get(0, mac(1))!.updated).toBe(5);
    expect(f.learn(0, mac(1), 2, 6)).toBe(LEARN_REFRESHED);
  });

  it('static entries never age and never move', () => {
    const f = new Fdb({ ageingSec: 1 });
    f.addStatic(0, mac(1), 4);
    expect(f.pinnedCount).toBe(1);
    expect(f.learnedCount).toBe(0);
    expect(f.learn(0, mac(1), 5, 10)).toBe(LEARN_PINNED);
    expect(f.learn(0, mac(1), 4, 10)).toBe(LEARN_REFRESHED);
    expect(f.age(1e12)).toBe(0);
    expect(f.lookup(0, mac(1), 1e12)).toBe(4);
    expect(f.get(0, mac(1))!.kind).toBe('static');
    expect(f.nextExpiry(0)).toBe(Infinity);
  });

  it('local entries never age, never move, and look up as FDB_TO_HOST', () => {
    const f = new Fdb({ ageingSec: 1 });
    f.addStatic(0, mac(9), 2, true);
    expect(f.isLocal(0, mac(9))).toBe(true);
    expect(f.isLocal(0, mac(8))).toBe(false);
    expect(f.lookup(0, mac(9), 1e9)).toBe(FDB_TO_HOST);
    expect(f.learn(0, mac(9), 3, 10)).toBe(LEARN_PINNED);
    expect(f.age(1e12)).toBe(0);
    expect(f.get(0, mac(9))!.kind).toBe('local');
  });

  it('addStatic replaces a learned entry, and the learned counts follow', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    f.addStatic(0, mac(1), 2);
    expect(f.learnedCount).toBe(0);
    expect(f.pinnedCount).toBe(1);
    expect(f.portCount(1)).toBe(0);
    expect(f.lookup(0, mac(1), T * 10)).toBe(2);
    expect(f.age(T * 10)).toBe(0);
  });

  it('remove() deletes one entry', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    f.addStatic(0, mac(2), 1);
    expect(f.remove(0, mac(1))).toBe(true);
    expect(f.remove(0, mac(1))).toBe(false);
    expect(f.remove(0, mac(2))).toBe(true);
    expect(f.size).toBe(0);
  });
});

describe('Fdb: flush', () => {
  function filled(): Fdb {
    const f = new Fdb();
    f.learn(1, mac(1), 1, 0);
    f.learn(1, mac(2), 2, 0);
    f.learn(2, mac(3), 1, 0);
    f.learn(2, mac(4), 2, 0);
    f.addStatic(1, mac(5), 1);
    f.addStatic(2, mac(6), 2, true);
    return f;
  }
  it('all learned, pinned kept', () => {
    const f = filled();
    expect(f.flush()).toBe(4);
    expect(f.size).toBe(2);
    expect(f.learnedCount).toBe(0);
    expect(f.lookup(1, mac(5), 0)).toBe(1);
  });
  it('by port', () => {
    const f = filled();
    expect(f.flush({ port: 1 })).toBe(2);
    expect(f.lookup(1, mac(1), 0)).toBe(-1);
    expect(f.lookup(2, mac(3), 0)).toBe(-1);
    expect(f.lookup(1, mac(2), 0)).toBe(2);
    expect(f.lookup(1, mac(5), 0)).toBe(1);
    expect(f.portCount(1)).toBe(0);
    expect(f.portCount(2)).toBe(2);
  });
  it('by vid', () => {
    const f = filled();
    expect(f.flush({ vid: 2 })).toBe(2);
    expect(f.lookup(2, mac(3), 0)).toBe(-1);
    expect(f.lookup(1, mac(1), 0)).toBe(1);
  });
  it('by port and vid', () => {
    const f = filled();
    expect(f.flush({ port: 2, vid: 1 })).toBe(1);
    expect(f.lookup(1, mac(2), 0)).toBe(-1);
    expect(f.size).toBe(5);
  });
  it('includePinned removes static and local too', () => {
    const f = filled();
    expect(f.flush({ includePinned: true })).toBe(6);
    expect(f.size).toBe(0);
    expect(f.pinnedCount).toBe(0);
  });
  it('flushed entries leave the ageing list (nothing left to age, re-learn works)', () => {
    const f = filled();
    f.flush();
    expect(f.age(T)).toBe(0);
    expect(f.learn(1, mac(1), 1, 1)).toBe(LEARN_NEW);
    expect(f.age(T + 1)).toBe(1);
  });
});

describe('Fdb: limits', () => {
  it('evict-oldest: the least recently updated entry goes', () => {
    const f = new Fdb({ maxEntries: 3 });
    f.learn(0, mac(1), 1, 0);
    f.learn(0, mac(2), 1, 1);
    f.learn(0, mac(3), 1, 2);
    f.learn(0, mac(1), 1, 3); // refresh: mac(2) is now oldest
    expect(f.learn(0, mac(4), 2, 4)).toBe(LEARN_NEW);
    expect(f.lastEvictedMac).toBe(mac(2));
    expect(f.lastEvictedVid).toBe(0);
    expect(f.lastEvictedPort).toBe(1);
    expect(f.learnedCount).toBe(3);
    expect(f.lookup(0, mac(2), 4)).toBe(-1);
    expect(f.lookup(0, mac(1), 4)).toBe(1);
    expect(f.lookup(0, mac(4), 4)).toBe(2);
    expect(f.learn(0, mac(5), 2, 5)).toBe(LEARN_NEW);
    expect(f.lastEvictedMac).toBe(mac(3));
    expect(f.learn(0, mac(5), 2, 6)).toBe(LEARN_REFRESHED);
  });

  it('evict-oldest: lastEvictedMac is -1 when nothing was evicted', () => {
    const f = new Fdb({ maxEntries: 1 });
    f.learn(0, mac(1), 1, 0);
    f.learn(0, mac(2), 1, 1);
    expect(f.lastEvictedMac).toBe(mac(1));
    f.remove(0, mac(2));
    f.learn(0, mac(3), 1, 2);
    expect(f.lastEvictedMac).toBe(-1);
  });

  it('static entries do not count against maxEntries and are never evicted', () => {
    const f = new Fdb({ maxEntries: 2 });
    f.addStatic(0, mac(100), 1);
    f.addStatic(0, mac(101), 1, true);
    for (let i = 0; i < 10; i++) f.learn(0, mac(i), 1, i);
    expect(f.learnedCount).toBe(2);
    expect(f.lookup(0, mac(100), 10)).toBe(1);
    expect(f.lookup(0, mac(101), 10)).toBe(FDB_TO_HOST);
  });

  it('refuse-new: the table keeps what it has', () => {
    const f = new Fdb({ maxEntries: 2, policy: 'refuse-new' });
    f.learn(0, mac(1), 1, 0);
    f.learn(0, mac(2), 1, 0);
    expect(f.learn(0, mac(3), 1, 1)).toBe(LEARN_REFUSED_TABLE);
    expect(f.lookup(0, mac(3), 1)).toBe(-1);
    expect(f.learnedCount).toBe(2);
    expect(f.learn(0, mac(1), 2, 1)).toBe(LEARN_MOVED); // moves still allowed
    f.age(T);
    expect(f.learn(0, mac(3), 1, T)).toBe(LEARN_NEW);
  });

  it('per-port limit refuses new MACs on that port only', () => {
    const f = new Fdb({ perPortLimit: 2 });
    expect(f.learn(0, mac(1), 1, 0)).toBe(LEARN_NEW);
    expect(f.learn(0, mac(2), 1, 0)).toBe(LEARN_NEW);
    expect(f.learn(0, mac(3), 1, 0)).toBe(LEARN_REFUSED_PORT);
    expect(f.learn(0, mac(3), 2, 0)).toBe(LEARN_NEW);
    expect(f.learn(0, mac(1), 1, 1)).toBe(LEARN_REFRESHED);
    expect(f.portCount(1)).toBe(2);
    f.remove(0, mac(1));
    expect(f.learn(0, mac(4), 1, 2)).toBe(LEARN_NEW);
  });

  it('per-port limit also refuses a move onto a full port', () => {
    const f = new Fdb({ perPortLimit: 1 });
    f.learn(0, mac(1), 1, 0);
    f.learn(0, mac(2), 2, 0);
    expect(f.learn(0, mac(2), 1, 1)).toBe(LEARN_REFUSED_PORT);
    expect(f.lookup(0, mac(2), 1)).toBe(2);
    expect(f.portCount(1)).toBe(1);
    expect(f.portCount(2)).toBe(1);
  });

  it('port numbers past the initial per-port array are counted', () => {
    const f = new Fdb({ perPortLimit: 1 });
    expect(f.learn(0, mac(1), 1000, 0)).toBe(LEARN_NEW);
    expect(f.learn(0, mac(2), 1000, 0)).toBe(LEARN_REFUSED_PORT);
    expect(f.portCount(1000)).toBe(1);
  });

  it('rejects bad options with a message', () => {
    expect(() => new Fdb({ maxEntries: 0 })).toThrow(/maxEntries 0/);
    expect(() => new Fdb({ policy: 'lru' as never })).toThrow(/'lru'/);
  });
});

describe('Fdb: hub mode (ageing 0)', () => {
  it('nothing is remembered', () => {
    const f = new Fdb({ ageingSec: 0 });
    expect(f.learn(0, mac(1), 1, 0)).toBe(LEARN_HUB);
    expect(f.lookup(0, mac(1), 0)).toBe(-1);
    expect(f.size).toBe(0);
  });
  it('setAgeing(0) forgets what was learned, keeps static', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    f.addStatic(0, mac(2), 2);
    f.setAgeing(0);
    expect(f.lookup(0, mac(1), 0)).toBe(-1);
    expect(f.learn(0, mac(1), 1, 0)).toBe(LEARN_HUB);
    expect(f.lookup(0, mac(2), 0)).toBe(2);
    f.age(0);
    expect(f.learnedCount).toBe(0);
  });
});

describe('Fdb: hash table structure', () => {
  it('grows past initialCapacity and keeps every entry findable', () => {
    const f = new Fdb({ initialCapacity: 16 });
    const before = f.memoryBytes();
    const N = 5000;
    for (let i = 0; i < N; i++) expect(f.learn(i & 3, mac(i * 7919), i % 13, i)).toBe(LEARN_NEW);
    expect(f.size).toBe(N);
    for (let i = 0; i < N; i++) expect(f.lookup(i & 3, mac(i * 7919), N)).toBe(i % 13);
    expect(f.memoryBytes()).toBeGreaterThan(before);
    // ageing order survives growth
    const aged: number[] = [];
    f.age(T + 9, (m) => aged.push(m));
    expect(aged).toEqual(Array.from({ length: 10 }, (_, i) => mac(i * 7919)));
  });

  it('deletion keeps probe chains intact (colliding keys, random deletes)', () => {
    // same MAC on many VLANs plus sequential MACs: many land in shared clusters in a small table
    const f = new Fdb({ initialCapacity: 16, maxEntries: 1 << 16 });
    const keys: [number, number][] = [];
    for (let v = 0; v < 64; v++) for (let i = 0; i < 8; i++) keys.push([v, mac(i)]);
    keys.forEach(([v, m], k) => f.learn(v, m, k % 7, 0));
    let seed = 12345;
    const rand = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    const alive = new Set(keys.map((_, k) => k));
    for (let round = 0; round < 4; round++) {
      for (const k of [...alive]) {
        if (rand() % 3 === 0) { expect(f.remove(keys[k]![0], keys[k]![1])).toBe(true); alive.delete(k); }
      }
      for (let k = 0; k < keys.length; k++) {
        const [v, m] = keys[k]!;
        expect(f.lookup(v, m, 1)).toBe(alive.has(k) ? k % 7 : -1);
      }
      // re-insert some deleted ones: free-list reuse + insert into holes
      for (let k = 0; k < keys.length; k++) {
        if (!alive.has(k) && rand() % 2 === 0) { f.learn(keys[k]![0], keys[k]![1], k % 7, 1); alive.add(k); }
      }
      expect(f.size).toBe(alive.size);
    }
  });

  it('random learn/evict/remove churn in a tiny table matches a Map model', () => {
    const f = new Fdb({ initialCapacity: 16, maxEntries: 16 });
    // maxEntries 16 under evict-oldest: the slab never grows past 16+64 → rounds to 128, table stays small-ish
    const live = new Map<number, number>();
    let seed = 7;
    const rand = () => { seed = (seed * 48271) % 2147483647; return seed; };
    for (let t = 0; t < 2000; t++) {
      const m = mac(rand() % 40);
      const p = rand() % 5;
      const r = f.learn(0, m, p, t);
      if (r === LEARN_NEW && f.lastEvictedMac >= 0) live.delete(f.lastEvictedMac);
      live.set(m, p);
      if (rand() % 4 === 0) { const d = mac(rand() % 40); f.remove(0, d); live.delete(d); }
      expect(f.learnedCount).toBe(live.size);
      for (const [lm, lp] of live) expect(f.lookup(0, lm, t)).toBe(lp);
    }
  });

  it('memoryBytes grows with capacity and covers the typed arrays', () => {
    const small = new Fdb({ initialCapacity: 1024 });
    expect(small.memoryBytes()).toBeGreaterThanOrEqual(1024 * 39 + 2048 * 4);
    const f = new Fdb({ initialCapacity: 16 });
    const m0 = f.memoryBytes();
    for (let i = 0; i < 100; i++) f.learn(0, mac(i), 1, 0);
    expect(f.memoryBytes()).toBeGreaterThanOrEqual(128 * 39);
    expect(f.memoryBytes()).toBeGreaterThan(m0);
  });

  it('1M-capacity sizing: bytes per entry stays near 47 (39 slab + 8 hash)', () => {
    const f = new Fdb({ initialCapacity: 1 << 20 });
    expect(f.memoryBytes() / (1 << 20)).toBeLessThan(48);
  });
});

// Regression: a move refused by the per-port limit used to refresh the entry on the old port, so a
// host that moved to a full port stayed pinned to its old port for as long as it kept talking (its
// frames dropped, yet keeping the stale entry alive).
describe('Fdb: refused move', () => {
  it('a move refused by the per-port limit leaves the old entry ageing as before', () => {
    const f = new Fdb({ perPortLimit: 1 });
    f.learn(0, mac(1), 1, 0);      // mac(1) on port 1 at t=0
    f.learn(0, mac(2), 2, 0);      // port 2 is now full
    expect(f.learn(0, mac(1), 2, 200_000)).toBe(LEARN_REFUSED_PORT);
    expect(f.get(0, mac(1))!.updated).toBe(0);
    expect(f.lookup(0, mac(1), T)).toBe(-1);
    expect(f.age(T)).toBe(2);
  });
});
