// VXLAN across three "hypervisors" (test/helpers/hypervisors.ts): softbr VTEPs in hvA and hvB,
// a kernel bridge with a kernel vxlan device in hvC, one broadcast domain over a veth underlay.
// Checked with a flood list (head-end replication) and with a multicast group: every host pings
// every other; tcpdump on the underlay counts the copies of one ARP request (one per remote VTEP,
// or one to the group) and of its reply (one, to the asking VTEP only); softbr's showmacs and
// fdb show list the remote MACs behind their VTEPs, and the kernel's `bridge fdb show dev vx0`
// lists softbr's hosts behind softbr's VTEP addresses.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { isRoot } from '../../src/is-root.js';
import { hasCommand } from '../../src/lab/host.js';
import { buildHypervisors, planHypervisors, teardownHypervisors, METRICS_PORT, type Host, type Hypervisors } from '../helpers/hypervisors.js';

const missing = !isRoot() ? 'not root' : ['tcpdump', 'bridge'].find((c) => !hasCommand(c)) ?? '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pingOk(h: Hypervisors, from: Host, to: Host): Promise<void> {
  const r = await h.lab.exec(from.ns, 'ping', ['-c', '1', '-W', '3', to.ip], { allowFail: true });
  expect(r.code, `${from.name} → ${to.name}: ${r.stdout}${r.stderr}`).toBe(0);
}

/** Starts tcpdump on the underlay bridge; stop() ends it by PID and returns what it printed (one line per datagram). */
async function underlayCapture(h: Hypervisors): Promise<{ stop: () => Promise<string[]> }> {
  // -e: link-level headers, outer and inner; -l: line-buffered
  const p: ChildProcess = h.lab.spawn(h.u, 'tcpdump', ['-i', h.ubr, '-nn', '-l', '-e', `udp port ${h.udpPort}`]);
  let out = '';
  let err = '';
  p.stdout!.on('data', (d) => { out += d; });
  p.stderr!.on('data', (d) => { err += d; });
  const end = Date.now() + 5000;
  while (!err.includes('listening on')) {
    if (Date.now() > end) throw new Error(`tcpdump did not start: ${err}`);
    await sleep(50);
  }
  return {
    stop: async () => {
      await sleep(300);
      await h.lab.kill(p, 'SIGINT');
      // tcpdump prints the outer and the inner frame on two lines: a record starts with a timestamp
      const lines = out.split('\n');
      const records: string[] = [];
      for (const l of lines) {
        if (/^\d\d:\d\d:\d\d\.\d{6} /.test(l)) records.push(l);
        else if (records.length > 0) records[records.length - 1] += ' ' + l.trim();
      }
      return records.filter((r) => r.includes('VXLAN'));
    },
  };
}

/** Outer source and destination addresses of a tcpdump record of a VXLAN datagram. */
function outer(rec: string): { src: string; dst: string } {
  const m = / (\d+\.\d+\.\d+\.\d+)\.\d+ > (\d+\.\d+\.\d+\.\d+)\.\d+: VXLAN/.exec(rec);
  if (!m) throw new Error(`not a VXLAN record: ${rec}`);
  return { src: m[1]!, dst: m[2]! };
}

