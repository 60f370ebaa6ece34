// The benchmark workloads. Each builder does its setup up front (tables filled, frames built)
// and returns a Row whose fn processes BATCH frames per call. Nothing here allocates per frame.
import { Bridge } from '../src/bridge/bridge.js';
import { VirtualClock } from '../src/bridge/clock.js';
import type { RxSink } from '../src/bridge/port-io.js';
import { Fdb } from '../src/fdb/fdb.js';
import { readMac, writeMac, MAC_BROADCAST } from '../src/frame/mac.js';
import { NullPort } from './null-port.js';
import { MapFdb } from './ref-map-fdb.js';
import { LruFdb } from './ref-lru-fdb.js';
import type { Row } from './harness.js';

export const BATCH = 1024;
const FRAME_LEN = 64;
const NOW = 1_000_000;

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n distinct locally administered unicast MACs, spread over the whole 48-bit space. */
export function macPool(n: number, seed = 1): Float64Array {
  const r = rng(seed);
  const seen = new Set<number>();
  const out = new Float64Array(n);
  let i = 0;
  while (i < n) {
    const hi = ((Math.floor(r() * 0x10000) & 0xfcff) | 0x0200) & 0xfeff; // unicast, local bit set
    const m = hi * 0x100000000 + Math.floor(r() * 0x100000000);
    if (seen.has(m)) continue;
    seen.add(m);
    out[i++] = m;
  }
  return out;
}

/** count frames of FRAME_LEN bytes back to back in one buffer, with offsets/lengths arrays. */
function frameRing(count: number, fill: (k: number) => [dst: number, src: number]) {
  const buf = new Uint8Array(count * FRAME_LEN);
  const offs = new Uint32Array(count);
  const lens = new Uint32Array(count).fill(FRAME_LEN);
  for (let k = 0; k < count; k++) {
    const off = k * FRAME_LEN;
    const [dst, src] = fill(k);
    writeMac(buf, off, dst);
    writeMac(buf, off + 6, src);
    buf[off + 12] = 0x08; buf[off + 13] = 0x00;
    offs[k] = off;
  }
  return { buf, offs, lens };
}

function bridgeWith(nPorts: number, opts: { maxEntries?: number } = {}) {
  const clock = new VirtualClock(NOW);
  const br = new Bridge({ name: 'bench0', clock, mac: 0x0200_00bb_0000, ...opts });
  const ports: NullPort[] = [];
  for (let i = 1; i <= nPorts; i++) {
    const p = new NullPort(`n${i}`, 0x0200_00ff_0000 + i);
    br.addPort(p);
    ports.push(p);
  }
  return { br, clock, ports, sinks: ports.map((p) => p.sink as RxSink) };
}

// ---------------------------------------------------------------- (a) known unicast, 2 ports

export function bridgeKnownUnicast(): Row {
  const { sinks } = bridgeWith(2);
  const left = macPool(64, 11);
  const right = macPool(64, 12);
  // teach both sides
  const teachL = frameRing(64, (k) => [MAC_BROADCAST, left[k]!]);
  const teachR = frameRing(64, (k) => [MAC_BROADCAST, right[k]!]);
  sinks[0]!.receiveBatch(teachL.buf, teachL.offs, teachL.lens, 64);
  sinks[1]!.receiveBatch(teachR.buf, teachR.offs, teachR.lens, 64);
  const r = rng(13);
  const ring = frameRing(BATCH, () => [right[Math.floor(r() * 64)]!, left[Math.floor(r() * 64)]!]);
  const sink = sinks[0]!;
  return {
    name: KNOWN_UNICAST_NAME,
    batch: BATCH,
    fn: () => sink.receiveBatch(ring.buf, ring.offs, ring.lens, BATCH),
  };
}

/**
 * The same known-unicast forwarding at scale: 64 ports and `macs` learned MACs spread over ports
 * 2..64, frames from port 1 to destinations drawn from all of them (so each lookup misses the
 * CPU caches the way a big table does), compared with the 2-port row by `npm run bench`.
 */
