// Fdb.learnOutcome(): the "what would learn() do now" query must be learn()'s own decision — the
// same code, the same eviction victim (the head of the real ageing order), and change nothing.
// And the table's limits change only through validating setters.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  Fdb, type FdbEntry, type LimitPolicy, LEARN_REFRESHED, LEARN_NEW, LEARN_MOVED, LEARN_PINNED, LEARN_REFUSED_TABLE,
  LEARN_REFUSED_PORT, LEARN_HUB,
} from '../../src/fdb/index.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 0x1ea7;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 300;
const mac = (i: number) => 0x020000000000 + i;

/** Everything learnOutcome() must leave alone. */
function snapshot(f: Fdb): string {
  return JSON.stringify({
    e: f.entries(), n: f.learnedCount, p: f.pinnedCount, pc: [0, 1, 2, 3, 4].map((x) => f.portCount(x)),
    la: f.lazilyAged, ev: [f.lastEvictedMac, f.lastEvictedVid, f.lastEvictedPort], mv: f.lastMovedFrom,
  });
}

const key = (e: Pick<FdbEntry, 'mac' | 'vid'>) => `${e.vid}/${e.mac}`;

/** Asks learnOutcome(), then learns, and checks learn() did exactly what it was told it would. */
function learnChecked(f: Fdb, vid: number, m: number, port: number, now: number): number {
  const before = snapshot(f);
  const o = f.learnOutcome(vid, m, port, now);
  expect(snapshot(f)).toBe(before);
  expect(f.learnOutcome(vid, m, port, now)).toEqual(o);
  const entries = new Map(f.entries().map((e) => [key(e), e]));
  const aged = f.lazilyAged;
  expect(o.entry ?? undefined).toEqual(f.get(vid, m));
  const r = f.learn(vid, m, port, now);
  expect(r).toBe(o.code);
  expect(f.lazilyAged - aged).toBe(o.ages ? 1 : 0);
  if (o.evicts !== null) {
    expect(r).toBe(LEARN_NEW);
    expect(o.evicts.kind).toBe('learned');
    expect(entries.get(key(o.evicts))).toEqual(o.evicts);
    expect(f.get(o.evicts.vid, o.evicts.mac)).toBeUndefined();
    expect([f.lastEvictedMac, f.lastEvictedVid, f.lastEvictedPort]).toEqual([o.evicts.mac, o.evicts.vid, o.evicts.port]);
  } else if (r === LEARN_NEW) {
    expect(f.lastEvictedMac).toBe(-1);
    // nothing but the aged entry itself went
    const gone = [...entries.values()].filter((e) => f.get(e.vid, e.mac) === undefined && key(e) !== `${vid}/${m}`);
    expect(gone).toEqual([]);
  }
  const after = f.get(vid, m);
  if (r === LEARN_NEW || r === LEARN_MOVED) expect(after).toMatchObject({ kind: 'learned', port, updated: now });
  if (r === LEARN_REFRESHED && after!.kind === 'learned') expect(after).toMatchObject({ port, updated: now });
  return r;
}

type Op =
  | { t: 'learn'; m: number; vid: number; port: number }
  | { t: 'time'; ms: number }
  | { t: 'static'; m: number; vid: number; port: number; local: boolean }
  | { t: 'remove'; m: number; vid: number }
  | { t: 'age' }
  | { t: 'flush'; port: number }
  | { t: 'ageing'; sec: number }
  | { t: 'tc'; ms: number | null }
  | { t: 'limit'; n: number }
  | { t: 'max'; n: number }
  | { t: 'policy'; p: LimitPolicy };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 20, arbitrary: fc.record({ t: fc.constant('learn' as const), m: fc.integer({ min: 0, max: 9 }).map(mac), vid: fc.constantFrom(0, 0, 5), port: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('time' as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 20_000 })) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('static' as const), m: fc.integer({ min: 0, max: 9 }).map(mac), vid: fc.constantFrom(0, 5), port: fc.integer({ min: 1, max: 4 }), local: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('remove' as const), m: fc.integer({ min: 0, max: 9 }).map(mac), vid: fc.constantFrom(0, 5) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'age' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('flush' as const), port: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('ageing' as const), sec: fc.constantFrom(0, 5, 10, 300) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tc' as const), ms: fc.option(fc.constantFrom(0, 2000, 8000), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('limit' as const), n: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('max' as const), n: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('policy' as const), p: fc.constantFrom<LimitPolicy>('evict-oldest', 'refuse-new') }) },
);

