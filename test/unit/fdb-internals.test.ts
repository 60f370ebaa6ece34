// The FDB's internals: the lazily kept ageing order (ring + heap), hash fingerprints and full-hash
// collisions, growth with packed records, the (hi16, lo32) API and lazily aged entries. The
// differential property test drives the FDB and the list-based FDB it replaced
// (test/helpers/fdb-reference.ts) with the same random operations and compares everything
// observable. Deterministic by default (fixed seed); FC_SEED / FC_RUNS to explore.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  Fdb, hashKey, FDB_TO_HOST, LEARN_NEW, LEARN_REFRESHED, LEARN_MOVED, LEARN_PINNED, LEARN_HUB,
} from '../../src/fdb/index.js';
import { RefFdb } from '../helpers/fdb-reference.js';
import { readMac, writeMac, readMacHi, readMacLo, macFromHiLo } from '../../src/frame/mac.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 0x0fdb0;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 300;
const T = 300_000;
const mac = (i: number) => 0x020000000000 + i;

/** MACs whose (vid, mac) hash is exactly the same as (vid0, mac0)'s: same home slot, same fingerprint. */
function sameHash(mac0: number, vid0: number, count: number): [number, number][] {
  const x = (mac0 | 0) ^ Math.imul(((mac0 / 2 ** 32) | 0) | (vid0 << 16), 0x85ebca6b);
  const out: [number, number][] = [];
  for (let i = 1; out.length < count; i++) {
    const hi = (0x0200 + i * 7) & 0xfeff; // unicast
    const vid = i % 3 === 0 ? vid0 : (vid0 + i) & 0xfff;
    const lo = (x ^ Math.imul(hi | (vid << 16), 0x85ebca6b)) >>> 0;
    out.push([hi * 2 ** 32 + lo, vid]);
  }
  return out;
}

describe('Fdb internals: hashing', () => {
  it('keys with the very same 32-bit hash (home slot and fingerprint) stay apart', () => {
    const base = mac(0x1234);
    const keys: [number, number][] = [[base, 0], ...sameHash(base, 0, 40)];
    for (const [m, v] of keys) expect(hashKey(m, v)).toBe(hashKey(base, 0));
    const f = new Fdb({ initialCapacity: 64 });
    keys.forEach(([m, v], k) => expect(f.learn(v, m, 1 + (k % 9), 0)).toBe(LEARN_NEW));
    keys.forEach(([m, v], k) => expect(f.lookup(v, m, 1)).toBe(1 + (k % 9)));
    // remove every third, from the middle of the one long probe chain
    keys.forEach(([m, v], k) => { if (k % 3 === 1) expect(f.remove(v, m)).toBe(true); });
    keys.forEach(([m, v], k) => expect(f.lookup(v, m, 1)).toBe(k % 3 === 1 ? -1 : 1 + (k % 9)));
    // re-learn them on other ports: free records are reused, the chain is rebuilt around them
    keys.forEach(([m, v], k) => { if (k % 3 === 1) expect(f.learn(v, m, 50 + k, 2)).toBe(LEARN_NEW); });
    keys.forEach(([m, v], k) => expect(f.lookup(v, m, 3)).toBe(k % 3 === 1 ? 50 + k : 1 + (k % 9)));
    expect(f.size).toBe(keys.length);
  });

  it('keys that share only the home slot, wrapping around the end of the slots', () => {
    const f = new Fdb({ initialCapacity: 64, maxEntries: 64 });
    const slots = 128; // initialCapacity 64 → 128 slots
    const home = (m: number) => hashKey(m, 0) >>> (32 - Math.log2(slots));
    const want = new Map<number, number[]>([[slots - 2, []], [slots - 1, []], [0, []], [40, []]]);
    for (let i = 0; [...want.values()].some((a) => a.length < 12); i++) {
      const a = want.get(home(mac(i)));
      if (a && a.length < 12) a.push(mac(i));
    }
    const keys = [...want.values()].flat();
    const before = f.memoryBytes();
    keys.forEach((m, k) => f.learn(0, m, k, 0));
    expect(f.memoryBytes()).toBe(before); // no growth: the clusters stay in this table
    let seed = 4242;
    const rand = () => { seed = (seed * 48271) % 2147483647; return seed; };
    for (let round = 0; round < 50; round++) {
      const alive = new Set<number>();
      keys.forEach((m, k) => { if (f.lookup(0, m, 0) === k) alive.add(k); });
      for (const k of alive) if (rand() % 3 === 0) { f.remove(0, keys[k]!); alive.delete(k); }
      keys.forEach((m, k) => expect(f.lookup(0, m, 0)).toBe(alive.has(k) ? k : -1));
      keys.forEach((m, k) => { if (!alive.has(k) && rand() % 2 === 0) f.learn(0, m, k, 0); });
    }
  });

  it('vids are 12 bits: the same MAC on vid 0 and vid 4095 are two entries', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 1, 0);
    f.learn(4095, mac(1), 2, 0);
    expect(f.lookup(0, mac(1), 0)).toBe(1);
    expect(f.lookup(4095, mac(1), 0)).toBe(2);
    expect(f.entries().map((e) => e.vid).sort((a, b) => a - b)).toEqual([0, 4095]);
  });
});