export function bridgeKnownUnicastScale(nPorts: number, macs: number): Row {
  const { sinks } = bridgeWith(nPorts);
  const dsts = macPool(macs, 14);
  const teach = frameRing(BATCH, () => [MAC_BROADCAST, 0]);
  for (let start = 0; start < macs; start += BATCH) {
    const n = Math.min(BATCH, macs - start);
    for (let k = 0; k < n; k++) writeMac(teach.buf, k * FRAME_LEN + 6, dsts[start + k]!);
    // a batch per port in turn; broadcasts teach the sources and are flooded to NullPorts
    sinks[1 + ((start / BATCH) % (nPorts - 1))]!.receiveBatch(teach.buf, teach.offs, teach.lens, n);
  }
  const srcs = macPool(64, 15);
  const r = rng(16);
  const ring = frameRing(BATCH, (k) => [dsts[Math.floor(r() * macs)]!, srcs[k & 63]!]);
  const sink = sinks[0]!;
  return {
    name: KNOWN_UNICAST_SCALE_NAME(nPorts, macs),
    batch: BATCH,
    fn: () => sink.receiveBatch(ring.buf, ring.offs, ring.lens, BATCH),
  };
}

export const KNOWN_UNICAST_NAME = 'bridge: known unicast, 2 ports';
export const KNOWN_UNICAST_SCALE_NAME = (ports: number, macs: number) => `bridge: known unicast, ${ports} ports, ${macs / 1000}k MACs`;

// ---------------------------------------------------------------- (b) flood

export function bridgeFlood(egress: number): Row {
  const { sinks } = bridgeWith(egress + 1);
  const hosts = macPool(64, 21);
  const ring = frameRing(BATCH, (k) => [MAC_BROADCAST, hosts[k & 63]!]);
  const sink = sinks[0]!;
  return {
    name: `bridge: broadcast flood to ${egress} ports`,
    batch: BATCH,
    fn: () => sink.receiveBatch(ring.buf, ring.offs, ring.lens, BATCH),
  };
}

// ---------------------------------------------------------------- (c) learning churn

/**
 * Sources rotate through a pool of `pool` MACs; each full pass over the pool arrives on the next
 * of 3 ingress ports, so every source keeps moving (LEARN_MOVED) — or, with a table smaller than
 * the pool, keeps being evicted and learned anew (LEARN_NEW + evict-oldest).
 */
export function bridgeLearnChurn(pool: number, maxEntries?: number): Row {
  const { br, sinks } = bridgeWith(4, maxEntries ? { maxEntries } : {});
  const dstMac = 0x0200_00dd_0001;
  const t = frameRing(1, () => [MAC_BROADCAST, dstMac]);
  sinks[3]!.receiveBatch(t.buf, t.offs, t.lens, 1); // destination known on port 4
  const srcs = macPool(pool, 31);
  const ring = frameRing(pool, (k) => [dstMac, srcs[k]!]);
  let cursor = 0;
  let pass = 0;
  const offs = new Uint32Array(BATCH);
  const lens = new Uint32Array(BATCH).fill(FRAME_LEN);
  const ringOffs = ring.offs;
  const run = () => {
    let c = cursor;
    for (let k = 0; k < BATCH; k++) {
      offs[k] = ringOffs[c]!;
      if (++c === pool) { c = 0; pass++; }
    }
    cursor = c;
    sinks[pass % 3]!.receiveBatch(ring.buf, offs, lens, BATCH);
  };
  // one warm pass so the table is full before timing
  while (pass === 0) run();
  void br;
  return {
    name: maxEntries ? `bridge: learn churn, ${pool / 1000}k MACs, ${Math.round(maxEntries / 1024)}k table (evict)` : `bridge: learn churn, ${pool / 1000}k MACs moving`,
    batch: BATCH,
    fn: run,
  };
}

// ---------------------------------------------------------------- (d) lookups in a 1M table

export function fillOurs(n: number, macs: Float64Array, fdb = new Fdb()): Fdb {
  for (let i = 0; i < n; i++) fdb.learn(0, macs[i]!, 1 + (i & 7), NOW);
  return fdb;
}