describe('Fdb.learnOutcome', () => {
  it('is what learn() then does, for random operations under small limits and both policies', () => {
    const arb = fc.record({
      maxEntries: fc.integer({ min: 1, max: 6 }),
      policy: fc.constantFrom<LimitPolicy>('evict-oldest', 'refuse-new'),
      perPortLimit: fc.integer({ min: 0, max: 3 }),
      ageingSec: fc.constantFrom(10, 300),
      ops: fc.array(opArb, { minLength: 1, maxLength: 80 }),
    });
    const seen = new Set<number>();
    fc.assert(fc.property(arb, (s) => {
      const f = new Fdb({ maxEntries: s.maxEntries, policy: s.policy, perPortLimit: s.perPortLimit, ageingSec: s.ageingSec, initialCapacity: 16 });
      let now = 0;
      for (const op of s.ops) {
        switch (op.t) {
          case 'learn': seen.add(learnChecked(f, op.vid, op.m, op.port, now)); break;
          case 'time': now += op.ms; break;
          case 'static': f.addStatic(op.vid, op.m, op.port, op.local, now); break;
          case 'remove': f.remove(op.vid, op.m); break;
          case 'age': f.age(now); break;
          case 'flush': f.flush({ port: op.port }); break;
          case 'ageing': f.setAgeing(op.sec); break;
          case 'tc': f.setTopologyChangeAgeing(op.ms); break;
          case 'limit': f.setPerPortLimit(op.n); break;
          case 'max': expect(f.setMaxEntries(op.n)).toBe(op.n >= f.learnedCount); break;
          case 'policy': f.setPolicy(op.p); break;
        }
        expect(f.learnedCount).toBeLessThanOrEqual(f.maxEntries);
      }
    }), { seed: SEED, numRuns: RUNS });
    // every outcome was exercised
    expect([...seen].sort()).toEqual([LEARN_REFRESHED, LEARN_NEW, LEARN_MOVED, LEARN_PINNED, LEARN_REFUSED_TABLE, LEARN_REFUSED_PORT, LEARN_HUB].sort());
  });

  it('names the head of the ageing order as the victim: refreshed entries and same-millisecond ties', () => {
    const f = new Fdb({ maxEntries: 3, initialCapacity: 16 });
    learnChecked(f, 0, mac(1), 1, 0);
    learnChecked(f, 0, mac(2), 1, 0);
    f.remove(0, mac(1)); // its record is free and the next MAC reuses it
    learnChecked(f, 0, mac(3), 2, 0);
    learnChecked(f, 0, mac(4), 2, 5);
    // mac(3) sits in the first record, but mac(2) joined the ageing order first at the same time
    expect(f.learnOutcome(0, mac(5), 3, 10).evicts).toMatchObject({ mac: mac(2), port: 1 });
    learnChecked(f, 0, mac(3), 2, 10); // refreshed: now mac(2), then mac(4)
    expect(f.learnOutcome(0, mac(5), 3, 10).evicts).toMatchObject({ mac: mac(2) });
    learnChecked(f, 0, mac(5), 3, 10);
    expect(f.learnOutcome(0, mac(6), 3, 11).evicts).toMatchObject({ mac: mac(4) });
    learnChecked(f, 0, mac(6), 3, 11);
    // mac(3) and mac(5) were both last seen at 10 and mac(3) has the lower record, but mac(5) took
    // its place in the ageing order first (mac(3) is placed again only when it reaches the head)
    expect(f.learnOutcome(0, mac(7), 3, 12).evicts).toMatchObject({ mac: mac(5) });
    learnChecked(f, 0, mac(7), 3, 12);
    expect(f.learnOutcome(0, mac(8), 3, 13).evicts).toMatchObject({ mac: mac(3) });
  });

  it('reports each outcome with the entry it found', () => {
    const f = new Fdb({ maxEntries: 2, perPortLimit: 1, ageingSec: 10 });
    expect(f.learnOutcome(0, mac(1), 1, 0)).toEqual({ code: LEARN_NEW, entry: null, ages: false, evicts: null });
    f.learn(0, mac(1), 1, 0);
    const e1 = f.get(0, mac(1))!;
    expect(f.learnOutcome(0, mac(1), 1, 5)).toEqual({ code: LEARN_REFRESHED, entry: e1, ages: false, evicts: null });
    expect(f.learnOutcome(0, mac(1), 2, 5)).toEqual({ code: LEARN_MOVED, entry: e1, ages: false, evicts: null });
    expect(f.learnOutcome(0, mac(2), 1, 5).code).toBe(LEARN_REFUSED_PORT); // port 1 holds its one
    f.learn(0, mac(2), 2, 5);
    expect(f.learnOutcome(0, mac(1), 2, 6).code).toBe(LEARN_REFUSED_PORT); // a move into a full port
    // expired: ages first, then counts as new — and its own slot on the port is free again
    expect(f.learnOutcome(0, mac(1), 1, 10_000)).toEqual({ code: LEARN_NEW, entry: e1, ages: true, evicts: null });
    f.addStatic(0, mac(9), 3);
    expect(f.learnOutcome(0, mac(9), 1, 6)).toMatchObject({ code: LEARN_PINNED, entry: { kind: 'static', port: 3 } });
    expect(f.learnOutcome(0, mac(9), 3, 6)).toMatchObject({ code: LEARN_REFRESHED, entry: { kind: 'static' } });
    f.setPerPortLimit(0);
    expect(f.learnOutcome(0, mac(3), 3, 6)).toMatchObject({ code: LEARN_NEW, evicts: { mac: mac(1) } });
    f.setPolicy('refuse-new');
    expect(f.learnOutcome(0, mac(3), 3, 6)).toMatchObject({ code: LEARN_REFUSED_TABLE, evicts: null });
    f.setAgeing(0);
    expect(f.learnOutcome(0, mac(3), 3, 6)).toMatchObject({ code: LEARN_HUB });
  });
});

