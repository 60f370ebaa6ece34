// RSTP on real links, against two other implementations:
//
// 1. Open vSwitch's RSTP (lib/rstp*.c): a private ovsdb-server + ovs-vswitchd (own db, sockets
//    and logs in a temp dir) in a namespace, two bridges with datapath_type=netdev (userspace, no
//    kernel module) and rstp_enable=true, and softbr in RSTP mode, in a triangle of veths. Both
//    sides agree on the root and on which port is the alternate (softbr's, towards the second OVS
//    bridge); cutting softbr's root link makes that alternate the root port, measured in real time
//    by a 20-ms ping from a host behind softbr to the root's own interface (< 3 s outage).
//
//       h0 ── softbr S (rstp) ──── O1 (OVS, root, prio 4096; its port ob1 has 10.207.0.1)
//                  \                /
//                   ── O2 (OVS, prio 8192)
//
// 2. Kernel bridges (802.1D only): softbr in RSTP mode with two kernel bridges in a triangle. Its
//    ports hear config BPDUs and fall back to 802.1D (showstp: protocol stp), everybody agrees on
//    the root, exactly one port of the loop blocks, and hosts ping across.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { startOvs, ovsMissing, type Ovs } from '../helpers/ovs.js';
import { sh } from '../../src/lab/sh.js';

const root = isRoot();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pidByte = (process.pid % 256).toString(16).padStart(2, '0');

interface ShowstpJson {
  bridgeId: string;
  designatedRoot: string;
  rootPort: number;
  rootPathCost: number;
  protocol?: string;
  ports: { name: string; state: string; role: string; protocol: string; designatedBridge: string }[];
}

async function showstp(d: SoftbrDaemon, br: string): Promise<ShowstpJson> {
  return JSON.parse(await d.ok('showstp', br, '--json')) as ShowstpJson;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await sleep(200);
  }
}

/** Replies of a `ping -D` run by icmp_seq, and the longest run of missing ones. */
function pingGaps(out: string, intervalMs: number): { replies: number; lastSeq: number; longestGapMs: number } {
  const seqs = [...out.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < seqs.length; i++) longest = Math.max(longest, seqs[i]! - seqs[i - 1]! - 1);
  return { replies: seqs.length, lastSeq: seqs[seqs.length - 1] ?? 0, longestGapMs: longest * intervalMs };
}

const noOvs = ovsMissing();