/** A random visiting order of the pool (so lookups miss the CPU caches as a real mix would). */
function visitOrder(pool: Float64Array, count: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = pool[Math.floor(r() * pool.length)]!;
  return out;
}

export function fdbLookup1M(): Row {
  const N = 1_000_000;
  const macs = macPool(N, 41);
  const fdb = fillOurs(N, macs);
  const order = visitOrder(macs, 1 << 20, 42);
  const mask = order.length - 1;
  let cursor = 0;
  let sink = 0;
  return {
    name: 'fdb (ours): lookup, 1M-entry table',
    batch: BATCH,
    fn: () => {
      let c = cursor; let acc = 0;
      for (let k = 0; k < BATCH; k++) { acc += fdb.lookup(0, order[c]!, NOW); c = (c + 1) & mask; }
      cursor = c;
      sink = (sink + acc) | 0;
      if (sink === 0x7fffffff) console.log(sink);
    },
  };
}

// ---------------------------------------------------------------- (e) implementations side by side

export type Impl = 'ours' | 'map' | 'lru';
export const IMPL_LABEL: Record<Impl, string> = { ours: 'fdb (ours)', map: 'ref Map', lru: 'ref lru-cache' };

interface Pairs { src: Float64Array; dst: Float64Array; port: Int32Array; mask: number }

/** A stream of (src, its port, dst) over a pool of n MACs, each MAC living on port 1 + (i & 7). */
function pairs(n: number, seed: number): { pool: Float64Array; p: Pairs } {
  const pool = macPool(n, seed);
  const r = rng(seed + 1);
  const len = 1 << 16;
  const src = new Float64Array(len);
  const dst = new Float64Array(len);
  const port = new Int32Array(len);
  for (let i = 0; i < len; i++) {
    const s = Math.floor(r() * n);
    src[i] = pool[s]!;
    port[i] = 1 + (s & 7);
    dst[i] = pool[Math.floor(r() * n)]!;
  }
  return { pool, p: { src, dst, port, mask: len - 1 } };
}

// Three copies of the same loop, one per table type, so that each call site stays monomorphic
// (one shared loop over an interface would slow every implementation down alike).
function learnLookupOurs(t: Fdb, p: Pairs) {
  let cursor = 0; let sink = 0;
  return () => {
    // locals in the loop: writing closure variables per frame would cost a context store each
    // (and box a double), which is the benchmark's cost, not the table's
    const { src, dst, port, mask } = p;
    let c = cursor; let acc = 0;
    for (let k = 0; k < BATCH; k++) {
      t.learn(0, src[c]!, port[c]!, NOW);
      acc += t.lookup(0, dst[c]!, NOW);
      c = (c + 1) & mask;
    }
    cursor = c;
    sink = (sink + acc) | 0;
    if (sink === 0x7fffffff) console.log(sink);
  };
}
function learnLookupMap(t: MapFdb, p: Pairs) {
  let cursor = 0; let sink = 0;
  return () => {
    // locals in the loop: writing closure variables per frame would cost a context store each
    // (and box a double), which is the benchmark's cost, not the table's
    const { src, dst, port, mask } = p;
    let c = cursor; let acc = 0;
    for (let k = 0; k < BATCH; k++) {
      t.learn(0, src[c]!, port[c]!, NOW);
      acc += t.lookup(0, dst[c]!, NOW);
      c = (c + 1) & mask;
    }
    cursor = c;
    sink = (sink + acc) | 0;
    if (sink === 0x7fffffff) console.log(sink);
  };
}
function learnLookupLru(t: LruFdb, p: Pairs) {
  let cursor = 0; let sink = 0;
  return () => {
    // locals in the loop: writing closure variables per frame would cost a context store each
    // (and box a double), which is the benchmark's cost, not the table's
    const { src, dst, port, mask } = p;
    let c = cursor; let acc = 0;
    for (let k = 0; k < BATCH; k++) {
      t.learn(0, src[c]!, port[c]!, NOW);
      acc += t.lookup(0, dst[c]!, NOW);
      c = (c + 1) & mask;
    }
    cursor = c;
    sink = (sink + acc) | 0;
    if (sink === 0x7fffffff) console.log(sink);
  };
}

