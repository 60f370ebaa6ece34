// Opt-in fuzzing of the simulator and the STP engine (slow): random graphs, then random cuts,
// silent failures, bridge priority, path cost and port priority changes; after each the network
// must settle into one tree, and at the end into exactly the steady state of a fresh network
// built with the final settings. Run: SIM_FUZZ=800 [SIM_SEED=n] npx vitest run test/unit/sim-fuzz
import { it, expect } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/lab/sim.js';

it.skipIf(!process.env['SIM_FUZZ'])('random perturbations settle into the steady state of a fresh network', { timeout: 3_600_000 }, () => {
  const graphArb = fc.integer({ min: 2, max: 9 }).chain((n) => fc.record({
    n: fc.constant(n),
    parents: fc.array(fc.nat(), { minLength: n - 1, maxLength: n - 1 }),
    extra: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 2 * n }),
    costs: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 3 * n, maxLength: 3 * n }),
    prios: fc.array(fc.constantFrom(4096, 32768, 32768, 61440), { minLength: n, maxLength: n }),
    ops: fc.array(fc.record({ kind: fc.constantFrom('cut', 'silence', 'prio', 'cost', 'pprio'), a: fc.nat(), b: fc.nat(), v: fc.nat() }), { maxLength: 4 }),
    hello: fc.constantFrom(1, 2),
  }));
  let ok = 0;
  fc.assert(fc.property(graphArb, (g) => {
    const build = (prios: number[], costs: Map<string, number>, pprio: Map<string, number>) => {
      const sim = new Sim({ defaults: { helloSec: g.hello } });
      for (let i = 0; i < g.n; i++) sim.bridge(`b${i}`, { priority: prios[i] });
      let k = 0;
      const add = (a: string, b: string, c: number) => {
        const l = sim.link(a, b, { cost: c });
        const ca = costs.get(l.portNameA); if (ca !== undefined) sim.get(a).stp.setPathCost(l.portA.no, ca);
        const cb = costs.get(l.portNameB); if (cb !== undefined) sim.get(b).stp.setPathCost(l.portB.no, cb);
        const pa = pprio.get(l.portNameA); if (pa !== undefined) sim.get(a).stp.setPortPriority(l.portA.no, pa);
        const pb = pprio.get(l.portNameB); if (pb !== undefined) sim.get(b).stp.setPortPriority(l.portB.no, pb);
      };
      for (let i = 1; i < g.n; i++) add(`b${g.parents[i - 1]! % i}`, `b${i}`, g.costs[k++]!);
      for (const [a, b] of g.extra) if (a !== b) add(`b${a}`, `b${b}`, g.costs[k++ % g.costs.length]!);
      return sim;
    };
    const conv = (sim: Sim, what: string) => {
      for (let round = 0; ; round++) {
        expect(round, what).toBeLessThan(6);
        const t = sim.runUntil(() => sim.converged(), 200000); expect(t, what + ' ' + sim.convergence().reason).not.toBeNull();
        const sig = sim.treeSignature();
        let stable = true;
        for (let i = 0; i < 600 && stable; i++) { sim.step(100); stable = sim.converged() && sim.treeSignature() === sig; }
        if (stable) return;
      }
    };
    const prios = [...g.prios];
    const costs = new Map<string, number>();
    const pprio = new Map<string, number>();
    const sim = build(prios, costs, pprio);
    conv(sim, 'initial');
    for (const op of g.ops) {
      const l = sim.links[op.a % sim.links.length]!;
      if (op.kind === 'cut') { l.cut(); conv(sim, 'cut'); l.restore(); }
      else if (op.kind === 'silence') { l.silence(); conv(sim, 'silence'); l.silence(false); }
      else if (op.kind === 'prio') { const i = op.b % g.n; prios[i] = [0, 4096, 32768, 65535][op.v % 4]!; sim.setPriority(`b${i}`, prios[i]!); }
      else if (op.kind === 'cost') { const c = 1 + (op.v % 30); const end = op.b % 2 === 0; const p = end ? l.portA : l.portB; costs.set(p.name, c); sim.get(end ? l.a : l.b).stp.setPathCost(p.no, c); sim.deliver(); }
      else { const pr = op.v % 64; const end = op.b % 2 === 0; const p = end ? l.portA : l.portB; pprio.set(p.name, pr); sim.get(end ? l.a : l.b).stp.setPortPriority(p.no, pr); sim.deliver(); }
      conv(sim, op.kind);
    }
    for (const n of sim.names()) expect(sim.rootOf(n)).toBe(sim.lowestBridge());
    const fresh = build(prios, costs, pprio);
    conv(fresh, 'fresh');
    expect(sim.treeSignature(), 'same steady state as a fresh network').toBe(fresh.treeSignature());
    for (const n of sim.names()) expect(sim.rootPathCost(n)).toBe(fresh.rootPathCost(n));
    const id = sim.probe('b0');
    for (const n of sim.names()) expect(sim.probeCount(n, id)).toBe(n === 'b0' ? 0 : 1);
    ok++;
  }), { numRuns: Number(process.env['SIM_FUZZ'] ?? 0), seed: Number(process.env['SIM_SEED'] ?? Date.now() % 100000) });
  console.log({ ok });
});
