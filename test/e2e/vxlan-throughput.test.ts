// VXLAN throughput, side by side in one run: iperf3 TCP from a host on hvA to a host on hvB
// through two softbr VTEPs, and from a host on hvC to a host on hvD through two kernel VTEPs, on
// the same veth underlay (test/helpers/hypervisors.ts), alternating, each twice. It prints the
// figures (and the load, since the machine is shared) and checks only that both carry traffic
// and that every run moved what iperf3 says was sent: the ratio is a measurement, not a target.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadavg } from 'node:os';
import { isRoot } from '../../src/is-root.js';
import { hasCommand } from '../../src/lab/host.js';
import { buildHypervisors, planHypervisors, teardownHypervisors, type Host, type Hypervisors } from '../helpers/hypervisors.js';

const missing = !isRoot() ? 'not root' : ['iperf3'].find((c) => !hasCommand(c)) ?? '';
const SECONDS = Number(process.env.VXLAN_IPERF_SECONDS ?? 4);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function iperf(h: Hypervisors, from: Host, to: Host): Promise<number> {
  const server = h.lab.spawn(to.ns, 'iperf3', ['-s', '-1', '--forceflush', '-B', to.ip]);
  let out = '';
  server.stdout!.on('data', (d) => { out += d; });
  const end = Date.now() + 5000;
  while (!out.includes('Server listening')) {
    if (Date.now() > end) throw new Error(`iperf3 server did not start: ${out}`);
    await sleep(50);
  }
  try {
    const r = await h.lab.exec(from.ns, 'iperf3', ['-c', to.ip, '-t', String(SECONDS), '-J'], { timeoutMs: (SECONDS + 20) * 1000 });
    const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number; bytes: number } } };
    expect(j.end.sum_received.bytes).toBeGreaterThan(0);
    return j.end.sum_received.bits_per_second;
  } finally {
    await h.lab.kill(server);
  }
}

describe.skipIf(missing !== '')(`VXLAN throughput: softbr VTEPs next to kernel VTEPs${missing ? ` — skipped: ${missing}` : ''}`, () => {
  const h = planHypervisors({ tag: 'xb', mode: 'flood', secondKernel: true, hostsPerHv: 1 });
  const host = (n: string): Host => h.hosts.find((x) => x.name === n)!;

  beforeAll(async () => {
    await buildHypervisors(h, { tag: 'xb', mode: 'flood', secondKernel: true, hostsPerHv: 1 });
  }, 90_000);

  afterAll(async () => {
    expect(await teardownHypervisors(h)).toEqual([0, 0]);
  });

  it('iperf3 TCP hvA → hvB (softbr) and hvC → hvD (kernel), alternating', async () => {
    const soft: number[] = [];
    const kern: number[] = [];
    const load0 = loadavg()[0]!;
    for (let round = 0; round < 2; round++) {
      soft.push(await iperf(h, host('a1'), host('b1')));
      kern.push(await iperf(h, host('c1'), host('d1')));
    }
    const g = (x: number[]) => (Math.max(...x) / 1e9).toFixed(2);
    const line = `vxlan iperf3 TCP ${SECONDS}s x2: softbr VTEPs ${soft.map((x) => (x / 1e9).toFixed(2)).join(', ')} Gbit/s (best ${g(soft)}); `
      + `kernel VTEPs ${kern.map((x) => (x / 1e9).toFixed(2)).join(', ')} Gbit/s (best ${g(kern)}); ratio ${(Math.max(...soft) / Math.max(...kern)).toFixed(3)}; `
      + `load ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`;
    process.stderr.write(line + '\n');
    for (const x of [...soft, ...kern]) expect(x).toBeGreaterThan(1e6);
  }, 180_000);
});