describe('Fdb internals: (hi16, lo32) API', () => {
  it('learnHiLo/lookupHiLo are learn/lookup with the MAC in two halves (lo as int32 or uint32)', () => {
    const f = new Fdb();
    const macs = [0x000000000001, 0x0000ffffffff, 0x000180000000, 0xfffeffffffff, 0x02aabbccddee, 0x7fff80000001];
    macs.forEach((m, k) => {
      const hi = Math.floor(m / 2 ** 32);
      expect(f.learnHiLo(k, hi, m | 0, 1 + k, 10)).toBe(LEARN_NEW);
      expect(f.learn(k, m, 1 + k, 11)).toBe(LEARN_REFRESHED);
      expect(f.lookup(k, m, 12)).toBe(1 + k);
      expect(f.lookupHiLo(k, hi, m | 0, 12)).toBe(1 + k);
      expect(f.lookupHiLo(k, hi, m >>> 0, 12)).toBe(1 + k);
      expect(f.get(k, m)).toMatchObject({ mac: m, vid: k, port: 1 + k, updated: 11, used: 12 });
    });
    f.addStatic(0, 0x02000000bbbb, 7, true);
    expect(f.lookupHiLo(0, 0x0200, 0xbbbb, 0)).toBe(FDB_TO_HOST);
    expect(f.learnHiLo(0, 0x0200, 0xbbbb, 8, 0)).toBe(LEARN_PINNED);
  });

  it('readMacHi/readMacLo/macFromHiLo agree with readMac', () => {
    const buf = new Uint8Array(16);
    for (const m of [0, 1, 0xffffffffffff, 0x0180c2000000, 0x02aabbccddee, 0xfeffffff0000, 0x000080000000]) {
      writeMac(buf, 3, m);
      expect(macFromHiLo(readMacHi(buf, 3), readMacLo(buf, 3))).toBe(readMac(buf, 3));
      expect(readMacLo(buf, 3)).toBe(m | 0);
      expect(readMacHi(buf, 3)).toBe(Math.floor(m / 2 ** 32));
    }
  });
});