describe.skipIf(noOvs !== '')('RSTP interop: softbr and Open vSwitch (netdev datapath) in a triangle', () => {
  const lab = new Lab('ro');
  const P = lab.prefix;
  const d = new SoftbrDaemon(P);
  const SBR = `${P}s`;
  const O1 = `${P}b1`;
  const O2 = `${P}b2`;
  const NET = '10.207.0';
  let ns = '';
  let h0 = '';
  let ovs: Ovs | undefined;
  const t0 = Date.now();
  const log = (s: string) => console.log(`[rstp-ovs +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

  const vsctl = (...args: string[]) => ovs!.vsctl(...args);
  const ovsGet = (table: string, rec: string, col: string) => ovs!.get(table, rec, col);

  beforeAll(async () => {
    ns = await lab.addNamespace('o');
    h0 = await lab.addNamespace('h0');
    ovs = await startOvs(lab, ns);
    for (const [br, prio] of [[O1, 4096], [O2, 8192]] as const) {
      await vsctl('add-br', br, '--', 'set', 'bridge', br, 'datapath_type=netdev', 'rstp_enable=true',
        `other_config:rstp-priority=${prio}`, 'other_config:rstp-hello-time=2');
    }
    // softbr: RSTP, every port cost 2000 as OVS gives a 10 Gb/s veth (802.1D-2004's table)
    await d.start();
    await d.ok('addbr', SBR, '--no-local', '--mac', `02:ce:${pidByte}:00:00:03`);
    await d.ok('stp', SBR, 'rstp');
    // the triangle: S–O1, S–O2 (veth ends of softbr stay in the root namespace), O1–O2
    for (const [mine, theirs, br] of [['s1', '1s', O1], ['s2', '2s', O2]] as const) {
      await lab.addVeth(mine, theirs, { nsB: ns, up: true });
      await vsctl('add-port', br, `${P}${theirs}`);
      await d.ok('addif', SBR, `${P}${mine}`);
      await d.ok('setpathcost', SBR, `${P}${mine}`, '2000');
    }
    await lab.addVeth('12', '21', { nsA: ns, nsB: ns, up: true });
    await vsctl('add-port', O1, `${P}12`);
    await vsctl('add-port', O2, `${P}21`);
    // O1's own interface answers pings; h0 is a host on a softbr TAP
    await lab.addrUp(ns, O1, `${NET}.1/24`);
    await d.ok('addif', SBR, `tap:${P}t0`);
    await d.ok('setportedge', SBR, `${P}t0`, 'on');
    await lab.plug(`${P}t0`, h0, { rename: 'eth0', cidr: `${NET}.10/24` });
    log('triangle built');
  }, 60_000);

  afterAll(async () => {
    const code = await d.stop();
    if (process.env['RSTP_DEBUG'] && ovs) console.log(await ovs.log(30));
    await ovs?.stop();
    await lab.cleanup();
    expect(code).toBe(0);
    const left = await sh('ip', ['-o', 'link', 'show'], { allowFail: true });
    expect(left.stdout).not.toContain(P);
  });

  /** Both sides agree: O1 is everybody's root, and the blocked port is softbr's towards O2. */
  async function agreed(): Promise<{ s: ShowstpJson; o1Root: string; o2Root: string; roles: Record<string, string> } | null> {
    const s = await showstp(d, SBR);
    const o1Id = await ovsGet('bridge', O1, 'rstp_status:rstp_bridge_id');
    const o1Root = await ovsGet('bridge', O1, 'rstp_status:rstp_root_id');
    const o2Root = await ovsGet('bridge', O2, 'rstp_status:rstp_root_id');
    const roles: Record<string, string> = {};
    for (const p of ['1s', '2s', '12', '21']) roles[p] = (await ovsGet('port', `${P}${p}`, 'rstp_status:rstp_port_role')).toLowerCase();
    const sRoot = s.designatedRoot.replace('.', '');
    const role = (n: string) => s.ports.find((p) => p.name === `${P}${n}`);
    if (sRoot !== o1Id.replace(/\./g, '') || o1Root !== o1Id || o2Root !== o1Id) return null;
    if (role('s1')?.role !== 'root' || role('s2')?.role !== 'alternate' || role('s2')?.state !== 'discarding') return null;
    return { s, o1Root, o2Root, roles };
  }

  it('agrees with OVS on the root (O1) and on the alternate port (softbr\'s towards O2)', async () => {
    const t = Date.now();
    const v = await until('agreement with OVS', 30_000, agreed);
    log(`agreed after ${((Date.now() - t) / 1000).toFixed(1)} s: root ${v.s.designatedRoot}; OVS roles ${JSON.stringify(v.roles)}`);
    expect(v.roles).toEqual({ '1s': 'designated', '2s': 'designated', '12': 'designated', '21': 'root' });
    for (const p of v.s.ports.filter((x) => x.name !== `${P}t0`)) expect(p.protocol, p.name).toBe('rstp');
    console.log(await d.ok('showstp', SBR));
    const ping = await lab.exec(h0, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', `${NET}.1`], { allowFail: true });
    expect(ping.code, ping.stdout).toBe(0);
  }, 60_000);

  it('cut softbr–O1: the alternate takes over in under 3 s of real time (ping outage measured)', async () => {
    const INTERVAL = 20;
    const ping = lab.spawn(h0, 'ping', ['-D', '-i', String(INTERVAL / 1000), '-W', '1', `${NET}.1`]);
    let out = '';
    ping.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    await sleep(1500);
    const before = pingGaps(out, INTERVAL);
    expect(before.replies).toBeGreaterThan(10);
    const t = Date.now();
    await sh('ip', ['link', 'set', `${P}s1`, 'down']);
    const s = await until('softbr root port moved to O2', 10_000, async () => {
      const v = await showstp(d, SBR);
      const p = v.ports.find((x) => x.name === `${P}s2`);
      return p?.role === 'root' && p.state === 'forwarding' ? v : null;
    });
    const stateMs = Date.now() - t;
    await sleep(3000);
    await lab.kill(ping, 'SIGINT');
    const g = pingGaps(out, INTERVAL);
    log(`cut S–O1: softbr's root port moved to O2 (seen by polling showstp) within ${stateMs} ms; longest ping gap ${g.longestGapMs} ms (${g.replies} replies of ${g.lastSeq})`);
    expect(s.designatedRoot.replace('.', '')).toBe((await ovsGet('bridge', O1, 'rstp_status:rstp_bridge_id')).replace(/\./g, ''));
    expect(g.longestGapMs).toBeLessThan(3000);
    expect(g.lastSeq - g.replies).toBeLessThan(3000 / INTERVAL);
    await sh('ip', ['link', 'set', `${P}s1`, 'up']);
    await until('the original tree back', 30_000, agreed);
  }, 60_000);
});

