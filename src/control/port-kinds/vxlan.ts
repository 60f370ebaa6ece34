// Port kind `vxlan:`: one VNI of a VXLAN tunnel endpoint (RFC 7348) on a local address, with a
// flood list of remote VTEPs (head-end replication) or a multicast group; the driver is
// src/ports/vxlan.ts. Interoperates with the kernel's `ip link add … type vxlan` and Open vSwitch.
import { isIPv4 } from 'node:net';
import { badPort, definePortKind, type PortSpecBase } from './registry.js';
import { hostPort, interfaceName, splitName, takeMtu, MTU_MAX_DEVICE } from './spec-parts.js';
import { explainOpenError } from './open-errors.js';
import { UserError } from '../protocol.js';
// pure modules, no driver: the CLI parses specs with them
import { VNI_MAX, VXLAN_PORT } from '../../ports/vxlan-header.js';
import { ipv4ToNumber, isMulticastIpv4 } from '../../ports/ipv4.js';

export interface VxlanSpec extends PortSpecBase {
  kind: 'vxlan';
  vni: number;
  local: string;
  udpPort: number;
  /** The flood list (head-end replication). */
  remotes: string[];
  /** Multicast group mode: the group and the device it is joined on. */
  group?: string;
  groupDev?: string;
}

function ipv4(spec: string, s: string, what: string): string {
  if (!isIPv4(s)) throw badPort(spec, `${what} '${s}' is not an IPv4 address`);
  return s;
}

function isMulticast(ip: string): boolean {
  return isMulticastIpv4(ipv4ToNumber(ip));
}

export const vxlanKind = definePortKind<VxlanSpec>({
  kind: 'vxlan',
  word: 'vxlan',
  forms: [
    { syntax: 'vxlan:[NAME=]VNI@LOCAL_IP[:PORT][,OPTION...]', help: 'VXLAN VNI from LOCAL_IP (UDP 4789); options remote=IP[+IP...] (flood list), group=GROUP%DEV, mtu=N; named NAME or vxVNI' },
  ],
  readme: [
    '`vxlan:[NAME=]VNI@LOCAL_IP[:PORT][,remote=IP[+IP...]][,group=GROUP%DEV][,mtu=N]` is a VXLAN\n'
      + '  tunnel endpoint (RFC 7348) for VNI (0 to 16777215) on the local address LOCAL_IP, UDP PORT\n'
      + '  (default 4789), as `ip link add vx0 type vxlan id VNI local LOCAL_IP dstport 4789` is. Broadcast,\n'
      + '  multicast and unknown unicast go to every `remote=` VTEP (head-end replication, the kernel\'s\n'
      + '  `bridge fdb append 00:00:00:00:00:00 dev vx0 dst IP`) or to the multicast `group=` joined on\n'
      + '  device DEV; inner MACs are learned behind the VTEP they came from and known unicast goes to\n'
      + '  that VTEP only (`fdb show` lists them as `… dev vx0 dst IP self`). Many VNIs share one socket\n'
      + '  per local address and port. The inner MTU defaults to the underlay device\'s less 50 bytes.',
  ],
  parse(body, spec) {
    const { rest: r1, mtu } = takeMtu(spec, body, MTU_MAX_DEVICE);
    // the options hold '=' too: a NAME= comes before the VNI's '@'
    const eq = r1.indexOf('=');
    const at = r1.indexOf('@');
    const { name, rest } = eq >= 0 && (at < 0 || eq < at) ? splitName(spec, r1, 'vxlan') : { name: undefined, rest: r1 };
    const [head, ...opts] = rest.split(',');
    const m = /^(\d{1,8})@(.+)$/.exec(head ?? '');
    if (!m) throw badPort(spec, 'expected vxlan:[NAME=]VNI@LOCAL_IP[:PORT][,remote=IP[+IP...]][,group=GROUP%DEV], e.g. vxlan:vx0=42@10.200.0.1,remote=10.200.0.2');
    const vni = Number(m[1]);
    if (vni > VNI_MAX) throw badPort(spec, `VNI ${m[1]} is not from 0 to ${VNI_MAX} (24 bits)`);
    const addr = m[2]!.includes(':') ? hostPort(spec, m[2]!, 'local') : { host: ipv4(spec, m[2]!, 'local address'), port: VXLAN_PORT };
    const out: VxlanSpec = { kind: 'vxlan', name: name ?? `vx${vni}`, vni, local: addr.host, udpPort: addr.port, remotes: [] };
    if (isMulticast(out.local)) throw badPort(spec, `local address ${out.local} is a multicast address; give this host's own address`);
    for (const o of opts) {
      const eq = o.indexOf('=');
      const key = eq < 0 ? o : o.slice(0, eq);
      const v = eq < 0 ? '' : o.slice(eq + 1);
      if (key === 'remote') {
        for (const ip of v.split('+')) {
          ipv4(spec, ip, 'remote');
          if (isMulticast(ip)) throw badPort(spec, `remote ${ip} is a multicast address: use group=${ip}%DEV`);
          if (ip === out.local) throw badPort(spec, `remote ${ip} is the local address`);
          if (!out.remotes.includes(ip)) out.remotes.push(ip);
        }
      } else if (key === 'group') {
        const pct = v.indexOf('%');
        if (pct < 0) throw badPort(spec, `group '${v}' needs the device it is joined on: group=GROUP%DEV (group=239.1.1.1%eth0)`);
        const g = ipv4(spec, v.slice(0, pct), 'group');
        if (!isMulticast(g)) throw badPort(spec, `group ${g} is not a multicast address (224.0.0.0 to 239.255.255.255)`);
        out.group = g;
        out.groupDev = interfaceName(spec, v.slice(pct + 1));
      } else {
        throw badPort(spec, `unknown option '${o}': expected remote=IP[+IP...], group=GROUP%DEV or mtu=N`);
      }
    }
    if (mtu !== undefined) out.mtu = mtu;
    return out;
  },
  async open(spec, log) {
    // drivers are imported on open, so that the CLI, which parses specs, loads none of them
    const { VxlanPort } = await import('../../ports/vxlan.js');
    try {
      const p = new VxlanPort({
        name: spec.name, vni: spec.vni, local: spec.local, port: spec.udpPort, remotes: spec.remotes,
        group: spec.group, groupDev: spec.groupDev, mtu: spec.mtu, mac: spec.mac, log,
      });
      const to = spec.group !== undefined ? `group ${spec.group} on ${spec.groupDev}` : spec.remotes.length > 0 ? `remotes ${spec.remotes.join(', ')}` : 'no remotes yet (fdb append)';
      log(`${spec.name}: VXLAN VNI ${spec.vni} on ${spec.local}:${spec.udpPort}, ${to}, mtu ${p.mtu}`);
      return p;
    } catch (e) {
      if (e instanceof RangeError) throw new UserError(`cannot open VXLAN port ${spec.name}: ${e.message}`);
      throw explainOpenError(e, `VXLAN socket ${spec.local}:${spec.udpPort}`);
    }
  },
});
