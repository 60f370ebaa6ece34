// The two hosts of a benchmark: namespaces h1 and h2 named by the run's prefix, each with one NIC
// (eth0, a TAP or veth end handed over by the switch under test) at a fixed MAC and address, so
// the generator's frame config stays valid from round to round.
import { Lab } from '../lab/netns.js';

/** `lab` runs commands inside the host's namespace (and tracks them for cleanup). */
export interface Host { lab: Lab; ns: string; dev: 'eth0'; mac: string; ip: string }

export const HOST_MACS = ['02:5b:00:00:00:01', '02:5b:00:00:00:02'] as const;
export const HOST_IPS = ['10.209.0.1', '10.209.0.2'] as const;
const PREFIX_LEN = 24;

export type HostPair = [Host, Host];

/** Creates h1 and h2 and plugs the given root-namespace links into them as eth0. */
export async function makeHosts(lab: Lab, links: readonly [string, string]): Promise<HostPair> {
  const hosts: Host[] = [];
  for (let i = 0; i < 2; i++) {
    const ns = await lab.addNamespace(`h${i + 1}`);
    await lab.plug(links[i]!, ns, { rename: 'eth0', mac: HOST_MACS[i], cidr: `${HOST_IPS[i]}/${PREFIX_LEN}` });
    hosts.push({ lab, ns, dev: 'eth0', mac: HOST_MACS[i]!, ip: HOST_IPS[i]! });
  }
  return hosts as HostPair;
}

export interface LinkCounters { rxPackets: number; rxDropped: number; txPackets: number; txDropped: number }

const COUNTERS = ['rx_packets', 'rx_dropped', 'tx_packets', 'tx_dropped'] as const;

/** The host's eth0 statistics, read inside its namespace in one command. */
export async function readCounters(h: Host): Promise<LinkCounters> {
  const r = await h.lab.exec(h.ns, 'cat', COUNTERS.map((c) => `/sys/class/net/${h.dev}/statistics/${c}`));
  const [rxPackets = 0, rxDropped = 0, txPackets = 0, txDropped = 0] = r.stdout.trim().split('\n').map(Number);
  return { rxPackets, rxDropped, txPackets, txDropped };
}

/** A few pings both ways: ARP is resolved and the switch has learned both MACs before measuring. */
export async function warmUp(hosts: HostPair): Promise<void> {
  const [a, b] = hosts;
  const r = await a.lab.exec(a.ns, 'ping', ['-c', '5', '-i', '0.05', '-W', '2', b.ip], { allowFail: true });
  if (!/ [1-5] received/.test(r.stdout)) throw new Error(`h1 cannot reach h2 through the switch: ${r.stdout.trim().split('\n').pop() ?? r.stderr}`);
  await b.lab.exec(b.ns, 'ping', ['-c', '2', '-i', '0.05', '-W', '2', a.ip], { allowFail: true });
}
