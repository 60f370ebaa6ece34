// STP interop with the Linux kernel: the real softbr daemon and two kernel bridges (each in its
// own network namespace, kernel STP) in a triangle of veth links, with a host namespace on each
// bridge. Both sides must agree on the root and on root path costs, exactly one loop port may
// block, hosts ping across the loop, and a priority change moves the root for everybody.
// `softbr showstp` and `brctl showstp` of the same loop are printed and compared line by line.
//
//          h0 (10.203.0.10)
//           | tap
//        softbr S ───────────── veth ───────────── K1 (kernel, ns k1) ── h1 (10.203.0.11)
//           \                                      /
//            veth ──────── K2 (kernel, ns k2) ── veth
//                            |
//                           h2 (10.203.0.12)
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';
import { PORT_BLOCKING, PORT_FORWARDING, PORT_STATE_NAMES } from '../../src/stp/port-state.js';

const root = isRoot();
const hasBrctl = ['/usr/sbin/brctl', '/sbin/brctl', '/usr/bin/brctl', '/bin/brctl'].some((f) => existsSync(f));
const lab = new Lab('s');
const P = lab.prefix;
const NET = '10.203.0';
const pidByte = (process.pid % 256).toString(16).padStart(2, '0');
/** Bridge MACs fix the initial order: K1 < K2 < S, all at priority 32768 → K1 is root. */
const MAC = { K1: `02:cb:${pidByte}:00:00:01`, K2: `02:cb:${pidByte}:00:00:02`, S: `02:cb:${pidByte}:00:00:03` };

type Who = 'S' | 'K1' | 'K2';

interface PortView {
  name: string;
  state: number;
  designatedRoot: string;
  designatedBridge: string;
  designatedPort: number;
  pathCost: number;
}

