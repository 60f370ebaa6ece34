// Two bridges, one core or two: the known-unicast workload (bench/workloads.ts, null ports) on two
// bridges, first both on one thread (batches taken in turn, as one event loop would), then each
// on a worker thread of its own (as addbr --thread runs them), in rounds that alternate in one
// run. Prints frames/s of each bridge and the ratio of the totals.
//   node dist/bench/two-bridges.js [SECONDS_PER_PHASE] [ROUNDS]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadavg } from 'node:os';
import { bridgeKnownUnicast, BATCH } from './workloads.js';

/** Runs fn until ms have passed; the batches it ran. Reads the clock once per 64 batches. */
function runFor(fns: (() => void)[], ms: number): number[] {
  const counts = fns.map(() => 0);
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let k = 0; k < 64; k++) {
      for (let i = 0; i < fns.length; i++) { fns[i]!(); counts[i]!++; }
    }
  }
  return counts;
}

function warm(fns: (() => void)[]): void { runFor(fns, 300); }

if (!isMainThread) {
  // one bridge on this thread: warm up, say so, run when told, report the batches
  const { ms } = workerData as { ms: number };
  const row = bridgeKnownUnicast();
  warm([row.fn]);
  parentPort!.once('message', () => {
    const t0 = performance.now();
    const [n] = runFor([row.fn], ms);
    parentPort!.postMessage({ batches: n, ms: performance.now() - t0 });
  });
  parentPort!.postMessage('ready');
} else {
  const secs = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 3);
  const ms = secs * 1000;
  const mfps = (batches: number, t: number) => (batches * BATCH) / (t / 1000) / 1e6;

  const oneThread = (): [number, number] => {
    const a = bridgeKnownUnicast();
    const b = bridgeKnownUnicast();
    warm([a.fn, b.fn]);
    const t0 = performance.now();
    const [na, nb] = runFor([a.fn, b.fn], ms);
    const t = performance.now() - t0;
    return [mfps(na!, t), mfps(nb!, t)];
  };

  const twoThreads = async (): Promise<[number, number]> => {
    const url = new URL(import.meta.url);
    const ws = [0, 1].map(() => new Worker(url, { workerData: { ms } }));
    await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
    const done = ws.map((w) => new Promise<{ batches: number; ms: number }>((r) => w.once('message', r)));
    for (const w of ws) w.postMessage('go');
    const res = await Promise.all(done);
    await Promise.all(ws.map((w) => w.terminate()));
    return [mfps(res[0]!.batches, res[0]!.ms), mfps(res[1]!.batches, res[1]!.ms)];
  };

  const f = (x: number) => x.toFixed(1).padStart(6);
  console.log(`two bridges, known unicast (2 null ports each, batches of ${BATCH}), ${secs} s per phase; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('round  phase         bridge A  bridge B  total (M frames/s)');
  const ratios: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const [a1, b1] = oneThread();
    console.log(`${String(r).padStart(5)}  one thread    ${f(a1)}    ${f(b1)}    ${f(a1 + b1)}`);
    const [a2, b2] = await twoThreads();
    const ratio = (a2 + b2) / (a1 + b1);
    console.log(`${String(r).padStart(5)}  two threads   ${f(a2)}    ${f(b2)}    ${f(a2 + b2)}   ratio ${ratio.toFixed(2)}x`);
    ratios.push(ratio);
  }
  ratios.sort((x, y) => x - y);
  console.log(`median ratio two threads / one thread: ${ratios[ratios.length >> 1]!.toFixed(2)}x; load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
