// Reference FDB on lru-cache with a TTL: the cache does ageing (ttl = ageing time, clock injected
// through `perf`) and evict-oldest (max). learn = peek + set (set restarts the TTL and makes the
// entry most recent); lookup = peek (no TTL or recency change), as lookups must not refresh.
import { LRUCache } from 'lru-cache';
import { flatKey, type FdbLike } from './fdb-like.js';

export class LruFdb implements FdbLike {
  private readonly cache: LRUCache<number, number>;
  private nowMs = 0;
  constructor(ageingMs = 300_000, maxEntries = 1 << 20) {
    this.cache = new LRUCache<number, number>({
      max: maxEntries,
      ttl: ageingMs,
      ttlResolution: 0,
      updateAgeOnGet: false,
      perf: { now: () => this.nowMs },
    });
  }

  get size(): number { return this.cache.size; }

  learn(vid: number, mac: number, port: number, now: number): number {
    this.nowMs = now;
    const key = flatKey(vid, mac);
    const old = this.cache.peek(key);
    this.cache.set(key, port);
    return old === undefined ? 1 : old === port ? 0 : 2;
  }

  lookup(vid: number, mac: number, now: number): number {
    this.nowMs = now;
    const p = this.cache.peek(flatKey(vid, mac));
    return p === undefined ? -1 : p;
  }

  age(now: number): number {
    this.nowMs = now;
    const before = this.cache.size;
    this.cache.purgeStale();
    return before - this.cache.size;
  }
}
