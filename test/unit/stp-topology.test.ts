// Several STP engines wired together through fake hosts on one virtual clock: parallel links,
// a triangle, priority changes, link cuts, topology-change propagation, and a property test over
// random graphs (the forwarding links form a spanning tree, everyone agrees on root and costs).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualClock } from '../../src/bridge/clock.js';
import { PORT_BLOCKING, PORT_FORWARDING, PORT_STATE_NAMES } from '../../src/stp/port-state.js';
import {
  Stp, formatBridgeId, parseBpdu, pathCostForSpeed, type Bpdu, type StpEvent, type StpHost,
} from '../../src/stp/index.js';

// ───────────────────────────── the harness ─────────────────────────────

interface WireFrame { t: number; from: [number, number]; to: [number, number]; bpdu: Bpdu }

class NodeHost implements StpHost {
  readonly states = new Map<number, number>();
  readonly tc: Array<{ t: number; active: boolean }> = [];
  readonly events: StpEvent[] = [];
  constructor(private readonly net: Net, private readonly idx: number) {}
  now(): number { return this.net.clock.now(); }
  sendBpdu(portNo: number, frame: Uint8Array): void { this.net.send(this.idx, portNo, frame); }
  setPortState(portNo: number, state: number): void { this.states.set(portNo, state); }
  topologyChange(active: boolean): void { this.tc.push({ t: this.net.clock.now(), active }); }
  event(e: StpEvent): void { this.events.push(e); }
}

interface Node { name: string; mac: number; prio: number; stp: Stp; host: NodeHost; nextPort: number }

interface Link { a: number; pa: number; b: number; pb: number; cost: number }

/**
 * Bridges joined by point-to-point links. BPDUs sent during a step are delivered in FIFO order
 * in the same step (zero link delay); the clock moves in fixed steps and every engine ticks.
 */
class Net {
  readonly clock = new VirtualClock(0);
  readonly nodes: Node[] = [];
  readonly links: Link[] = [];
  readonly wire: WireFrame[] = [];
  private readonly peer = new Map<string, [number, number]>();
  private readonly queue: Array<[number, number, Uint8Array]> = [];

  addBridge(name: string, mac: number, prio = 0x8000): number {
    const idx = this.nodes.length;
    const host = new NodeHost(this, idx);
    const stp = new Stp(host, { bridgeMac: mac, priority: prio });
    this.nodes.push({ name, mac, prio, stp, host, nextPort: 1 });
    return idx;
  }

  /** A new port on each bridge, joined by a link of the given speed. Returns the port numbers. */
  connect(a: number, b: number, speedMbps = 10000): [number, number] {
    const pa = this.addPort(a, speedMbps);
    const pb = this.addPort(b, speedMbps);
    this.plug(a, pa, b, pb, speedMbps);
    return [pa, pb];
  }

  /** Cable between two existing ports. */
  plug(a: number, pa: number, b: number, pb: number, speedMbps = 10000): void {
    this.peer.set(`${a}:${pa}`, [b, pb]);
    this.peer.set(`${b}:${pb}`, [a, pa]);
    this.links.push({ a, pa, b, pb, cost: pathCostForSpeed(speedMbps) });
  }

  addPort(n: number, speedMbps = 10000): number {
    const node = this.nodes[n]!;
    const p = node.nextPort++;
    node.stp.addPort(p, { mac: node.mac + p * 0x1000000, speedMbps });
    return p;
  }

