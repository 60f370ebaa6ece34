// The simulator topologies the STP and RSTP tests share: a triangle, a ring of n, a rows×cols
// grid and two parallel links, each built into the Sim it is given (whose defaults choose the
// protocol and timers).
import { Sim, type SimBridgeOptions } from '../../src/lab/sim.js';

export function triangle(sim = new Sim()): Sim {
  for (const n of ['A', 'B', 'C']) sim.bridge(n);
  sim.link('A', 'B');
  sim.link('B', 'C');
  sim.link('C', 'A');
  return sim;
}

/** r0 … r(n−1) in a ring; `each(i)` gives bridge i its own options (STP off, another protocol). */
export function ring(n: number, sim = new Sim(), each: (i: number) => SimBridgeOptions = () => ({})): Sim {
  for (let i = 0; i < n; i++) sim.bridge(`r${i}`, each(i));
  for (let i = 0; i < n; i++) sim.link(`r${i}`, `r${(i + 1) % n}`);
  return sim;
}

export function grid(rows: number, cols: number, sim = new Sim()): Sim {
  const g = (r: number, c: number) => `g${r}${c}`;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sim.bridge(g(r, c));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) sim.link(g(r, c), g(r, c + 1));
      if (r + 1 < rows) sim.link(g(r, c), g(r + 1, c));
    }
  }
  return sim;
}

export function parallel(sim = new Sim()): Sim {
  sim.bridge('P');
  sim.bridge('Q');
  sim.link('P', 'Q');
  sim.link('P', 'Q');
  return sim;
}
