import { it, expect } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/lab/sim.js';

it('fuzz', () => {
  const graphArb = fc.integer({ min: 2, max: 10 }).chain((n) => fc.record({
    n: fc.constant(n),
    parents: fc.array(fc.nat(), { minLength: n - 1, maxLength: n - 1 }),
    extra: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 2 * n }),
    costs: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 3 * n, maxLength: 3 * n }),
    prios: fc.array(fc.constantFrom(4096, 32768, 32768, 61440), { minLength: n, maxLength: n }),
    cut: fc.nat(), who: fc.nat(), prio: fc.constantFrom(0, 4096, 40000, 65535), hello: fc.constantFrom(1, 2, 3),
  }));
  let stats = { ok: 0 };
  fc.assert(fc.property(graphArb, (g) => {
    const sim = new Sim({ defaults: { helloSec: g.hello } });
    for (let i = 0; i < g.n; i++) sim.bridge(`b${i}`, { priority: g.prios[i] });
    let k = 0;
    for (let i = 1; i < g.n; i++) sim.link(`b${g.parents[i - 1]! % i}`, `b${i}`, { cost: g.costs[k++] });
    for (const [a, b] of g.extra) if (a !== b) sim.link(`b${a}`, `b${b}`, { cost: g.costs[k++ % g.costs.length] });
    const conv = (what: string) => {
      // converged, and still the same tree 60 s later (max age + 2 fd + margin), else again
      for (let round = 0; ; round++) {
        expect(round, what).toBeLessThan(6);
        const t = sim.runUntil(() => sim.converged(), 200000); expect(t, what + ' ' + sim.convergence().reason).not.toBeNull();
        const sig = sim.treeSignature();
        let stable = true;
        for (let i = 0; i < 600 && stable; i++) { sim.step(100); stable = sim.converged() && sim.treeSignature() === sig; }
        if (stable) return;
      }
    };
    conv('initial');
    const s0 = sim.treeSignature();
    for (const n of sim.names()) expect(sim.rootOf(n)).toBe(sim.lowestBridge());
    const fwd = sim.forwardingLinks();
    const l = fwd[g.cut % fwd.length]!;
    l.cut(); conv('cut'); l.restore(); conv('restore');
    expect(sim.treeSignature(), 'after restore').toBe(s0);
    l.silence(); conv('silence'); l.silence(false); conv('unsilence');
    expect(sim.treeSignature(), 'after unsilence').toBe(s0);
    const who = `b${g.who % g.n}`;
    sim.setPriority(who, g.prio); conv('prio');
    for (const n of sim.names()) expect(sim.rootOf(n)).toBe(sim.lowestBridge());
    const id = sim.probe('b0');
    for (const n of sim.names()) expect(sim.probeCount(n, id)).toBe(n === 'b0' ? 0 : 1);
    stats.ok++;
  }), { numRuns: Number(process.env['N'] ?? 500), seed: Number(process.env['S'] ?? 1) });
  console.log(stats);
});