interface BridgeView {
  bridgeId: string;
  rootId: string;
  rootPathCost: number;
  ports: Map<string, PortView>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!root)('STP interop: softbr and kernel bridges in one loop', () => {
  const d = new SoftbrDaemon(P);
  const SBR = `${P}s`;
  const kernel = { K1: { ns: `${P}k1`, br: `${P}b1` }, K2: { ns: `${P}k2`, br: `${P}b2` } };
  // the loop: [bridge, port] at each end of the three links
  const LINKS: [[Who, string], [Who, string]][] = [
    [['S', `${P}s1`], ['K1', `${P}1s`]],
    [['S', `${P}s2`], ['K2', `${P}2s`]],
    [['K1', `${P}12`], ['K2', `${P}21`]],
  ];
  const hosts = [
    { ns: `${P}h0`, ip: `${NET}.10` },
    { ns: `${P}h1`, ip: `${NET}.11` },
    { ns: `${P}h2`, ip: `${NET}.12` },
  ];
  const t0 = Date.now();
  const log = (s: string) => console.log(`[stp-kernel +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

  /** A veth whose ends go into namespaces (null = stay in the root namespace for softbr). */
  async function veth(a: string, nsA: string | null, b: string, nsB: string | null): Promise<void> {
    await lab.addVeth(a.slice(P.length), b.slice(P.length), { nsA: nsA ?? undefined, nsB: nsB ?? undefined });
  }

  async function enslave(k: 'K1' | 'K2', dev: string): Promise<void> {
    const { ns, br } = kernel[k];
    await lab.exec(ns, 'ip', ['link', 'set', dev, 'master', br]);
    await lab.exec(ns, 'ip', ['link', 'set', dev, 'up']);
  }

  beforeAll(async () => {
    // kernel bridges, each in its own namespace, kernel STP with short timers (centiseconds)
    for (const k of ['K1', 'K2'] as const) {
      const { ns, br } = kernel[k];
      await lab.addNamespace(ns.slice(P.length));
      await lab.exec(ns, 'ip', ['link', 'add', br, 'address', MAC[k], 'type', 'bridge',
        'stp_state', '1', 'forward_delay', '200', 'hello_time', '100', 'max_age', '600']);
      await lab.exec(ns, 'ip', ['link', 'set', br, 'up']);
      expect((await lab.exec(ns, 'cat', [`/sys/class/net/${br}/bridge/stp_state`])).stdout.trim()).toBe('1');
    }
    for (const h of hosts) await lab.addNamespace(h.ns.slice(P.length));

    // softbr: STP on with forward delay 2 s, hello 1 s, max age 6 s
    await d.start();
    await d.ok('addbr', SBR, '--no-local', '--mac', MAC.S);
    await d.ok('setfd', SBR, '2');
    await d.ok('sethello', SBR, '1');
    await d.ok('setmaxage', SBR, '6');
    await d.ok('stp', SBR, 'on');

    // the loop
    await veth(`${P}s1`, null, `${P}1s`, kernel.K1.ns);
    await veth(`${P}s2`, null, `${P}2s`, kernel.K2.ns);
    await veth(`${P}12`, kernel.K1.ns, `${P}21`, kernel.K2.ns);
    await enslave('K1', `${P}1s`);
    await enslave('K1', `${P}12`);
    await enslave('K2', `${P}2s`);
    await enslave('K2', `${P}21`);
    for (const dev of [`${P}s1`, `${P}s2`]) {
      await sh('ip', ['link', 'set', dev, 'up']);
      await d.ok('addif', SBR, dev);
    }

    // hosts: h0 on a softbr TAP, h1 and h2 on veths into the kernel bridges
    await d.ok('addif', SBR, `tap:${P}t0`);
    await lab.plug(`${P}t0`, hosts[0]!.ns, { rename: 'eth0', cidr: `${hosts[0]!.ip}/24` });
    for (const [i, k] of [[1, 'K1'], [2, 'K2']] as const) {
      await veth(`${P}${i}h`, kernel[k].ns, `${P}h${i}`, null);
      await enslave(k, `${P}${i}h`);
      await lab.plug(`${P}h${i}`, hosts[i]!.ns, { rename: 'eth0', cidr: `${hosts[i]!.ip}/24` });
    }
    log('loop built');
  });

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    const ns = await sh('ip', ['netns', 'list'], { allowFail: true });
    const links = await sh('ip', ['-o', 'link', 'show'], { allowFail: true });
    expect(code).toBe(0);
    expect(ns.stdout).not.toContain(P);
    expect(links.stdout).not.toContain(P);
  });

  // ───────────────────────────── views ─────────────────────────────

  async function kernelView(k: 'K1' | 'K2'): Promise<BridgeView> {
    const { ns, br } = kernel[k];
    const script = `b=/sys/class/net/${br}; echo $(cat $b/bridge/bridge_id $b/bridge/root_id $b/bridge/root_path_cost); `
      + `for p in $b/brif/*; do echo $(basename $p) $(cat $p/state $p/designated_root $p/designated_bridge $p/designated_port $p/path_cost); done`;
    const lines = (await lab.exec(ns, 'sh', ['-c', script])).stdout.trim().split('\n');
    const [bridgeId, rootId, cost] = lines[0]!.split(' ');
    const ports = new Map<string, PortView>();
    for (const l of lines.slice(1)) {
      const [name, state, dr, db, dp, pc] = l.split(' ');
      ports.set(name!, { name: name!, state: Number(state), designatedRoot: dr!, designatedBridge: db!, designatedPort: Number(dp), pathCost: Number(pc) });
    }
    return { bridgeId: bridgeId!, rootId: rootId!, rootPathCost: Number(cost), ports };
  }

  async function softbrView(): Promise<BridgeView> {
    const j = JSON.parse(await d.ok('showstp', SBR, '--json')) as {
      bridgeId: string; designatedRoot: string; rootPathCost: number;
      ports: { name: string; state: string; designatedRoot: string; designatedBridge: string; designatedPort: string; pathCost: number }[];
    };
    const ports = new Map<string, PortView>();
    for (const p of j.ports) {
      ports.set(p.name, {
        name: p.name, state: (PORT_STATE_NAMES as readonly string[]).indexOf(p.state), designatedRoot: p.designatedRoot,
        designatedBridge: p.designatedBridge, designatedPort: parseInt(p.designatedPort, 16), pathCost: p.pathCost,
      });
    }
    return { bridgeId: j.bridgeId, rootId: j.designatedRoot, rootPathCost: j.rootPathCost, ports };
  }

  async function views(): Promise<Record<Who, BridgeView>> {
    const [S, K1, K2] = await Promise.all([softbrView(), kernelView('K1'), kernelView('K2')]);
    return { S, K1, K2 };
  }

  /** Ports of the links in use (a cut link's ports are left out). */
  function loopStates(v: Record<Who, BridgeView>, links = LINKS): { port: string; state: number }[] {
    return links.flat().map(([who, port]) => ({ port: `${who}:${port}`, state: v[who].ports.get(port)?.state ?? -1 }));
  }

  /**
   * Polls until the loop is settled with `rootWho` as root: everybody names it, no port of the
   * links in use is listening or learning, and `blocking` of them block (1 while the loop is whole).
   */
  async function settle(rootWho: Who, opts: { links?: typeof LINKS; blocking?: number; timeoutMs?: number } = {}): Promise<Record<Who, BridgeView>> {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    let v = await views();
    for (;;) {
      const want = v[rootWho].bridgeId;
      const st = loopStates(v, opts.links);
      const ok = (['S', 'K1', 'K2'] as const).every((w) => v[w].rootId === want)
        && st.every((x) => x.state === PORT_FORWARDING || x.state === PORT_BLOCKING)
        && st.filter((x) => x.state === PORT_BLOCKING).length === (opts.blocking ?? 1);
      if (ok) return v;
      if (Date.now() > deadline) {
        throw new Error(`loop did not settle with ${rootWho} as root: ${JSON.stringify({ roots: { S: v.S.rootId, K1: v.K1.rootId, K2: v.K2.rootId }, st })}`);
      }
      await sleep(250);
      v = await views();
    }
  }

  /**
   * Everything both sides must agree on: `rootWho` is everybody's root, root path costs are
   * `costs` (default: 0 at the root, 2 elsewhere — every non-root is one 10G hop from the root
   * in a triangle), both ends of each link in use record the same designated root, bridge and
   * port, and exactly the ports in `blocked` block.
   */
  function expectAgreement(v: Record<Who, BridgeView>, rootWho: Who, blocked: string[],
    opts: { links?: typeof LINKS; costs?: Record<Who, number> } = {}): void {
    const rootId = v[rootWho].bridgeId;
    const links = opts.links ?? LINKS;
    for (const w of ['S', 'K1', 'K2'] as const) {
      expect(v[w].rootId, `root seen by ${w}`).toBe(rootId);
      expect(v[w].rootPathCost, `root path cost of ${w}`).toBe(opts.costs?.[w] ?? (w === rootWho ? 0 : 2));
    }
    for (const [[wa, pa], [wb, pb]] of links) {
      const a = v[wa].ports.get(pa)!;
      const b = v[wb].ports.get(pb)!;
      expect(a.pathCost, `${wa}:${pa} cost`).toBe(2);
      expect(b.pathCost, `${wb}:${pb} cost`).toBe(2);
      expect([a.designatedRoot, a.designatedBridge, a.designatedPort], `${wa}:${pa} vs ${wb}:${pb}`)
        .toEqual([b.designatedRoot, b.designatedBridge, b.designatedPort]);
      expect(a.designatedRoot).toBe(rootId);
    }
    const st = loopStates(v, links);
    expect(st.filter((x) => x.state === PORT_BLOCKING).map((x) => x.port)).toEqual(blocked);
    expect(st.filter((x) => x.state === PORT_FORWARDING)).toHaveLength(st.length - blocked.length);
  }

  /**
   * After the tree moved, hosts forget their neighbours so that they speak first with an ARP
   * broadcast, which every bridge learns from on the new path. Without this a kernel bridge keeps
   * forwarding to a MAC learned on the port that now blocks: during a topology change the kernel
   * shortens the ageing time (the entry shows as "stale" in `bridge fdb show`) but its FDB
   * garbage collector stays scheduled by the old 300 s ageing, and lookups do not check expiry.
   * softbr ages on every tick, so its own entries do go after 2 × forward delay.
   */
  async function forgetNeighbours(): Promise<void> {
    for (const h of hosts) await lab.exec(h.ns, 'ip', ['neigh', 'flush', 'all']);
  }

  async function pingAll(): Promise<void> {
    for (const [a, b] of [[0, 1], [0, 2], [1, 2], [2, 0]] as const) {
      const r = await lab.exec(hosts[a]!.ns, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', hosts[b]!.ip], { allowFail: true });
      if (r.code !== 0 && process.env['STPK_DEBUG']) {
        for (const k of ['K1', 'K2'] as const) console.log(k, (await lab.exec(kernel[k].ns, 'bridge', ['fdb', 'show', 'br', kernel[k].br])).stdout, (await lab.exec(kernel[k].ns, 'brctl', ['showstp', kernel[k].br])).stdout);
        console.log('S', await d.ok('fdb', 'show'));
        for (const h of hosts) console.log(h.ns, (await lab.exec(h.ns, 'ip', ['link', 'show', 'eth0'])).stdout);
      }
      expect(r.code, `h${a} → h${b}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  }

  // ───────────────────────────── tests ─────────────────────────────

  it('converges: one root (K1, lowest id), agreed costs, exactly one blocking port in the loop', async () => {
    const v = await settle('K1');
    log('converged with K1 as root');
    expect(v.K1.bridgeId).toBe(`8000.${MAC.K1.replaceAll(':', '')}`);
    expect(v.S.bridgeId).toBe(`8000.${MAC.S.replaceAll(':', '')}`);
    // on S–K2 both are 2 from the root; K2 has the lower id, so it is designated and S blocks
    expectAgreement(v, 'K1', [`S:${P}s2`]);
  });

  it('hosts ping each other across the loop', async () => {
    await pingAll();
  });

  it.skipIf(!hasBrctl)('softbr showstp has the layout of brctl showstp, line by line', async () => {
    const kb = (await lab.exec(kernel.K1.ns, 'brctl', ['showstp', kernel.K1.br])).stdout;
    const sb = await d.ok('showstp', SBR);
    console.log(`----- softbr showstp ${SBR} -----\n${sb}----- brctl showstp ${kernel.K1.br} (kernel, ns ${kernel.K1.ns}) -----\n${kb}-----`);
    const dir = process.env['STP_COMPARE_DIR'];
    if (dir) {
      writeFileSync(join(dir, 'softbr-showstp.txt'), sb);
      writeFileSync(join(dir, 'brctl-showstp.txt'), kb);
    }
    const shape = (text: string) => text.split('\n').map((line, i) => {
      if (i === 0) return 'BRIDGE';
      if (/^\S+ \(\d+\)$/.test(line)) return 'PORT (N)';
      // values become a marker with their printed width (padding included), so widths count too
      return line
        .replace(/[0-9a-f]{4}\.[0-9a-f]{12}/g, 'ID')
        .replace(/ *\d+\.\d\d/g, (m) => `TIMER${m.length}`)
        .replace(/ *(disabled|listening|learning|forwarding|blocking)$/, (m) => `STATE${m.length}`)
        .replace(/^( (port id|designated port)\t+)[0-9a-f]{4}/, '$1PID')
        .replace(/(?<=\t) *\d+(?=\t|$)/g, (m) => `N${m.length}`)
        .replace(/^( flags\t\t\t)((TOPOLOGY_CHANGE|TOPOLOGY_CHANGE_DETECTED|CONFIG_PENDING|TOPOLOGY_CHANGE_ACK) )*$/, '$1FLAGS');
    });
    const ks = shape(kb);
    const ss = shape(sb);
    // three ports each: the same number of lines, and every line the same labels and TABs
    expect(ss.length).toBe(ks.length);
    expect(ss).toEqual(ks);
    expect(ss.filter((l) => l === 'PORT (N)')).toHaveLength(3);
  });

  it('setbridgeprio on softbr: it becomes root and both sides agree', async () => {
    const t = Date.now();
    await d.ok('setbridgeprio', SBR, '4096');
    const v = await settle('S');
    log(`softbr became root for everybody in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expect(v.S.bridgeId).toBe(`1000.${MAC.S.replaceAll(':', '')}`);
    // on K1–K2 both are 2 from S; K1 has the lower id, so K2's port blocks
    expectAgreement(v, 'S', [`K2:${P}21`]);
    await forgetNeighbours();
    await pingAll();
  });

  it('a kernel bridge priority change (K2 to 2048): K2 becomes root and both sides agree', async () => {
    const t = Date.now();
    await lab.exec(kernel.K2.ns, 'ip', ['link', 'set', kernel.K2.br, 'type', 'bridge', 'priority', '2048']);
    const v = await settle('K2');
    log(`K2 became root for everybody in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expect(v.K2.bridgeId).toBe(`0800.${MAC.K2.replaceAll(':', '')}`);
    // on S–K1 both are 2 from K2; S (0x1000) has the lower id than K1 (0x8000): K1's port blocks
    expectAgreement(v, 'K2', [`K1:${P}1s`]);
    await forgetNeighbours();
    await pingAll();
  });

  it('cut K1–K2: K1 reaches the root through softbr, nothing blocks; restore: the same tree as before', async () => {
    const whole = await views();
    let t = Date.now();
    await lab.exec(kernel.K1.ns, 'ip', ['link', 'set', `${P}12`, 'down']);
    // carrier gone at both ends: K1 takes its blocked port to softbr as root port at once
    const rest = LINKS.slice(0, 2);
    let v = await settle('K2', { links: rest, blocking: 0 });
    log(`K1–K2 cut: K1 forwards through softbr after ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expect(v.K1.ports.get(`${P}12`)!.state).toBe(0);
    expect(v.K2.ports.get(`${P}21`)!.state).toBe(0);
    expectAgreement(v, 'K2', [], { links: rest, costs: { K2: 0, S: 2, K1: 4 } });
    await forgetNeighbours();
    await pingAll(); // h1 ↔ h2 now crosses softbr

    t = Date.now();
    await lab.exec(kernel.K1.ns, 'ip', ['link', 'set', `${P}12`, 'up']);
    v = await settle('K2');
    log(`K1–K2 restored: back to the earlier tree after ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expectAgreement(v, 'K2', [`K1:${P}1s`]);
    expect(loopStates(v)).toEqual(loopStates(whole));
    await forgetNeighbours();
    await pingAll();
  });
});