  /** Pull the cable: both ends lose carrier. */
  cut(a: number, b: number): void {
    const i = this.links.findIndex((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
    const l = this.links[i]!;
    this.links.splice(i, 1);
    this.peer.delete(`${l.a}:${l.pa}`);
    this.peer.delete(`${l.b}:${l.pb}`);
    this.nodes[l.a]!.stp.portDown(l.pa);
    this.nodes[l.b]!.stp.portDown(l.pb);
    this.deliver();
  }

  send(from: number, port: number, frame: Uint8Array): void {
    const to = this.peer.get(`${from}:${port}`);
    if (!to) return;
    const r = parseBpdu(frame, 0, frame.length);
    if (!r.ok) throw new Error(`engine sent an invalid BPDU: ${r.reason}`);
    this.wire.push({ t: this.clock.now(), from: [from, port], to, bpdu: r.bpdu });
    this.queue.push([to[0], to[1], frame]);
  }

  deliver(): void {
    for (let n = 0; this.queue.length > 0; n++) {
      if (n > 100000) throw new Error('BPDU storm: delivery did not settle');
      const [to, port, frame] = this.queue.shift()!;
      this.nodes[to]!.stp.receive(port, frame, 0, frame.length);
    }
  }

  enableAll(): void {
    for (const n of this.nodes) n.stp.enable();
    this.deliver();
  }

  run(ms: number, step = 100, until?: () => boolean): number {
    for (let done = 0; done < ms; done += step) {
      this.clock.advance(Math.min(step, ms - done));
      for (const n of this.nodes) n.stp.tick();
      this.deliver();
      if (until?.()) return this.clock.now();
    }
    return this.clock.now();
  }

  state(n: number, port: number): string {
    return PORT_STATE_NAMES[this.nodes[n]!.stp.portState(port)!] ?? '?';
  }

  forwarding(l: Link): boolean {
    return this.nodes[l.a]!.stp.portState(l.pa) === PORT_FORWARDING
      && this.nodes[l.b]!.stp.portState(l.pb) === PORT_FORWARDING;
  }

  /** Ports (as "bridge:port") that are blocking anywhere in the net. */
  blocked(): string[] {
    const out: string[] = [];
    for (const n of this.nodes) {
      for (const p of n.stp.snapshot().ports) if (p.state === PORT_BLOCKING) out.push(`${n.name}:${p.portNo}`);
    }
    return out;
  }

  /** The forwarding links form a spanning tree of the bridges. */
  isSpanningTree(): boolean {
    const parent = this.nodes.map((_, i) => i);
    const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
    let edges = 0;
    for (const l of this.links) {
      if (!this.forwarding(l)) continue;
      const ra = find(l.a);
      const rb = find(l.b);
      if (ra === rb) return false; // a cycle
      parent[ra] = rb;
      edges++;
    }
    return edges === this.nodes.length - 1;
  }

  /** Nothing in listening or learning: the tree has settled. */
  settled(): boolean {
    return this.nodes.every((n) => n.stp.snapshot().ports.every((p) => p.state === PORT_FORWARDING || p.state === PORT_BLOCKING || !p.up));
  }

  roots(): string[] {
    return [...new Set(this.nodes.map((n) => n.stp.snapshot().designatedRoot))];
  }
}

const MAC = (n: number): number => 0x020000000000 + n * 0x10;

// ───────────────────────────── scenarios ─────────────────────────────

describe('two bridges, two parallel links', () => {
  it('the lower bridge id is root; the other bridge blocks the port facing the higher port id', () => {
    const net = new Net();
    const a = net.addBridge('A', MAC(1));
    const b = net.addBridge('B', MAC(2));
    net.connect(a, b); // A1–B1
    net.connect(a, b); // A2–B2
    net.enableAll();
    net.run(35000);
    expect(net.roots()).toEqual([formatBridgeId({ prio: 0x8000, mac: MAC(1) })]);
    expect(net.blocked()).toEqual(['B:2']);
    expect(net.nodes[b]!.stp.snapshot()).toMatchObject({ rootPort: 1, rootPathCost: 2, isRoot: false });
    expect(net.nodes[a]!.stp.snapshot().ports.map((p) => p.role)).toEqual(['designated', 'designated']);
    expect(net.isSpanningTree()).toBe(true);
  });

  it('crossed cables: what decides is the designated (far-end) port id, not the local one', () => {
    const net = new Net();
    const a = net.addBridge('A', MAC(1));
    const b = net.addBridge('B', MAC(2));
    for (let i = 0; i < 2; i++) { net.addPort(a); net.addPort(b); }
    net.plug(a, 1, b, 2);
    net.plug(a, 2, b, 1);
    net.enableAll();
    net.run(35000);
    expect(net.blocked()).toEqual(['B:1']); // B1 faces A2 (8002): it blocks, though its own id is lower
    expect(net.nodes[b]!.stp.snapshot().rootPort).toBe(2);
    expect(net.isSpanningTree()).toBe(true);
  });

  it('the root sends hellos; the other bridge only relays', () => {
    const net = new Net();
    const a = net.addBridge('A', MAC(1));
    const b = net.addBridge('B', MAC(2));
    net.connect(a, b);
    net.connect(a, b);
    const c = net.addBridge('C', MAC(3));
    net.connect(b, c);
    net.enableAll();
    net.run(60000);
    const late = net.wire.filter((w) => w.t > 40000 && w.bpdu.type === 'config');
    const fromA = late.filter((w) => w.from[0] === a).length;
    const fromB = late.filter((w) => w.from[0] === b).length;
    const fromC = late.filter((w) => w.from[0] === c).length;
    expect(fromA).toBe(20); // 10 hellos × 2 ports
    expect(fromB).toBe(10); // one relay on B3 per hello
    expect(fromC).toBe(0); // C has no designated port
    const relayed = late.find((w) => w.from[0] === b)!.bpdu;
    expect(relayed).toMatchObject({ rootPathCost: 2, messageAge: 1 });
  });
});

describe('a triangle', () => {
  function triangle(): { net: Net; a: number; b: number; c: number } {
    const net = new Net();
    const a = net.addBridge('A', MAC(1));
    const b = net.addBridge('B', MAC(2));
    const c = net.addBridge('C', MAC(3));
    net.connect(a, b); // A1–B1
    net.connect(a, c); // A2–C1
    net.connect(b, c); // B2–C2
    net.enableAll();
    net.run(40000);
    return { net, a, b, c };
  }

  it('blocks exactly one port: the higher bridge on the link between the two non-roots', () => {
    const { net } = triangle();
    expect(net.roots()).toHaveLength(1);
    expect(net.blocked()).toEqual(['C:2']);
    expect(net.isSpanningTree()).toBe(true);
    expect(net.nodes.map((n) => n.stp.snapshot().rootPathCost)).toEqual([0, 2, 2]);
  });

  it('a lower priority moves the root and the tree follows', () => {
    const { net, c } = triangle();
    net.nodes[c]!.stp.setBridgePriority(0x1000);
    net.deliver();
    net.run(2000);
    expect(net.roots()).toEqual([formatBridgeId({ prio: 0x1000, mac: MAC(3) })]);
    net.run(40000);
    expect(net.blocked()).toEqual(['B:1']); // now the A–B link is the one between non-roots
    expect(net.isSpanningTree()).toBe(true);
  });

  it('raising the root priority hands the root on within max age + 2 × forward delay', () => {
    const { net, a } = triangle();
    const t0 = net.clock.now();
    net.nodes[a]!.stp.setBridgePriority(0xf000);
    const t = net.run(60000, 100, () => net.roots().length === 1 && net.roots()[0]!.endsWith(MAC(2).toString(16)) && net.settled() && net.isSpanningTree());
    expect(t - t0).toBeLessThanOrEqual(20000 + 30000);
    // B is root; A and C both reach it directly at cost 2, and on the A–C link C's id (8000.…)
    // beats A's new F000.…, so A's port there blocks.
    expect(net.blocked()).toEqual(['A:2']);
  });

  it('a cut root-port link reconverges within max age + 2 × forward delay', () => {
    const { net, a, b } = triangle();
    net.run(1300); // somewhere between hellos
    const t0 = net.clock.now();
    net.cut(a, b);
    expect(net.isSpanningTree()).toBe(false); // B is cut off until C's blocked port opens
    const t = net.run(60000, 100, () => net.isSpanningTree());
    expect(t - t0).toBeLessThanOrEqual(20000 + 2 * 15000);
    expect(t - t0).toBeGreaterThan(2 * 15000); // it has to go through listening and learning
    expect(net.blocked()).toEqual([]);
    expect(net.nodes[b]!.stp.snapshot()).toMatchObject({ rootPort: 2, rootPathCost: 4 });
    expect(net.roots()).toHaveLength(1);
  });
});

describe('topology change across bridges', () => {
  it('TCN goes up hop by hop, the root sets TC for max age + forward delay, everyone fast-ages', () => {
    const net = new Net();
    const a = net.addBridge('A', MAC(1));
    const b = net.addBridge('B', MAC(2));
    const c = net.addBridge('C', MAC(3));
    net.connect(a, b); // A1–B1
    net.connect(b, c); // B2–C1
    net.enableAll();
    net.run(100000); // start-up changes are over
    expect(net.nodes.map((n) => n.stp.snapshot().topologyChange)).toEqual([false, false, false]);
    for (const n of net.nodes) n.host.tc.length = 0;
    const mark = net.wire.length;

    net.run(700);
    const edge = net.addPort(c, 1000); // a host appears on C
    expect(net.state(c, edge)).toBe('listening');
    const tForward = net.clock.now() + 30000;
    net.run(70000);
    const wire = net.wire.slice(mark);

    const tcns = wire.filter((w) => w.bpdu.type === 'tcn');
    expect(tcns.map((w) => [w.t, net.nodes[w.from[0]]!.name, net.nodes[w.to[0]]!.name])).toEqual([
      [tForward, 'C', 'B'],
      [tForward, 'B', 'A'],
    ]);
    // B acknowledges C, A acknowledges B (after their hold timers)
    const tca = wire.filter((w) => w.bpdu.type === 'config' && w.bpdu.topologyChangeAck);
    expect(tca.map((w) => `${net.nodes[w.from[0]]!.name}→${net.nodes[w.to[0]]!.name}`).sort()).toEqual(['A→B', 'B→C']);

    // the root's TC window is exactly max age + forward delay
    const rootTc = net.nodes[a]!.host.tc;
    expect(rootTc.map((x) => [x.t - tForward, x.active])).toEqual([[0, true], [35000, false]]);
    // TC flag in the root's BPDUs during that window only
    const fromRoot = wire.filter((w) => w.from[0] === a && w.bpdu.type === 'config');
    for (const w of fromRoot) {
      const inWindow = w.t >= tForward && w.t < tForward + 35000;
      expect(w.bpdu.type === 'config' && w.bpdu.topologyChange, `t=${w.t}`).toBe(inWindow);
    }
    // and every bridge fast-aged, then stopped
    for (const n of net.nodes) expect(n.host.tc.map((x) => x.active), n.name).toEqual([true, false]);
    // C's TCN timer stopped at the acknowledgement: one TCN only
    expect(net.nodes[c]!.stp.snapshot().ports[0]!.counters.txTcn).toBe(1);
  });
});

// ───────────────────────────── the property ─────────────────────────────

/** Shortest root path cost of every bridge (Dijkstra over link costs). */
function shortestCosts(n: number, links: Link[], root: number): number[] {
  const dist = new Array<number>(n).fill(Infinity);
  dist[root] = 0;
  const done = new Array<boolean>(n).fill(false);
  for (let k = 0; k < n; k++) {
    let u = -1;
    for (let i = 0; i < n; i++) if (!done[i] && (u < 0 || dist[i]! < dist[u]!)) u = i;
    done[u] = true;
    for (const l of links) {
      if (l.a === u && dist[u]! + l.cost < dist[l.b]!) dist[l.b] = dist[u]! + l.cost;
      if (l.b === u && dist[u]! + l.cost < dist[l.a]!) dist[l.a] = dist[u]! + l.cost;
    }
  }
  return dist;
}

const graphArb = fc.integer({ min: 3, max: 6 }).chain((n) => fc.record({
  n: fc.constant(n),
  prios: fc.array(fc.constantFrom(0x1000, 0x8000, 0x8000, 0x9000), { minLength: n, maxLength: n }),
  macs: fc.uniqueArray(fc.integer({ min: 1, max: 0xffff }), { minLength: n, maxLength: n }),
  // a random spanning tree: bridge i hangs off some bridge before it
  parents: fc.tuple(...Array.from({ length: n - 1 }, (_, i) => fc.integer({ min: 0, max: i }))),
  // extra links make loops (parallel links included)
  extra: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: 5 }),
  speeds: fc.array(fc.constantFrom(10, 100, 1000, 10000), { minLength: 12, maxLength: 12 }),
  startOffsets: fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: n, maxLength: n }),
  phase: fc.integer({ min: 0, max: 999 }),
}));

