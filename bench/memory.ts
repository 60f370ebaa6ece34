// Heap held by an FDB of n learned entries: JS heap + typed-array storage, after full GCs.
import { Fdb } from '../src/fdb/fdb.js';
import { fullGc, getGc, memNow } from './harness.js';
import { macPool, makeTable, type Impl } from './workloads.js';

export interface MemResult { impl: Impl; entries: number; heap: number; arrayBuffers: number; total: number; reported?: number }

export function measureTable(impl: Impl, n: number, macs?: Float64Array): MemResult {
  const gc = getGc();
  const pool = macs ?? macPool(n, 41);
  fullGc(gc);
  const before = memNow();
  let t: unknown = makeTable(impl, pool);
  fullGc(gc);
  const after = memNow();
  const size = (t as { size: number }).size;
  if (size !== n) throw new Error(`${impl}: expected ${n} entries, table has ${size}`);
  const reported = t instanceof Fdb ? t.memoryBytes() : undefined;
  t = null;
  fullGc(gc);
  return {
    impl, entries: n,
    heap: after.heap - before.heap,
    arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    total: after.total - before.total,
    reported,
  };
}

export const MiB = 1024 * 1024;
export const HEAP_TARGET_BYTES = 64 * MiB;