describe.skipIf(!root)('RSTP softbr with 802.1D kernel bridges: fallback, one blocked port', () => {
  const lab = new Lab('rk');
  const P = lab.prefix;
  const d = new SoftbrDaemon(P);
  const SBR = `${P}s`;
  const NET = '10.208.0';
  const MAC = { K1: `02:cf:${pidByte}:00:00:01`, K2: `02:cf:${pidByte}:00:00:02`, S: `02:cf:${pidByte}:00:00:03` };
  const k = { K1: { ns: '', br: `${P}b1` }, K2: { ns: '', br: `${P}b2` } };
  const hosts: { ns: string; ip: string }[] = [];

  beforeAll(async () => {
    for (const [name, kk] of [['k1', k.K1], ['k2', k.K2]] as const) {
      kk.ns = await lab.addNamespace(name);
      await lab.exec(kk.ns, 'ip', ['link', 'add', kk.br, 'address', name === 'k1' ? MAC.K1 : MAC.K2, 'type', 'bridge',
        'stp_state', '1', 'forward_delay', '200', 'hello_time', '100', 'max_age', '600']);
      await lab.exec(kk.ns, 'ip', ['link', 'set', kk.br, 'up']);
    }
    await d.start();
    await d.ok('addbr', SBR, '--no-local', '--mac', MAC.S);
    await d.ok('setfd', SBR, '2');
    await d.ok('sethello', SBR, '1');
    await d.ok('setmaxage', SBR, '6');
    await d.ok('stp', SBR, 'rstp');
    const enslave = async (kk: { ns: string; br: string }, dev: string) => {
      await lab.exec(kk.ns, 'ip', ['link', 'set', dev, 'master', kk.br]);
      await lab.exec(kk.ns, 'ip', ['link', 'set', dev, 'up']);
    };
    await lab.addVeth('s1', '1s', { nsB: k.K1.ns });
    await lab.addVeth('s2', '2s', { nsB: k.K2.ns });
    await lab.addVeth('12', '21', { nsA: k.K1.ns, nsB: k.K2.ns });
    await enslave(k.K1, `${P}1s`);
    await enslave(k.K1, `${P}12`);
    await enslave(k.K2, `${P}2s`);
    await enslave(k.K2, `${P}21`);
    for (const dev of [`${P}s1`, `${P}s2`]) {
      await sh('ip', ['link', 'set', dev, 'up']);
      await d.ok('addif', SBR, dev);
    }
    for (let i = 0; i < 3; i++) hosts.push({ ns: await lab.addNamespace(`h${i}`), ip: `${NET}.${10 + i}` });
    await d.ok('addif', SBR, `tap:${P}t0`);
    await lab.plug(`${P}t0`, hosts[0]!.ns, { rename: 'eth0', cidr: `${hosts[0]!.ip}/24` });
    for (const [i, kk] of [[1, k.K1], [2, k.K2]] as const) {
      await lab.addVeth(`${i}h`, `h${i}`, { nsA: kk.ns });
      await enslave(kk, `${P}${i}h`);
      await lab.plug(`${P}h${i}`, hosts[i]!.ns, { rename: 'eth0', cidr: `${hosts[i]!.ip}/24` });
    }
  }, 60_000);

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
    const left = await sh('ip', ['-o', 'link', 'show'], { allowFail: true });
    expect(left.stdout).not.toContain(P);
  });

  /** Kernel port states of the loop (BR_STATE_*: 3 forwarding, 4 blocking) and root ids. */
  async function kernelView(kk: { ns: string; br: string }): Promise<{ rootId: string; states: Record<string, number> }> {
    const b = `/sys/class/net/${kk.br}`;
    const r = await lab.exec(kk.ns, 'sh', ['-c', `cat ${b}/bridge/root_id; for p in ${b}/brif/*; do echo $(basename $p) $(cat $p/state); done`]);
    const [rootId, ...lines] = r.stdout.trim().split('\n');
    const states: Record<string, number> = {};
    for (const l of lines) { const [n, s] = l.split(' '); states[n!] = Number(s); }
    return { rootId: rootId!, states };
  }

  it('falls back to 802.1D on both loop ports; one root for all, exactly one blocked port in the loop', async () => {
    const t = Date.now();
    const v = await until('the loop settled', 30_000, async () => {
      const s = await showstp(d, SBR);
      const [k1, k2] = await Promise.all([kernelView(k.K1), kernelView(k.K2)]);
      const loop = [
        s.ports.find((p) => p.name === `${P}s1`)?.state, s.ports.find((p) => p.name === `${P}s2`)?.state,
        k1.states[`${P}1s`], k1.states[`${P}12`], k2.states[`${P}2s`], k2.states[`${P}21`],
      ];
      const blocked = loop.filter((x) => x === 'discarding' || x === 4).length;
      const settled = loop.every((x) => x === 'discarding' || x === 'forwarding' || x === 3 || x === 4);
      const sameRoot = s.designatedRoot === k1.rootId && k1.rootId === k2.rootId;
      // the kernel drops RST BPDUs; softbr's ports switch after the 3-s migration delay
      const fellBack = s.ports.filter((p) => p.name !== `${P}t0`).every((p) => p.protocol === 'stp');
      return settled && sameRoot && blocked === 1 && fellBack ? { s, k1, k2, loop } : null;
    });
    console.log(`[rstp-kernel] settled after ${((Date.now() - t) / 1000).toFixed(1)} s: root ${v.s.designatedRoot}, loop states ${JSON.stringify(v.loop)}`);
    expect(v.s.designatedRoot).toBe(`8000.${MAC.K1.replaceAll(':', '')}`);
    // both softbr loop ports heard config BPDUs and speak 802.1D; the blocked one is softbr's to K2
    const ports = Object.fromEntries(v.s.ports.map((p) => [p.name, p]));
    expect(ports[`${P}s1`]).toMatchObject({ protocol: 'stp', role: 'root', state: 'forwarding' });
    expect(ports[`${P}s2`]).toMatchObject({ protocol: 'stp', role: 'alternate', state: 'discarding' });
    console.log(await d.ok('showstp', SBR));
  }, 60_000);

  it('hosts ping across the loop', async () => {
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
      const r = await lab.exec(hosts[a]!.ns, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', hosts[b]!.ip], { allowFail: true });
      expect(r.code, `h${a} → h${b}: ${r.stdout}`).toBe(0);
    }
  }, 30_000);

  it('cut softbr–K1: softbr reaches the root through K2 (802.1D timing), still no second blocked port', async () => {
    const t = Date.now();
    await sh('ip', ['link', 'set', `${P}s1`, 'down']);
    const s = await until('softbr forwards towards K2', 30_000, async () => {
      const v = await showstp(d, SBR);
      const p = v.ports.find((x) => x.name === `${P}s2`);
      return p?.role === 'root' && p.state === 'forwarding' ? v : null;
    });
    console.log(`[rstp-kernel] cut S–K1: softbr's port to K2 root and forwarding after ${((Date.now() - t) / 1000).toFixed(1)} s (802.1D peer: forward delay 2 s × 2)`);
    expect(s.designatedRoot).toBe(`8000.${MAC.K1.replaceAll(':', '')}`);
    const k2 = await kernelView(k.K2);
    expect(Object.values(k2.states).filter((x) => x === 4)).toHaveLength(0);
    await sh('ip', ['link', 'set', `${P}s1`, 'up']);
  }, 60_000);
});
