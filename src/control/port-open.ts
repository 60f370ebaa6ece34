// Turns a port spec (`tap:NAME`, an existing netdev NAME, or a socket for a QEMU guest:
// `stream:…`, `dgram:…`, see args.ts portSpec) into an open driver, with errors a user can act on
// (no such device, busy, not root, address in use).
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import type { PortIO } from '../bridge/port-io.js';
import { TapPort, PacketPort, StreamPort, DgramPort } from '../ports/index.js';
import { UserError } from './protocol.js';
import type { PortSpecArgs } from './args.js';

/** What portSpec() parsed, plus what the daemon adds for ports it makes itself. */
export interface PortSpec extends PortSpecArgs {
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
    : code === 'ENODEV' || code === 'ENXIO' ? ' (no such device)'
    : code === 'EADDRINUSE' ? ' (address in use)'
    : code === 'EADDRNOTAVAIL' ? ' (no interface here has that address)' : '';
  return new UserError(`cannot open ${what}: ${err.message}${hint}`);
}

export async function openPort(spec: PortSpec, log: (m: string) => void): Promise<PortIO> {
  if (spec.kind === 'stream') {
    if (spec.path === undefined && spec.port === undefined) throw new UserError(`stream port ${spec.name}: no socket path or TCP port given`);
    const where = spec.path ?? `tcp ${spec.host ?? '127.0.0.1'}:${spec.port}`;
    try {
      const p = await StreamPort.open({ name: spec.name, path: spec.path, host: spec.host, port: spec.port, mac: spec.mac, log });
      log(`${spec.name}: waiting for a QEMU guest on ${p.address}`);
      return p;
    } catch (e) {
      throw explain(e, `stream socket ${where}`);
    }
  }
  if (spec.kind === 'dgram') {
    if (spec.port === undefined || spec.remotePort === undefined) throw new UserError(`dgram port ${spec.name}: local and remote UDP ports are needed`);
    try {
      const p = await DgramPort.open({
        name: spec.name, localHost: spec.host, localPort: spec.port, remoteHost: spec.remoteHost, remotePort: spec.remotePort, mac: spec.mac, log,
      });
      log(`${spec.name}: UDP ${p.address}`);
      return p;
    } catch (e) {
      throw explain(e, `UDP socket ${spec.host ?? '127.0.0.1'}:${spec.port}`);
    }
  }
  if (spec.kind === 'tap') {
    const sys = `/sys/class/net/${spec.name}`;
    if (existsSync(sys) && !existsSync(`${sys}/tun_flags`)) {
      throw new UserError(`cannot create TAP ${spec.name}: a network device of that name exists and is not a TAP`);
    }
    try {
      return TapPort.open({ name: spec.name, mac: spec.mac, up: true });
    } catch (e) {
      throw explain(e, `TAP ${spec.name}`);
    }
  }
  if (!existsSync(`/sys/class/net/${spec.name}`)) {
    throw new UserError(`device ${spec.name} does not exist (use tap:${spec.name} to create a TAP)`);
  }
  refuseUnbridgeable(spec.name);
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
