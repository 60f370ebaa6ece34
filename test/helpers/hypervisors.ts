// Three "hypervisors" joined by a routed-looking underlay, for the VXLAN tests and the throughput
// script: namespaces hvA and hvB each run a softbr daemon with a bridge, a VXLAN port and two
// hosts on TAP ports; hvC is a kernel bridge with a kernel `vxlan` device and one host. The
// underlay is a kernel bridge (in its own namespace) joining one veth from each hypervisor,
// 10.200.0.0/24. Either with a flood list (head-end replication) or a multicast group.
import { rmSync } from 'node:fs';
import { Lab } from '../../src/lab/netns.js';
import { SoftbrDaemon } from './softbr.js';

export const UNDERLAY = '10.200.0';
export const OVERLAY = '10.0.42';
/** Where each softbr hypervisor serves /metrics, on its own loopback. */
export const METRICS_PORT = 9464;

type Hv = 'A' | 'B' | 'C' | 'D';
export interface Host { name: string; ns: string; dev: string; ip: string; hv: Hv }

export interface Hypervisors {
  lab: Lab;
  /** The underlay namespace and its bridge (tcpdump here sees every datagram). */
  u: string;
  ubr: string;
  hv: Record<Hv, string>;
  /** The underlay device in each hypervisor. */
  uplink: Record<Hv, string>;
  vtep: Record<Hv, string>;
  daemons: { A: SoftbrDaemon; B: SoftbrDaemon };
  /** The softbr bridge in hvA and hvB, and the kernel bridge in hvC. */
  br: string;
  hosts: Host[];
  vni: number;
  udpPort: number;
  group: string | undefined;
}

export interface HypervisorOptions {
  tag: string;
  mode: 'flood' | 'group';
  vni?: number;
  udpPort?: number;
  /** Hosts per softbr hypervisor (default 2). */
  hostsPerHv?: number;
  /** A second kernel hypervisor hvD with host d1, for a kernel-to-kernel reference next to softbr-to-softbr. */
  secondKernel?: boolean;
}

/** The names and addresses of the lab, nothing made yet (so that teardown knows the daemons whatever happens). */
export function planHypervisors(o: HypervisorOptions): Hypervisors {
  const lab = new Lab(o.tag);
  const vni = o.vni ?? 42;
  const P = lab.prefix;
  return {
    lab, u: '', ubr: 'ubr', hv: { A: '', B: '', C: '', D: '' }, uplink: { A: '', B: '', C: '', D: '' },
    vtep: { A: `${UNDERLAY}.1`, B: `${UNDERLAY}.2`, C: `${UNDERLAY}.3`, D: `${UNDERLAY}.4` },
    // made by buildHypervisors (a daemon makes its directory when constructed; a skipped suite builds nothing)
    daemons: undefined as unknown as Hypervisors['daemons'], br: `${P}br`, hosts: [], vni,
    udpPort: o.udpPort ?? 4789, group: o.mode === 'group' ? `239.1.1.${vni % 256}` : undefined,
  };
}