export function makeTable(impl: Impl, pool: Float64Array): Fdb | MapFdb | LruFdb {
  const t = impl === 'ours' ? new Fdb() : impl === 'map' ? new MapFdb() : new LruFdb();
  for (let i = 0; i < pool.length; i++) t.learn(0, pool[i]!, 1 + (i & 7), NOW);
  return t;
}

export function learnLookup(impl: Impl, n: number): Row {
  const { pool, p } = pairs(n, 51 + n);
  const t = makeTable(impl, pool);
  const fn = impl === 'ours' ? learnLookupOurs(t as Fdb, p) : impl === 'map' ? learnLookupMap(t as MapFdb, p) : learnLookupLru(t as LruFdb, p);
  return { name: `${IMPL_LABEL[impl]}: learn+lookup, ${n >= 1000 ? `${n / 1000}k` : n} MACs`, batch: BATCH, fn };
}

/**
 * The known-unicast decision as the bridge makes it per frame, without the Bridge object: read
 * dst and src from the frame, learn src on the ingress port, look dst up, decide forward /
 * filter / flood. Frames come from a 4 MB ring (64k frames), the table holds n MACs.
 */
interface Ring { buf: Uint8Array; view: DataView; inPort: Int32Array; count: number }
function decisionRing(n: number): { pool: Float64Array; ring: Ring } {
  const { pool, p } = pairs(n, 61 + n);
  const count = p.src.length;
  const f = frameRing(count, (k) => [p.dst[k]!, p.src[k]!]);
  return { pool, ring: { buf: f.buf, view: new DataView(f.buf.buffer, f.buf.byteOffset, f.buf.byteLength), inPort: p.port, count } };
}
export interface DecisionCounts { fwd: number; filtered: number; flood: number }

function decideOurs(t: Fdb, r: Ring, out: DecisionCounts) {
  let cursor = 0;
  const mask = r.count - 1;
  return () => {
    const dv = r.view;
    const ports = r.inPort;
    let c = cursor; let fwd = 0; let filtered = 0; let flood = 0;
    for (let k = 0; k < BATCH; k++) {
      // as Bridge.receive() does it: MACs as (hi16, lo32) integers read through a DataView
      // (BridgePort.viewOf), learnHiLo + lookupHiLo
      const off = c * FRAME_LEN;
      const dhi = dv.getUint16(off);
      const dlo = dv.getInt32(off + 2);
      const shi = dv.getUint16(off + 6);
      const slo = dv.getInt32(off + 8);
      const inPort = ports[c]!;
      t.learnHiLo(0, shi, slo, inPort, NOW);
      const o = t.lookupHiLo(0, dhi, dlo, NOW);
      if (o < 0) flood++; else if (o === inPort) filtered++; else fwd++;
      c = (c + 1) & mask;
    }
    cursor = c;
    out.fwd += fwd; out.filtered += filtered; out.flood += flood;
  };
}
/** The same decision through the number API: readMac() + learn() + lookup(). */
function decideOursNumbers(t: Fdb, r: Ring, out: DecisionCounts) {
  let cursor = 0;
  const mask = r.count - 1;
  return () => {
    const buf = r.buf;
    const ports = r.inPort;
    let c = cursor; let fwd = 0; let filtered = 0; let flood = 0;
    for (let k = 0; k < BATCH; k++) {
      const off = c * FRAME_LEN;
      const dst = readMac(buf, off);
      const src = readMac(buf, off + 6);
      const inPort = ports[c]!;
      t.learn(0, src, inPort, NOW);
      const o = t.lookup(0, dst, NOW);
      if (o < 0) flood++; else if (o === inPort) filtered++; else fwd++;
      c = (c + 1) & mask;
    }
    cursor = c;
    out.fwd += fwd; out.filtered += filtered; out.flood += flood;
  };
}
function decideMap(t: MapFdb, r: Ring, out: DecisionCounts) {
  let cursor = 0;
  const mask = r.count - 1;
  return () => {
    const buf = r.buf;
    const ports = r.inPort;
    let c = cursor; let fwd = 0; let filtered = 0; let flood = 0;
    for (let k = 0; k < BATCH; k++) {
      const off = c * FRAME_LEN;
      const dst = readMac(buf, off);
      const src = readMac(buf, off + 6);
      const inPort = ports[c]!;
      t.learn(0, src, inPort, NOW);
      const o = t.lookup(0, dst, NOW);
      if (o < 0) flood++; else if (o === inPort) filtered++; else fwd++;
      c = (c + 1) & mask;
    }
    cursor = c;
    out.fwd += fwd; out.filtered += filtered; out.flood += flood;
  };
}
function decideLru(t: LruFdb, r: Ring, out: DecisionCounts) {
  let cursor = 0;
  const mask = r.count - 1;
  return () => {
    const buf = r.buf;
    const ports = r.inPort;
    let c = cursor; let fwd = 0; let filtered = 0; let flood = 0;
    for (let k = 0; k < BATCH; k++) {
      const off = c * FRAME_LEN;
      const dst = readMac(buf, off);
      const src = readMac(buf, off + 6);
      const inPort = ports[c]!;
      t.learn(0, src, inPort, NOW);
      const o = t.lookup(0, dst, NOW);
      if (o < 0) flood++; else if (o === inPort) filtered++; else fwd++;
      c = (c + 1) & mask;
    }
    cursor = c;
    out.fwd += fwd; out.filtered += filtered; out.flood += flood;
  };
}

