// Counter fields that start out as doubles. A frame or byte counter leaves V8's small-integer
// range (2^31 here, 2^30 with pointer compression) after seconds of flooding (64-byte frames at
// 8 M/s: rxBytes after ~4 s); V8 then changes the field's representation from Smi to Double,
// which deprecates the object's map and deoptimizes Bridge.receive and everything inlined into it
// once per such field. Storing a non-Smi double into each counter once, in the constructor, gives
// the fields the Double representation before any code is optimized; the counters still start at 0.

/** Gives each named number field of o the Double representation, leaving it at 0. */
export function countersAsDoubles<T extends object>(o: T, fields: readonly (keyof T & string)[]): void {
  const w = o as Record<string, number>;
  for (const f of fields) {
    w[f] = 0.5;
    w[f] = 0;
  }
}
