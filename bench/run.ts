// `npm run bench`: in-process forwarding and FDB throughput (frames/s), FDB implementations side
// by side, and the heap of a 1M-entry table, with the targets marked PASS/FAIL.
//   node --expose-gc dist/bench/run.js [--quick] [--filter TEXT] [--max-time SEC]
import os from 'node:os';
import { runRows, table, fmtRate, fmtNs, type Row, type Result } from './harness.js';
import {
  bridgeKnownUnicast, bridgeKnownUnicastScale, KNOWN_UNICAST_NAME, KNOWN_UNICAST_SCALE_NAME, bridgeFlood, bridgeLearnChurn, fdbLookup1M, learnLookup, decision, decisionNumbers,
  DECISION_NAME, DECISION_NUMBERS_NAME, IMPL_LABEL, type Impl,
} from './workloads.js';
import { measureTable, MiB, HEAP_TARGET_BYTES } from './memory.js';

const args = process.argv.slice(2);
const arg = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const quick = args.includes('--quick');
const filter = arg('--filter');
const maxTime = Number(arg('--max-time') ?? (quick ? 0.5 : 2));

const DECISION_TARGET = 20e6; // frames/s, ours with 100k MACs
/** At 64 ports and 100k MACs, known unicast keeps at least this share of the 2-port rate. */
const SCALE_TARGET = 0.9;
const SCALE_NAME = KNOWN_UNICAST_SCALE_NAME(64, 100_000);

const IMPLS: Impl[] = ['ours', 'map', 'lru'];
const factories: { name: string; make: () => Row }[] = [
  { name: KNOWN_UNICAST_NAME, make: bridgeKnownUnicast },
  // the same 100k MACs on 2 ports: what the table's size costs apart from the port count
  { name: KNOWN_UNICAST_SCALE_NAME(2, 100_000), make: () => bridgeKnownUnicastScale(2, 100_000) },
  { name: SCALE_NAME, make: () => bridgeKnownUnicastScale(64, 100_000) },
  { name: 'bridge: broadcast flood to 8 ports', make: () => bridgeFlood(8) },
  { name: 'bridge: broadcast flood to 64 ports', make: () => bridgeFlood(64) },
  { name: 'bridge: learn churn, 100k MACs moving', make: () => bridgeLearnChurn(100_000) },
  { name: 'bridge: learn churn, 100k MACs, 64k table (evict)', make: () => bridgeLearnChurn(100_000, 65_536) },
  { name: 'fdb (ours): lookup, 1M-entry table', make: fdbLookup1M },
];
for (const n of [1000, 100_000]) {
  for (const impl of IMPLS) factories.push({ name: `${IMPL_LABEL[impl]}: learn+lookup, ${n / 1000}k MACs`, make: () => learnLookup(impl, n) });
}
for (const impl of IMPLS) factories.push({ name: DECISION_NAME(impl), make: () => decision(impl) });
factories.splice(factories.length - 2, 0, { name: DECISION_NUMBERS_NAME, make: () => decisionNumbers() });

function main(): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`softbr bench — node ${process.version}, ${os.cpus().length} × ${cpu}, batch 1024 frames/call, maxTime ${maxTime}s/row`);

  // ---- memory first, on a quiet heap
  if (!filter || 'memory'.includes(filter)) {
    console.log('\nheap held by a 1M-entry FDB (after full GC; typed arrays count under arrayBuffers):');
    const mem = IMPLS.map((impl) => measureTable(impl, 1_000_000));
    console.log(table(['table', 'JS heap', 'arrayBuffers', 'total', 'target', ''], mem.map((m) => [
      `${IMPL_LABEL[m.impl]}, 1M entries`,
      `${(m.heap / MiB).toFixed(1)} MB`, `${(m.arrayBuffers / MiB).toFixed(1)} MB`, `${(m.total / MiB).toFixed(1)} MB`,
      m.impl === 'ours' ? `≤ ${HEAP_TARGET_BYTES / MiB} MB` : '',
      m.impl === 'ours' ? (m.total <= HEAP_TARGET_BYTES ? 'PASS' : 'FAIL') : '',
    ])));
    const ours = mem[0]!;
    console.log(`(ours: memoryBytes() reports ${(ours.reported! / MiB).toFixed(1)} MB; ${(ours.total / ours.entries).toFixed(1)} bytes/entry)`);
  }

  // ---- throughput
  console.log('\nthroughput (frames/s = Benchmark ops/s × 1024):');
  const results: Result[] = [];
  for (const f of factories) {
    if (filter && !f.name.includes(filter)) continue;
    process.stderr.write(`  running ${f.name} …\n`);
    const row = f.make();
    results.push(...runRows([row], { maxTime }));
  }
  const rows = results.map((r) => {
    let target = '';
    let verdict = '';
    if (r.name === DECISION_NAME('ours')) {
      target = `≥ ${fmtRate(DECISION_TARGET)}`;
      verdict = r.framesPerSec >= DECISION_TARGET ? 'PASS' : 'FAIL';
    }
    const twoPorts = results.find((x) => x.name === KNOWN_UNICAST_NAME);
    if (r.name === SCALE_NAME && twoPorts) {
      const share = r.framesPerSec / twoPorts.framesPerSec;
      target = `≥ ${SCALE_TARGET * 100}% of 2 ports (${(share * 100).toFixed(0)}%)`;
      verdict = share >= SCALE_TARGET ? 'PASS' : 'FAIL';
    }
    return [r.name, fmtRate(r.framesPerSec), fmtNs(r.nsPerFrame), `±${r.rme.toFixed(1)}%`, fmtNs(r.p10NsPerFrame), target, verdict];
  });
  console.log(table(['benchmark', 'frames/s', 'ns/frame', '±%', 'p10 ns', 'target', ''], rows));
  console.log('(frames/s and ns/frame from the mean; p10 ns = fastest 10% of samples, what an unloaded machine would show)');
}

main();
