// Port kinds `vhost-user:` (softbr listens, QEMU connects) and `vhost-user-client:` (QEMU
// listens with server=on, softbr connects and reconnects): a guest's virtio-net queues in
// shared memory, served by the addon (src/ports/vhost-user.ts is the driver). `,offload=off`
// keeps the guest's checksum and TSO offloads off.
import { definePortKind, type PortSpecBase } from './registry.js';
import { splitName, takeOnOff, unixSocketSpec } from './spec-parts.js';
import { explainOpenError } from './open-errors.js';

export interface VhostUserSpec extends PortSpecBase {
  kind: 'vhost-user' | 'vhost-user-client';
  path: string;
  /** Offer the guest checksum and TSO offloads; absent: on. */
  offload?: boolean;
}

async function openVhost(spec: VhostUserSpec, log: (m: string) => void) {
  const role = spec.kind === 'vhost-user' ? 'server' : 'client';
  // drivers are imported on open, so that the CLI, which parses specs, loads none of them
  const { VhostUserPort } = await import('../../ports/vhost-user.js');
  try {
    const p = VhostUserPort.open({ name: spec.name, path: spec.path, role, mac: spec.mac, offload: spec.offload, log });
    if (role === 'server') log(`${spec.name}: waiting for a vhost-user front-end (QEMU) on ${spec.path}`);
    return p;
  } catch (e) {
    throw explainOpenError(e, `vhost-user socket ${spec.path}`);
  }
}

/** `[NAME=]/PATH[,offload=on|off]` of either kind; `offload` only when the spec says it. */
function parseVhost(kind: VhostUserSpec['kind'], body: string, spec: string): VhostUserSpec {
  const { name, rest } = splitName(spec, body, kind);
  const o = takeOnOff(spec, rest, 'offload');
  const parsed: VhostUserSpec = { kind, ...unixSocketSpec(spec, name, o.rest, kind, `${kind}:/run/vm1.sock`) };
  return o.on === undefined ? parsed : { ...parsed, offload: o.on };
}

export const vhostUserKind = definePortKind<VhostUserSpec>({
  kind: 'vhost-user',
  word: 'vhost-user',
  forms: [{ syntax: 'vhost-user:[NAME=]/PATH[,offload=off]', help: 'listen on unix socket PATH for a QEMU vhost-user netdev; named NAME or after PATH' }],
  readme: [
    '`vhost-user:[NAME=]/PATH` listens on unix socket PATH (mode 0660) for one vhost-user front-end\n'
      + '  (QEMU `-chardev socket,id=c0,path=PATH -netdev vhost-user,id=n0,chardev=c0`, DPDK\n'
      + '  `net_virtio_user`). The guest\'s virtio-net queues are in memory it shares with softbr, so\n'
      + '  frames move without a system call each. The port is up while the guest\'s queues run. The\n'
      + '  guest\'s checksum and TSO offloads are negotiated on, so its TCP sends 64 KiB super-frames\n'
      + '  that travel whole to ports that take them; `offload=off` keeps them off. See "vhost-user\n'
      + '  ports" below.',
  ],
  parse: (body, spec) => parseVhost('vhost-user', body, spec),
  open: openVhost,
});

export const vhostUserClientKind = definePortKind<VhostUserSpec>({
  kind: 'vhost-user-client',
  word: 'vhost-user-client',
  forms: [{ syntax: 'vhost-user-client:[NAME=]/PATH[,offload=off]', help: 'connect to QEMU listening on unix socket PATH (server=on), and reconnect' }],
  readme: [
    '`vhost-user-client:[NAME=]/PATH` is the same with the roles swapped: QEMU listens\n'
      + '  (`-chardev socket,id=c0,path=PATH,server=on,wait=off`) and softbr connects, retrying every\n'
      + '  second until it can and again whenever the connection ends (QEMU or softbr restarted).',
  ],
  parse: (body, spec) => parseVhost('vhost-user-client', body, spec),
  open: openVhost,
});