describe('Fdb limit setters', () => {
  it('validate their values and keep the old one on error', () => {
    const f = new Fdb({ maxEntries: 4, perPortLimit: 2 });
    for (const bad of [0, -1, 1.5, NaN, Infinity]) expect(() => f.setMaxEntries(bad)).toThrow(RangeError);
    expect(() => f.setMaxEntries(0)).toThrow(/maxEntries 0: must be an integer of at least 1/);
    for (const bad of [-1, 0.5, NaN, Infinity]) expect(() => f.setPerPortLimit(bad)).toThrow(RangeError);
    expect(() => f.setPerPortLimit(-1)).toThrow(/per-port limit -1/);
    expect(() => f.setPolicy('drop-all' as LimitPolicy)).toThrow(/FDB policy 'drop-all': allowed evict-oldest, refuse-new/);
    expect(() => f.setTopologyChangeAgeing(-5)).toThrow(RangeError);
    expect([f.maxEntries, f.perPortLimit, f.policy]).toEqual([4, 2, 'evict-oldest']);
    expect(() => new Fdb({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new Fdb({ perPortLimit: -2 })).toThrow(RangeError);
    expect(() => new Fdb({ policy: 'x' as LimitPolicy })).toThrow(RangeError);
  });

  it('refuse a table smaller than what is learned now, and the limits take effect', () => {
    const f = new Fdb({ maxEntries: 4 });
    for (let i = 1; i <= 3; i++) f.learn(0, mac(i), i, i);
    expect(f.setMaxEntries(2)).toBe(false);
    expect(f.maxEntries).toBe(4);
    expect(f.setMaxEntries(3)).toBe(true);
    expect(f.maxEntries).toBe(3);
    expect(f.learn(0, mac(4), 4, 10)).toBe(LEARN_NEW);
    expect(f.get(0, mac(1))).toBeUndefined(); // evicted: the table is full at 3
    f.setPolicy('refuse-new');
    expect(f.learn(0, mac(5), 4, 11)).toBe(LEARN_REFUSED_TABLE);
    f.setMaxEntries(10);
    f.setPerPortLimit(1);
    expect(f.learn(0, mac(5), 4, 12)).toBe(LEARN_REFUSED_PORT); // port 4 already holds mac(4)
    expect(f.perPortLimit).toBe(1);
  });

  it('topology-change ageing is never slower than configured and ends back at the configured time', () => {
    const f = new Fdb({ ageingSec: 300 });
    f.setTopologyChangeAgeing(30_000);
    expect(f.effectiveAgeingMs).toBe(30_000);
    f.setTopologyChangeAgeing(600_000);
    expect(f.effectiveAgeingMs).toBe(300_000);
    f.setTopologyChangeAgeing(null);
    expect(f.effectiveAgeingMs).toBe(300_000);
  });

  it('are the only way in: the settings cannot be assigned', () => {
    const f = new Fdb();
    // compile-time read-only; at run time too, since they are getters without setters
    expect(() => { (f as unknown as { maxEntries: number }).maxEntries = 1; }).toThrow(TypeError);
    expect(() => { (f as unknown as { perPortLimit: number }).perPortLimit = 1; }).toThrow(TypeError);
    expect(() => { (f as unknown as { policy: string }).policy = 'refuse-new'; }).toThrow(TypeError);
    expect(() => { (f as unknown as { effectiveAgeingMs: number }).effectiveAgeingMs = 1; }).toThrow(TypeError);
  });
});
