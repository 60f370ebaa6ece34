// Reference FDB on a JS Map, written the plain way one would first write it: one object per
// entry, refresh in place, ageing by a full scan (like the kernel's periodic gc), evict-oldest by
// dropping the earliest inserted key when full. Same semantics as src/fdb for learn/lookup.
import { flatKey, type FdbLike } from './fdb-like.js';

interface Entry { port: number; updated: number; used: number }

export class MapFdb implements FdbLike {
  private readonly map = new Map<number, Entry>();
  constructor(private readonly ageingMs = 300_000, private readonly maxEntries = 1 << 20) {}

  get size(): number { return this.map.size; }

  learn(vid: number, mac: number, port: number, now: number): number {
    const key = flatKey(vid, mac);
    const e = this.map.get(key);
    if (e !== undefined && e.updated + this.ageingMs > now) {
      e.updated = now;
      if (e.port === port) return 0;
      e.port = port;
      return 2;
    }
    if (e !== undefined) this.map.delete(key);
    if (this.map.size >= this.maxEntries) {
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(key, { port, updated: now, used: now });
    return 1;
  }

  lookup(vid: number, mac: number, now: number): number {
    const e = this.map.get(flatKey(vid, mac));
    if (e === undefined || e.updated + this.ageingMs <= now) return -1;
    e.used = now;
    return e.port;
  }

  age(now: number): number {
    let n = 0;
    for (const [k, e] of this.map) if (e.updated + this.ageingMs <= now) { this.map.delete(k); n++; }
    return n;
  }
}