describe('Fdb internals: lazily kept ageing order', () => {
  it('refreshes move nothing, yet age() goes oldest-update first and exactly at the ageing time', () => {
    const f = new Fdb();
    for (let i = 0; i < 10; i++) f.learn(0, mac(i), 1, i * 1000); // joined at 0, 1000, …, 9000
    f.learn(0, mac(0), 1, 9500); // 0 is now the youngest
    f.learn(0, mac(3), 1, 9200);
    f.learn(0, mac(5), 2, 9100); // a move refreshes too
    for (let i = 10; i < 13; i++) f.learn(0, mac(i), 1, 9300 + i); // joined after those refreshes
    const order: number[] = [];
    const cb = (m: number) => order.push(m - mac(0));
    expect(f.nextExpiry(0)).toBe(1000 + T);
    expect(f.age(1000 + T - 1, cb)).toBe(0);
    expect(f.age(1000 + T, cb)).toBe(1);
    expect(order).toEqual([1]);
    expect(f.age(9000 + T, cb)).toBe(6);
    expect(order).toEqual([1, 2, 4, 6, 7, 8, 9]);
    expect(f.nextExpiry(9000 + T)).toBe(100);
    expect(f.age(9500 + T, cb)).toBe(6);
    expect(order).toEqual([1, 2, 4, 6, 7, 8, 9, 5, 3, 10, 11, 12, 0]);
    expect(f.size).toBe(0);
  });

  it('evict-oldest takes the least recently updated entry even when refreshes put it behind newer ones', () => {
    const f = new Fdb({ maxEntries: 4 });
    f.learn(0, mac(1), 1, 0);
    f.learn(0, mac(2), 1, 10);
    f.learn(0, mac(3), 1, 20);
    f.learn(0, mac(4), 1, 30);
    f.learn(0, mac(1), 1, 40); // refreshed after 4 joined: 2 is the oldest now
    f.learn(0, mac(2), 1, 35 + 10); // and 2 after that: 3 is
    expect(f.learn(0, mac(5), 1, 50)).toBe(LEARN_NEW);
    expect(f.lastEvictedMac).toBe(mac(3));
    expect(f.learn(0, mac(6), 1, 60)).toBe(LEARN_NEW);
    expect(f.lastEvictedMac).toBe(mac(4));
    expect(f.learn(0, mac(7), 1, 70)).toBe(LEARN_NEW);
    expect(f.lastEvictedMac).toBe(mac(1));
    expect(f.learn(0, mac(8), 1, 80)).toBe(LEARN_NEW);
    expect(f.lastEvictedMac).toBe(mac(2));
  });

  it('many entries updated in the same millisecond: ageing and eviction still take only the oldest', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ m: fc.integer({ min: 0, max: 30 }), dt: fc.constantFrom(0, 0, 0, 1, 7), evict: fc.boolean() }), { minLength: 1, maxLength: 120 }),
      (ops) => {
        const f = new Fdb({ maxEntries: 12, ageingSec: 1 });
        let t = 0;
        for (const op of ops) {
          t += op.dt;
          const before = new Map(f.entries().map((e) => [e.mac, e.updated]));
          const r = f.learn(0, mac(op.m), 1 + (op.m % 3), t);
          if (r === LEARN_NEW && f.lastEvictedMac >= 0) {
            const min = Math.min(...before.values());
            expect(before.get(f.lastEvictedMac)).toBe(min);
          }
          if (op.evict) {
            const snap = new Map(f.entries().map((e) => [e.mac, e.updated]));
            const seen: number[] = [];
            const n = f.age(t, (m) => seen.push(snap.get(m)!));
            expect(n).toBe([...snap.values()].filter((u) => u + 1000 <= t).length);
            expect(seen).toEqual([...seen].sort((a, b) => a - b));
            for (const e of f.entries()) expect(e.updated + 1000).toBeGreaterThan(t);
          }
        }
      },
    ), { seed: SEED + 5, numRuns: RUNS });
  });

  it('age() on a table whose entries keep being refreshed does not re-place them every call', () => {
    // 100k hosts all talking all the time, age() 10×/s for 30 s: each entry needs placing again
    // at most once per ageing time, so age() costs next to nothing (it used to be one list move
    // per frame; a naive lazy order would re-place all 100k entries on every call)
    const f = new Fdb({ ageingSec: 300 });
    const N = 100_000;
    for (let i = 0; i < N; i++) f.learn(0, mac(i), 1, 0);
    let spent = 0;
    for (let t = 100; t <= 30_000; t += 100) {
      for (let i = (t / 100) % 10; i < N; i += 10) f.learn(0, mac(i), 1, t); // a tenth of them per tick
      const t0 = performance.now();
      expect(f.age(t)).toBe(0);
      spent += performance.now() - t0;
    }
    expect(spent).toBeLessThan(200);
    expect(f.nextExpiry(30_000)).toBe(29_100 + 300_000 - 30_000);
    expect(f.age(29_100 + 300_000)).toBe(N / 10);
  });

  it('flush keeps the ageing order of what stays (entries in the ring and in the heap)', () => {
    const f = new Fdb();
    for (let i = 0; i < 40; i++) f.learn(0, mac(i), 1 + (i % 2), i);
    for (let i = 0; i < 40; i += 3) f.learn(0, mac(i), 1 + (i % 2), 100 + i); // refreshed
    f.age(50 + T); // relocates refreshed ones from the ring's head (some into the heap)
    expect(f.flush({ port: 2 })).toBeGreaterThan(0);
    const rest = f.entries().sort((a, b) => a.updated - b.updated);
    const order: number[] = [];
    f.age(1e9, (m) => order.push(m));
    expect(order).toEqual(rest.map((e) => e.mac));
  });

  it('growth keeps records, slots and the ageing order (5000 entries from initialCapacity 16)', () => {
    const f = new Fdb({ initialCapacity: 16, maxEntries: 1 << 16 });
    const ref = new RefFdb({ initialCapacity: 16, maxEntries: 1 << 16 });
    const N = 5000;
    let t = 0;
    for (let i = 0; i < N; i++) {
      const m = mac(i * 7919);
      t++;
      expect(f.learn(i & 3, m, i % 13, t)).toBe(ref.learn(i & 3, m, i % 13, t));
      if (i % 5 === 0) { t++; const j = (i * 31) % (i + 1); expect(f.learn(j & 3, mac(j * 7919), 99, t)).toBe(ref.learn(j & 3, mac(j * 7919), 99, t)); }
      if (i % 17 === 0) { const j = (i * 13) % (i + 1); expect(f.remove(j & 3, mac(j * 7919))).toBe(ref.remove(j & 3, mac(j * 7919))); }
    }
    expect(f.size).toBe(ref.size);
    expect(f.entries()).toEqual(ref.entries());
    const peak = f.memoryBytes();
    for (const step of [1000, 2000, 4000, 7000]) {
      const a: number[] = [];
      const b: number[] = [];
      expect(f.age(T + step, (m, v) => a.push(m + v))).toBe(ref.age(T + step, (m, v) => b.push(m + v)));
      expect(a).toEqual(b);
      expect(f.nextExpiry(T + step)).toBe(ref.nextExpiry(T + step));
    }
    expect(f.size).toBe(0);
    expect(f.memoryBytes()).toBeLessThan(peak); // the emptied ageing ring was given back
    // and the table still works from there
    for (let i = 0; i < 3000; i++) f.learn(0, mac(i), 1, 10 * T + i);
    const order: number[] = [];
    expect(f.age(11 * T + 2999, (m) => order.push(m))).toBe(3000);
    expect(order).toEqual(Array.from({ length: 3000 }, (_, i) => mac(i)));
  });
});