export const DECISION_NAME = (impl: Impl) => `${IMPL_LABEL[impl]}: known-unicast decision, 100k MACs`;
export const DECISION_NUMBERS_NAME = `${IMPL_LABEL.ours}: known-unicast decision, 100k MACs, MACs as numbers`;

export function decision(impl: Impl, n = 100_000): Row & { counts: DecisionCounts } {
  const { pool, ring } = decisionRing(n);
  const t = makeTable(impl, pool);
  const counts = { fwd: 0, filtered: 0, flood: 0 };
  const fn = impl === 'ours' ? decideOurs(t as Fdb, ring, counts) : impl === 'map' ? decideMap(t as MapFdb, ring, counts) : decideLru(t as LruFdb, ring, counts);
  return { name: n === 100_000 ? DECISION_NAME(impl) : `${IMPL_LABEL[impl]}: known-unicast decision, ${n / 1000}k MACs`, batch: BATCH, fn, counts };
}

/** decision('ours') through readMac() + learn() + lookup() (the number API) instead of the (hi16, lo32) one. */
export function decisionNumbers(n = 100_000): Row & { counts: DecisionCounts } {
  const { pool, ring } = decisionRing(n);
  const t = makeTable('ours', pool) as Fdb;
  const counts = { fwd: 0, filtered: 0, flood: 0 };
  return { name: DECISION_NUMBERS_NAME, batch: BATCH, fn: decideOursNumbers(t, ring, counts), counts };
}

// ---------------------------------------------------------------- calibration (bench:check)

/**
 * A fixed pure-JS workload with a memory pattern like the fast path's (hash, probe a 4 MB typed
 * array, read-modify-write): the yardstick that bench:check divides every row by, so the
 * baseline travels between machines and load levels.
 */
export function calibration(): Row {
  const size = 1 << 20;
  const table = new Int32Array(size);
  const mask = size - 1;
  let x = 0x9e3779b9;
  let acc = 0;
  return {
    name: 'calibration: hash + probe 4 MB Int32Array',
    batch: BATCH,
    fn: () => {
      let y = x; let a = acc;
      for (let k = 0; k < BATCH; k++) {
        y ^= y << 13; y ^= y >>> 17; y ^= y << 5;
        let h = Math.imul(y, 0x85ebca6b);
        h ^= h >>> 13;
        const i = h & mask;
        const v = table[i]!;
        table[i] = (v + 1) | 0;
        a = (a + v + table[(i + 1) & mask]!) | 0;
      }
      x = y; acc = a;
      if (acc === 0x7fffffff) console.log(acc);
    },
  };
}