for (const mode of ['flood', 'group'] as const) {
  const tag = mode === 'flood' ? 'x' : 'xm';
  describe.skipIf(missing !== '')(`VXLAN: two softbr VTEPs and a kernel VTEP, ${mode === 'flood' ? 'flood list' : 'multicast group'}${missing ? ` — skipped: ${missing}` : ''}`, () => {
    const h = planHypervisors({ tag, mode, vni: mode === 'flood' ? 42 : 43 });
    const host = (n: string): Host => h.hosts.find((x) => x.name === n)!;

    beforeAll(async () => {
      await buildHypervisors(h, { tag, mode, vni: h.vni });
    }, 90_000);

    afterAll(async () => {
      const codes = await teardownHypervisors(h);
      expect(codes).toEqual([0, 0]);
      expect(await h.lab.leftovers()).toEqual({ namespaces: [], links: [] });
    });

    it('an ARP request is replicated to each remote VTEP (or sent once to the group) and its reply is unicast to the asking VTEP', async () => {
      const a1 = host('a1');
      const b1 = host('b1');
      const cap = await underlayCapture(h);
      await pingOk(h, a1, b1);
      const recs = await cap.stop();
      const req = recs.filter((r) => r.includes(`Request who-has ${b1.ip} tell ${a1.ip}`));
      const rep = recs.filter((r) => r.includes(`Reply ${b1.ip} is-at`));
      const reqTo = req.map((r) => outer(r)).filter((o) => o.src === h.vtep.A).map((o) => o.dst).sort();
      expect(reqTo, recs.join('\n')).toEqual(mode === 'flood' ? [h.vtep.B, h.vtep.C] : [h.group]);
      expect(rep.map((r) => outer(r)), recs.join('\n')).toEqual([{ src: h.vtep.B, dst: h.vtep.A }]);
      // and the ping itself went unicast both ways
      const icmp = recs.filter((r) => r.includes('ICMP echo')).map((r) => outer(r));
      expect(icmp).toEqual([{ src: h.vtep.A, dst: h.vtep.B }, { src: h.vtep.B, dst: h.vtep.A }]);
    });

    it('all five hosts ping each other', async () => {
      for (const from of h.hosts) {
        for (const to of h.hosts) if (from !== to) await pingOk(h, from, to);
      }
    }, 120_000);

    it('softbr lists the remote MACs behind their VTEPs, and the kernel lists softbr\'s hosts behind softbr\'s VTEPs', async () => {
      const A = h.daemons.A;
      const mac = async (x: Host) => (await h.lab.macOf(x.ns, x.dev));
      const [b1, b2, c1, a1, a2] = await Promise.all(['b1', 'b2', 'c1', 'a1', 'a2'].map((n) => mac(host(n))));
      // brctl showmacs: the remote hosts on port 1 (vx0)
      const macs = await A.ok('showmacs', h.br);
      for (const m of [b1, b2, c1]) expect(macs).toMatch(new RegExp(`^\\s+1\\t${m}\\tno\\t`, 'm'));
      const fdb = await A.ok('fdb', 'show');
      for (const m of [b1, b2]) {
        expect(fdb).toContain(`${m} dev vx0 master ${h.br} \n`);
        expect(fdb).toContain(`${m} dev vx0 dst ${h.vtep.B} self \n`);
      }
      expect(fdb).toContain(`${c1} dev vx0 dst ${h.vtep.C} self \n`);
      if (mode === 'flood') {
        expect(fdb).toContain(`00:00:00:00:00:00 dev vx0 dst ${h.vtep.B} self permanent\n`);
        expect(fdb).toContain(`00:00:00:00:00:00 dev vx0 dst ${h.vtep.C} self permanent\n`);
      } else {
        expect(fdb).toContain(`00:00:00:00:00:00 dev vx0 dst ${h.group} via ${h.uplink.A} self permanent\n`);
      }
      const kernel = (await h.lab.exec(h.hv.C, 'bridge', ['fdb', 'show', 'dev', 'vx0'])).stdout;
      for (const m of [a1, a2]) expect(kernel).toContain(`${m} dst ${h.vtep.A} self \n`);
      for (const m of [b1, b2]) expect(kernel).toContain(`${m} dst ${h.vtep.B} self \n`);
      // JSON, as bridge -j fdb show
      const j = JSON.parse(await A.ok('fdb', 'show', '-j')) as { mac: string; dst?: string; flags: string[] }[];
      expect(j).toContainEqual(expect.objectContaining({ mac: c1, dst: h.vtep.C, flags: ['self'] }));
    });

    it('trace names the VTEP a frame would go to and why; metrics count frames per remote VTEP', async () => {
      const A = h.daemons.A;
      const [a1, b1] = await Promise.all(['a1', 'b1'].map((n) => h.lab.macOf(host(n).ns, host(n).dev)));
      const known = await A.ok('trace', h.br, '--in', host('a1').dev, '--src', a1!, '--dst', b1!);
      expect(known).toContain(`verdict: forward → vx0`);
      expect(known).toContain(`  vx0 → VTEP ${h.vtep.B}: ${b1} learned behind this VTEP`);
      const bcast = await A.ok('trace', h.br, '--in', host('a1').dev, '--src', a1!, '--dst', 'ff:ff:ff:ff:ff:ff');
      expect(bcast).toContain(mode === 'flood'
        ? `  vx0 → VTEP ${h.vtep.B}, ${h.vtep.C}: not known here: head-end replication to the flood list`
        : `  vx0 → VTEP ${h.group}: not known here: to group ${h.group}`);
      const r = await h.lab.exec(h.hv.A, process.execPath, ['-e', `fetch('http://127.0.0.1:${METRICS_PORT}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`]);
      const metric = (name: string, remote: string): number => {
        const m = new RegExp(`^${name}\\{bridge="${h.br}",port="vx0",remote="${remote.replace(/\./g, '\\.')}"\\} (\\d+)$`, 'm').exec(r.stdout);
        return m ? Number(m[1]) : -1;
      };
      // the pings of the tests before: frames both ways with each remote VTEP
      for (const v of [h.vtep.B, h.vtep.C]) {
        expect(metric('softbr_vxlan_remote_rx_frames_total', v), r.stdout).toBeGreaterThan(0);
        expect(metric('softbr_vxlan_remote_tx_frames_total', v)).toBeGreaterThan(0);
        expect(metric('softbr_vxlan_remote_tx_bytes_total', v)).toBeGreaterThan(metric('softbr_vxlan_remote_tx_frames_total', v) * 41);
      }
      expect(r.stdout).toMatch(new RegExp(`^softbr_port_drops_total\\{bridge="${h.br}",port="vx0",reason="too_big"\\} 0$`, 'm'));
    });

    if (mode === 'flood') {
      it('fdb add/append/del program the tunnel table as iproute2 does a vxlan device, and bad input changes nothing', async () => {
        const A = h.daemons.A;
        await A.ok('fdb', 'add', '52:54:00:12:34:56', 'dev', 'vx0', 'dst', '10.200.0.9');
        await A.ok('fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.200.0.8');
        let fdb = await A.ok('fdb', 'show');
        expect(fdb).toContain('52:54:00:12:34:56 dev vx0 dst 10.200.0.9 self permanent\n');
        expect(fdb).toContain('00:00:00:00:00:00 dev vx0 dst 10.200.0.8 self permanent\n');
        // a broadcast from a1 now goes to three VTEPs: the capture counts them (10.200.0.8 is no
        // host: a neighbour entry lets the datagram onto the underlay, where nothing takes it)
        await h.lab.exec(h.hv.A, 'ip', ['neigh', 'replace', '10.200.0.8', 'lladdr', '02:00:00:00:00:08', 'dev', h.uplink.A]);
        const cap = await underlayCapture(h);
        await h.lab.exec(host('a1').ns, 'ping', ['-c', '1', '-W', '1', '-b', '10.0.42.255'], { allowFail: true });
        const recs = await cap.stop();
        const to = recs.filter((r) => r.includes('ICMP echo request')).map((r) => outer(r).dst).sort();
        expect(to).toEqual([h.vtep.B, h.vtep.C, '10.200.0.8']);
        await A.ok('fdb', 'del', '52:54:00:12:34:56', 'dev', 'vx0', 'self');
        await A.ok('fdb', 'del', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.200.0.8');
        fdb = await A.ok('fdb', 'show');
        expect(fdb).not.toContain('10.200.0.9');
        expect(fdb).not.toContain('10.200.0.8');
        const before = fdb;
        const bad = [
          [['fdb', 'add', '52:54:00:12:34:56', 'dev', 'vx0', 'dst', '10.200.0'], /invalid dst '10\.200\.0': expected an IPv4 address/],
          [['fdb', 'append', '52:54:00:12:34:56', 'dev', 'vx0', 'dst', '10.200.0.7'], /appends only to the flood list/],
          [['fdb', 'add', '52:54:00:12:34:56', 'dev', `t${'a1'}`, 'dst', '10.200.0.7'], /not a port of any softbr bridge/],
          [['fdb', 'add', '52:54:00:12:34:56', 'dev', host('a1').dev, 'dst', '10.200.0.7'], /dst is for VXLAN ports; .* is a tap port/],
          [['fdb', 'del', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.200.0.7'], /no entry for 00:00:00:00:00:00 dst 10\.200\.0\.7 on vx0/],
          [['addif', h.br, 'vxlan:vy=42@10.200.0.1,remote=10.200.0.2'], /VNI 42 on 10\.200\.0\.1:4789 is already port vx0/],
          [['addif', h.br, 'vxlan:vy=16777216@10.200.0.1'], /VNI 16777216 is not from 0 to 16777215/],
          [['addif', h.br, 'vxlan:vy=7@10.200.0.1,mtu=1480'], /mtu 1480 does not fit: .* carries 1500 bytes and VXLAN takes 50, so at most mtu=1450/],
          [['addif', h.br, 'vxlan:vy=7@10.9.9.9'], /no interface here has that address|no interface here has address 10\.9\.9\.9/],
        ] as const;
        for (const [args, re] of bad) {
          const r = await A.cli(...args);
          expect(r.code, args.join(' ')).toBe(2);
          expect(r.stderr).toMatch(re);
        }
        expect(await A.ok('fdb', 'show')).toBe(before);
      });
    }
  });
}