describe('Fdb internals: entries that expire before age() runs', () => {
  it('learn() on an expired entry ages it (lazilyAged, lastLazilyAgedPort), then learns afresh', () => {
    const f = new Fdb();
    f.learn(0, mac(1), 3, 0);
    f.learn(0, mac(2), 4, 0);
    expect(f.learn(0, mac(1), 3, T - 1)).toBe(LEARN_REFRESHED);
    expect(f.lazilyAged).toBe(0);
    expect(f.learn(0, mac(2), 5, T)).toBe(LEARN_NEW);
    expect(f.lazilyAged).toBe(1);
    expect(f.lastLazilyAgedPort).toBe(4);
    expect(f.age(T)).toBe(0); // already gone
    f.setAgeing(0);
    expect(f.learn(0, mac(1), 3, T)).toBe(LEARN_HUB); // hub mode: every learned entry is expired
    expect(f.lazilyAged).toBe(2);
    expect(f.lastLazilyAgedPort).toBe(3);
  });
});

// ---- differential test against the list-based FDB

type Op =
  | { t: 'learn'; k: number; port: number }
  | { t: 'lookup'; k: number }
  | { t: 'remove'; k: number }
  | { t: 'static'; k: number; port: number; local: boolean }
  | { t: 'age' }
  | { t: 'flush'; port?: number; vid?: number; includePinned: boolean }
  | { t: 'ageing'; sec: number }
  | { t: 'tc'; ms: number | null };

// keys: a few MACs on 3 VLANs, plus 8 that share one full hash
const BASE = mac(0x77);
const KEYS: [number, number][] = [
  ...Array.from({ length: 10 }, (_, i) => [mac(i * 0x10001), 0] as [number, number]),
  ...Array.from({ length: 4 }, (_, i) => [mac(i * 0x10001), 1 + i] as [number, number]),
  [BASE, 0], ...sameHash(BASE, 0, 7),
  [0xfffe00000001, 4095], [0x000000000001, 4095],
];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant('learn' as const), k: fc.nat(KEYS.length - 1), port: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(1000)) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('lookup' as const), k: fc.nat(KEYS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('remove' as const), k: fc.nat(KEYS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('static' as const), k: fc.nat(KEYS.length - 1), port: fc.integer({ min: 1, max: 4 }), local: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('age' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('flush' as const), port: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), vid: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), includePinned: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('ageing' as const), sec: fc.constantFrom(0, 1, 10, 300) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tc' as const), ms: fc.option(fc.constantFrom(500, 4000), { nil: null }) }) },
);