/** Builds the planned lab; on failure teardownHypervisors still removes everything. */
export async function buildHypervisors(h: Hypervisors, o: HypervisorOptions): Promise<void> {
  const { lab, ubr, br, vni, udpPort, group } = h;
  h.daemons = { A: new SoftbrDaemon(`${lab.prefix}A`), B: new SoftbrDaemon(`${lab.prefix}B`) };
  const u = await lab.addNamespace('u');
  h.u = u;
  await lab.ip('-n', u, 'link', 'add', ubr, 'type', 'bridge', 'mcast_snooping', '0');
  await lab.ip('-n', u, 'link', 'set', ubr, 'up');
  const kernels: Hv[] = o.secondKernel ? ['C', 'D'] : ['C'];
  const hvs: Hv[] = ['A', 'B', ...kernels];
  for (const x of hvs) {
    const ns = await lab.addNamespace(`hv${x}`);
    h.hv[x] = ns;
    const v = await lab.addVeth(`u${x}`, `v${x}`, { nsA: u, nsB: ns, up: true });
    await lab.ip('-n', u, 'link', 'set', v.a, 'master', ubr);
    await lab.addrUp(ns, v.b, `${h.vtep[x]}/24`);
    h.uplink[x] = v.b;
  }
  const others = (x: string): string[] => hvs.filter((y) => y !== x).map((y) => h.vtep[y]);
  let n = 1;
  for (const x of ['A', 'B'] as const) {
    const d = h.daemons[x];
    // metrics on the hypervisor's own loopback (a namespace of ours: nobody else can reach it)
    await d.start({ wrap: ['ip', 'netns', 'exec', h.hv[x]], args: ['--metrics', `127.0.0.1:${METRICS_PORT}`] });
    await d.ok('addbr', br, '--no-local');
    const spec = o.mode === 'group'
      ? `vxlan:vx0=${vni}@${h.vtep[x]}:${udpPort},group=${group}%${h.uplink[x]}`
      : `vxlan:vx0=${vni}@${h.vtep[x]}:${udpPort},remote=${others(x).join('+')}`;
    await d.ok('addif', br, spec);
    for (let k = 1; k <= (o.hostsPerHv ?? 2); k++) {
      const name = `${x.toLowerCase()}${k}`;
      const ns = await lab.addNamespace(name);
      const tap = lab.name(`t${name}`);
      await d.ok('addif', br, `tap:${tap}`);
      // softbr holds the TAP's fd: the device can live in the host's namespace
      await lab.exec(h.hv[x], 'ip', ['link', 'set', tap, 'netns', ns]);
      const ip = `${OVERLAY}.${n++}`;
      await lab.addrUp(ns, tap, `${ip}/24`);
      h.hosts.push({ name, ns, dev: tap, ip, hv: x });
    }
  }
  for (const x of kernels) {
    const c = h.hv[x];
    const kbr = 'kbr';
    await lab.ip('-n', c, 'link', 'add', kbr, 'type', 'bridge');
    const dev = o.mode === 'group' ? ['group', group!, 'dev', h.uplink[x]] : [];
    await lab.ip('-n', c, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', String(vni), 'local', h.vtep[x], 'dstport', String(udpPort), ...dev);
    await lab.ip('-n', c, 'link', 'set', 'vx0', 'master', kbr);
    await lab.ip('-n', c, 'link', 'set', 'vx0', 'up');
    await lab.ip('-n', c, 'link', 'set', kbr, 'up');
    if (o.mode === 'flood') {
      for (const r of others(x)) await lab.exec(c, 'bridge', ['fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', r]);
    }
    const name = `${x.toLowerCase()}1`;
    const ns = await lab.addNamespace(name);
    const v = await lab.addVeth(`${name}b`, `${name}h`, { nsA: c, nsB: ns, up: true });
    await lab.ip('-n', c, 'link', 'set', v.a, 'master', kbr);
    // the inner MTU: the underlay's 1500 less VXLAN's 50, as the kernel gives vx0
    await lab.ip('-n', ns, 'link', 'set', v.b, 'mtu', '1450');
    const ip = `${OVERLAY}.${n++}`;
    await lab.addrUp(ns, v.b, `${ip}/24`);
    h.hosts.push({ name, ns, dev: v.b, ip, hv: x });
  }
  // softbr's hosts get the inner MTU too (their TAPs default to 1500)
  for (const host of h.hosts) if (host.hv === 'A' || host.hv === 'B') await lab.ip('-n', host.ns, 'link', 'set', host.dev, 'mtu', '1450');
}

/** Stops the daemons by PID and removes every namespace and link; returns the daemons' exit codes. */
export async function teardownHypervisors(h: Hypervisors): Promise<(number | null)[]> {
  const codes: (number | null)[] = [];
  for (const d of h.daemons === undefined ? [] : [h.daemons.A, h.daemons.B]) {
    codes.push(await d.stop());
    // stop() removes the daemon's directory only if it ran (a skipped or filtered-out run made one too)
    rmSync(d.dir, { recursive: true, force: true });
  }
  await h.lab.cleanup();
  return codes;
}