describe('property: random small graphs', () => {
  it('converge to one root, shortest root path costs, and a spanning tree of forwarding links', () => {
    fc.assert(fc.property(graphArb, (g) => {
      const net = new Net();
      net.clock.set(g.phase);
      for (let i = 0; i < g.n; i++) net.addBridge(`B${i}`, 0x020000000000 + g.macs[i]!, g.prios[i]!);
      let s = 0;
      g.parents.forEach((p, i) => net.connect(i + 1, p, g.speeds[s++ % g.speeds.length]));
      for (const [x, y] of g.extra) if (x !== y) net.connect(x, y, g.speeds[s++ % g.speeds.length]);

      // bridges come up at different moments
      const order = g.startOffsets.map((t, i) => [t, i] as const).sort((p, q) => p[0] - q[0]);
      let k = 0;
      for (let t = 0; t <= 5000; t += 100) {
        while (k < order.length && order[k]![0] <= t) net.nodes[order[k++]![1]]!.stp.enable();
        net.run(100);
      }
      net.run(150000);

      const best = [...net.nodes.keys()].reduce((m, i) => {
        const x = net.nodes[i]!;
        const y = net.nodes[m]!;
        return x.prio < y.prio || (x.prio === y.prio && x.mac < y.mac) ? i : m;
      }, 0);
      const rootId = formatBridgeId({ prio: net.nodes[best]!.prio, mac: net.nodes[best]!.mac });
      expect(net.roots()).toEqual([rootId]);
      expect(net.settled()).toBe(true);
      expect(net.isSpanningTree()).toBe(true);
      const dist = shortestCosts(g.n, net.links, best);
      expect(net.nodes.map((x) => x.stp.snapshot().rootPathCost)).toEqual(dist);

      // and it stays that way
      const before = net.nodes.map((x) => x.stp.snapshot().ports.map((p) => p.state).join());
      net.run(40000, 500);
      expect(net.nodes.map((x) => x.stp.snapshot().ports.map((p) => p.state).join())).toEqual(before);
    }), { numRuns: 60 });
  });
});