describe('Fdb internals: differential test against the list-based FDB', () => {
  it('the same answers, counters, evictions, ageing order and entries for random operations', () => {
    const arb = fc.record({
      maxEntries: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(1 << 20)),
      policy: fc.constantFrom('evict-oldest' as const, 'refuse-new' as const),
      perPortLimit: fc.integer({ min: 0, max: 4 }),
      initialCapacity: fc.constantFrom(16, 64),
      ageingSec: fc.constantFrom(1, 10, 300),
      ops: fc.array(fc.tuple(opArb, fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 400_000 }) })), { minLength: 1, maxLength: 80 }),
    });
    fc.assert(fc.property(arb, (s) => {
      const opts = { maxEntries: s.maxEntries, policy: s.policy, perPortLimit: s.perPortLimit, initialCapacity: s.initialCapacity, ageingSec: s.ageingSec };
      const f = new Fdb(opts);
      const r = new RefFdb(opts);
      let t = 0;
      for (const [op, dt] of s.ops) {
        t += dt; // every operation at a new time: no two updates share a millisecond
        switch (op.t) {
          case 'learn': {
            const [m, v] = KEYS[op.k]!;
            const prev = r.get(v, m);
            const expired = prev !== undefined && prev.kind === 'learned' && prev.updated + r.effectiveAgeingMs <= t;
            const lazy = f.lazilyAged;
            const got = f.learn(v, m, op.port, t);
            expect(got).toBe(r.learn(v, m, op.port, t));
            expect(f.lazilyAged - lazy).toBe(expired ? 1 : 0);
            if (expired) expect(f.lastLazilyAgedPort).toBe(prev!.port);
            if (got === LEARN_NEW) expect([f.lastEvictedMac, f.lastEvictedVid, f.lastEvictedPort]).toEqual(r.lastEvictedMac >= 0 ? [r.lastEvictedMac, r.lastEvictedVid, r.lastEvictedPort] : [-1, f.lastEvictedVid, f.lastEvictedPort]);
            if (got === LEARN_MOVED) expect(f.lastMovedFrom).toBe(r.lastMovedFrom);
            break;
          }
          case 'lookup': {
            const [m, v] = KEYS[op.k]!;
            expect(f.lookup(v, m, t)).toBe(r.lookup(v, m, t));
            expect(f.isLocal(v, m)).toBe(r.isLocal(v, m));
            break;
          }
          case 'remove': {
            const [m, v] = KEYS[op.k]!;
            expect(f.remove(v, m)).toBe(r.remove(v, m));
            break;
          }
          case 'static': {
            const [m, v] = KEYS[op.k]!;
            f.addStatic(v, m, op.port, op.local, t);
            r.addStatic(v, m, op.port, op.local, t);
            break;
          }
          case 'age': {
            const a: [number, number, number][] = [];
            const b: [number, number, number][] = [];
            expect(f.nextExpiry(t)).toBe(r.nextExpiry(t));
            expect(f.age(t, (...x) => a.push(x))).toBe(r.age(t, (...x) => b.push(x)));
            expect(a).toEqual(b);
            break;
          }
          case 'flush': {
            const filter = { port: op.port, vid: op.vid, includePinned: op.includePinned };
            expect(f.flush(filter)).toBe(r.flush(filter));
            break;
          }
          case 'ageing':
            f.setAgeing(op.sec);
            r.setAgeing(op.sec);
            break;
          case 'tc':
            f.setTopologyChangeAgeing(op.ms);
            r.effectiveAgeingMs = op.ms === null ? r.ageingMs : Math.min(op.ms, r.ageingMs);
            break;
        }
        expect(f.learnedCount).toBe(r.learnedCount);
        expect(f.pinnedCount).toBe(r.pinnedCount);
        for (const p of [1, 2, 3, 4, 1000]) expect(f.portCount(p)).toBe(r.portCount(p));
        expect(f.entries(t)).toEqual(r.entries(t));
        expect(f.entries()).toEqual(r.entries());
      }
      expect(f.nextExpiry(t)).toBe(r.nextExpiry(t));
    }), { seed: SEED, numRuns: RUNS });
  });
});
