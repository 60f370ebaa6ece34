// Opt-in fuzzing of the simulator and the STP engine (slow): random graphs, then random cuts,
// silent failures, bridge priority, path cost and port priority changes; after each the network
// must settle into one tree, and at the end into exactly the steady state (tree, root path
// costs) of a fresh network built with the final settings; a broadcast then reaches every
// bridge once. Run: SIM_FUZZ=800 [SIM_SEED=n] npx vitest run test/unit/sim-fuzz
import { it, expect } from 'vitest';
import fc from 'fast-check';
import { Sim } from '../../src/lab/sim.js';

const runs = Number(process.env['SIM_FUZZ'] ?? 0);

it.skipIf(!runs)('random perturbations settle into the steady state of a fresh network', { timeout: 3_600_000 }, () => {
  const scenario = fc.integer({ min: 2, max: 9 }).chain((n) => fc.record({
    n: fc.constant(n),
    parents: fc.array(fc.nat(), { minLength: n - 1, maxLength: n - 1 }),
    extra: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 2 * n }),
    costs: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 3 * n, maxLength: 3 * n }),
    prios: fc.array(fc.constantFrom(4096, 32768, 32768, 61440), { minLength: n, maxLength: n }),
    ops: fc.array(fc.record({
      kind: fc.constantFrom('cut', 'silence', 'prio', 'cost', 'pprio'), a: fc.nat(), b: fc.nat(), v: fc.nat(),
    }), { maxLength: 4 }),
    hello: fc.constantFrom(1, 2),
  }));
  let ok = 0;
  fc.assert(fc.property(scenario, (g) => {
    /** The scenario's graph with the given settings (path cost / port priority by port name). */
    const build = (prios: number[], costs: Map<string, number>, portPrios: Map<string, number>): Sim => {
      const sim = new Sim({ defaults: { helloSec: g.hello } });
      for (let i = 0; i < g.n; i++) sim.bridge(`b${i}`, { priority: prios[i] });
      const add = (a: string, b: string, cost: number) => {
        const l = sim.link(a, b, { cost });
        for (const [br, port] of [[a, l.portA], [b, l.portB]] as const) {
          const c = costs.get(port.name);
          if (c !== undefined) sim.get(br).stp.setPathCost(port.no, c);
          const pp = portPrios.get(port.name);
          if (pp !== undefined) sim.get(br).stp.setPortPriority(port.no, pp);
        }
      };
      let k = 0;
      for (let i = 1; i < g.n; i++) add(`b${g.parents[i - 1]! % i}`, `b${i}`, g.costs[k++]!);
      for (const [a, b] of g.extra) if (a !== b) add(`b${a}`, `b${b}`, g.costs[k++ % g.costs.length]!);
      return sim;
    };
    /** Converged, and still the same tree 60 s later (max age + 2 × forward delay + margin). */
    const settle = (sim: Sim, what: string) => {
      for (let round = 0; ; round++) {
        expect(round, what).toBeLessThan(6);
        const t = sim.runUntil(() => sim.converged(), 200_000);
        expect(t, `${what}: ${sim.convergence().reason}`).not.toBeNull();
        const sig = sim.treeSignature();
        let stable = true;
        for (let i = 0; i < 600 && stable; i++) {
          sim.step(100);
          stable = sim.converged() && sim.treeSignature() === sig;
        }
        if (stable) return;
      }
    };

    const prios: number[] = [...g.prios];
    const costs = new Map<string, number>();
    const portPrios = new Map<string, number>();
    const sim = build(prios, costs, portPrios);
    settle(sim, 'initial');
    for (const op of g.ops) {
      const l = sim.links[op.a % sim.links.length]!;
      const atA = op.b % 2 === 0;
      const port = atA ? l.portA : l.portB;
      const br = sim.get(atA ? l.a : l.b);
      switch (op.kind) {
        case 'cut': l.cut(); settle(sim, 'cut'); l.restore(); break;
        case 'silence': l.silence(); settle(sim, 'silence'); l.silence(false); break;
        case 'prio': {
          const i = op.b % g.n;
          prios[i] = [0, 4096, 32768, 65535][op.v % 4]!;
          sim.setPriority(`b${i}`, prios[i]!);
          break;
        }
        case 'cost': costs.set(port.name, 1 + (op.v % 30)); br.stp.setPathCost(port.no, 1 + (op.v % 30)); sim.deliver(); break;
        case 'pprio': portPrios.set(port.name, op.v % 64); br.stp.setPortPriority(port.no, op.v % 64); sim.deliver(); break;
      }
      settle(sim, op.kind);
    }
    for (const n of sim.names()) expect(sim.rootOf(n)).toBe(sim.lowestBridge());
    const fresh = build(prios, costs, portPrios);
    settle(fresh, 'fresh');
    expect(sim.treeSignature(), 'same steady state as a fresh network').toBe(fresh.treeSignature());
    for (const n of sim.names()) expect(sim.rootPathCost(n)).toBe(fresh.rootPathCost(n));
    const id = sim.probe('b0');
    for (const n of sim.names()) expect(sim.probeCount(n, id)).toBe(n === 'b0' ? 0 : 1);
    ok++;
  }), { numRuns: runs, seed: Number(process.env['SIM_SEED'] ?? Date.now() % 100_000) });
  console.log(`${ok} random scenarios settled into the steady state of a fresh network`);
});
