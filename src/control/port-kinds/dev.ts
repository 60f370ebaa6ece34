// Port kind NAME (no word): an existing netdev (veth end, vnet0, eth0) through an AF_PACKET socket,
// or an idle persistent TAP through its fd. Devices the kernel would not enslave are refused
// for the kernel's reasons.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import type { PortIO } from '../../bridge/port-io.js';
import { UserError } from '../protocol.js';
import { definePortKind, type PortSpecBase } from './registry.js';
import { interfaceName } from './spec-parts.js';
import { explainOpenError } from './open-errors.js';

export interface DevSpec extends PortSpecBase {
  kind: 'dev';
}

export const devKind = definePortKind<DevSpec>({
  kind: 'dev',
  forms: [{ syntax: 'NAME', spoken: 'an interface name', help: 'attach an existing netdev (veth end, vnet0, eth0) through AF_PACKET' }],
  readme: [
    '`NAME` attaches an existing netdev with an AF_PACKET socket (promiscuous, batched\n'
      + '  `recvmmsg`/`sendmmsg`). GRO and LRO are turned off on attach (and restored on detach) so\n'
      + '  frames stay within the MTU. Super-frames from a peer\'s TSO (a veth peer, a VM) cross the\n'
      + '  bridge whole, with their virtio-net header, to ports that take them (TAPs, other netdevs) and\n'
      + '  are segmented in the addon for the others; partial checksums are completed.',
    'A QEMU/libvirt TAP (`vnet0`, or `-netdev tap,ifname=…`) is attached by name: QEMU holds its\n'
      + '  fd, so softbr reads it with an AF_PACKET socket. An idle persistent TAP (`ip tuntap add`) is\n'
      + '  attached through its own fd. A port attached by name outlives its device: when the device is\n'
      + '  deleted (QEMU exits) the port stays, down, and when a device of that name appears again (the\n'
      + '  next QEMU) it is attached again by itself (rtnetlink link events).',
  ],
  parse: (body, spec) => ({ kind: 'dev', name: interfaceName(spec, body) }),
  async open(spec, log) {
    const first = await openDevice(spec, log);
    // a port known by name outlives its device: it comes back when a device of that name does
    const { ReattachPort } = await import('../../ports/reattach.js');
    return new ReattachPort(first, () => openDevice(spec, log), log);
  },
});

async function openDevice(spec: DevSpec, log: (m: string) => void): Promise<PortIO> {
  if (!existsSync(`/sys/class/net/${spec.name}`)) {
    throw new UserError(`device ${spec.name} does not exist (use tap:${spec.name} to create a TAP)`);
  }
  refuseUnbridgeable(spec.name);
  // drivers are imported on open, so that the CLI, which parses specs, loads none of them
  const { TapPort } = await import('../../ports/tap.js');
  const { PacketPort } = await import('../../ports/packet.js');
  // an idle persistent TAP (ip tuntap add) is attached through its fd; one already held by
  // QEMU/libvirt (vnet0) answers EBUSY and is attached with a packet socket instead
  if (existsSync(`/sys/class/net/${spec.name}/tun_flags`)) {
    try {
      const t = TapPort.open({ name: spec.name, up: true });
      log(`attached to persistent TAP ${spec.name}`);
      return t;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw explainOpenError(e, `TAP ${spec.name}`);
    }
  }
  try {
    const p = PacketPort.open({ name: spec.name });
    if (p.offloadChanges.length > 0) {
      log(`${spec.name}: turned off ${p.offloadChanges.map((c) => c.feature).join(', ')} so frames stay within the MTU (restored on detach)`);
    }
    return p;
  } catch (e) {
    throw explainOpenError(e, `device ${spec.name}`);
  }
}

/** The devices the kernel refuses to enslave, refused for the same reasons (and with its words). */
function refuseUnbridgeable(name: string): void {
  const sys = `/sys/class/net/${name}`;
  const read = (f: string) => { try { return readFileSync(`${sys}/${f}`, 'utf8').trim(); } catch { return ''; } };
  if (read('type') === '772') throw new UserError(`can't add ${name} to a bridge: it is a loopback device`);
  if (read('type') !== '1') throw new UserError(`can't add ${name} to a bridge: it is not an Ethernet device (link type ${read('type') || 'unknown'})`);
  if (existsSync(`${sys}/bridge`)) throw new UserError(`can't add ${name}: it is a kernel bridge (add its ports instead, or connect the two with a veth)`);
  if (existsSync(`${sys}/master`)) {
    let master = '';
    try { master = basename(realpathSync(`${sys}/master`)); } catch { /* raced away */ }
    throw new UserError(`device ${name} is already a member of ${master ? `bridge ${master}` : 'another device'}; can't add it to a softbr bridge`);
  }
}
