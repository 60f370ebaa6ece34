// Turns a port spec (`tap:NAME` or an existing netdev NAME) into an open driver, with errors a
// user can act on (no such device, busy, not root).
import { existsSync } from 'node:fs';
import type { PortIO } from '../bridge/port-io.js';
import { TapPort, PacketPort } from '../ports/index.js';
import { UserError } from './protocol.js';

export interface PortSpec {
  kind: 'tap' | 'dev';
  name: string;
  /** MAC to give a TAP softbr opens (the host port carries the bridge MAC). */
  mac?: number;
  /** The host port: a TAP softbr creates for the bridge itself. */
  created?: boolean;
}

function explain(e: unknown, what: string): UserError {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  const hint = code === 'EPERM' || code === 'EACCES' ? ' (needs root)'
    : code === 'EBUSY' ? ' (another process holds it)'
    : code === 'ENODEV' || code === 'ENXIO' ? ' (no such device)' : '';
  return new UserError(`cannot open ${what}: ${err.message}${hint}`);
}

export async function openPort(spec: PortSpec, log: (m: string) => void): Promise<PortIO> {
  if (spec.kind === 'tap') {
    try {
      return TapPort.open({ name: spec.name, mac: spec.mac, up: true });
    } catch (e) {
      throw explain(e, `TAP ${spec.name}`);
    }
  }
  if (!existsSync(`/sys/class/net/${spec.name}`)) {
    throw new UserError(`device ${spec.name} does not exist (use tap:${spec.name} to create a TAP)`);
  }
  // an idle persistent TAP (ip tuntap add) is attached through its fd; one already held by
  // QEMU/libvirt (vnet0) answers EBUSY and is attached with a packet socket instead
  if (existsSync(`/sys/class/net/${spec.name}/tun_flags`)) {
    try {
      const t = TapPort.open({ name: spec.name, up: true });
      log(`attached to persistent TAP ${spec.name}`);
      return t;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw explain(e, `TAP ${spec.name}`);
    }
  }
  try {
    const p = PacketPort.open({ name: spec.name });
    if (p.offloadChanges.length > 0) {
      log(`${spec.name}: turned off ${p.offloadChanges.map((c) => c.feature).join(', ')} so frames stay within the MTU (restored on detach)`);
    }
    return p;
  } catch (e) {
    throw explain(e, `device ${spec.name}`);
  }
}
