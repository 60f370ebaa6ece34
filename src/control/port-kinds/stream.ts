// Port kind `stream:`: one QEMU guest over a stream socket (unix or TCP), frames as 4-byte
// big-endian length + frame. softbr listens (`-netdev stream`, `-netdev socket,connect=`), or
// with `connect:` connects to a guest that listens (`server=on`, `-netdev socket,listen=`).
import { UserError } from '../protocol.js';
import { badPort, definePortKind, type PortSpecBase } from './registry.js';
import { hostPort, splitName, takeMtu, unixSocketSpec, MTU_MAX_SOCKET } from './spec-parts.js';
import { explainOpenError } from './open-errors.js';

export interface StreamSpec extends PortSpecBase {
  kind: 'stream';
  /** A unix socket: its absolute path. */
  path?: string;
  /** Over TCP: the address to listen on (or connect to). */
  host?: string;
  port?: number;
  /** softbr connects to a guest that listens, and reconnects whenever it has to. */
  connect?: boolean;
}

export const streamKind = definePortKind<StreamSpec>({
  kind: 'stream',
  word: 'stream',
  forms: [
    { syntax: 'stream:[NAME=]/PATH', help: 'listen on unix socket PATH for one QEMU guest; named NAME or after PATH' },
    { syntax: 'stream:[NAME=]tcp:[HOST:]PORT', help: 'the same over TCP on HOST (default 127.0.0.1); named NAME or streamPORT' },
    { syntax: 'stream:[NAME=]connect:/PATH', help: 'connect to a guest listening on PATH (-netdev stream,server=on); reconnects' },
    { syntax: 'stream:[NAME=]connect:tcp:[HOST:]PORT', help: 'the same over TCP (-netdev socket,listen=)' },
  ],
  readme: [
    '`stream:[NAME=]/PATH` listens on unix socket PATH (mode 0660) for one QEMU guest:\n'
      + '  `-netdev stream,id=n0,server=off,addr.type=unix,addr.path=PATH`. Frames are 4-byte big-endian\n'
      + '  length + frame. While a guest is connected, further connections are refused. The port has no\n'
      + '  carrier until a guest connects and goes down when it disconnects. A stale socket file is replaced.',
    '`stream:[NAME=]tcp:[HOST:]PORT` is the same over TCP (HOST defaults to 127.0.0.1), for\n'
      + '  `-netdev socket,id=n0,connect=127.0.0.1:PORT` or `-netdev stream,…,addr.type=inet`.',
    '`stream:[NAME=]connect:/PATH` and `stream:[NAME=]connect:tcp:[HOST:]PORT` are for a guest that\n'
      + '  listens (`-netdev stream,id=n0,server=on,addr.type=unix,addr.path=PATH`, `-netdev socket,id=n0,listen=127.0.0.1:PORT`,\n'
      + '  libvirt\'s `<interface type=\'server\'>`): softbr connects, and reconnects with backoff (100 ms doubling\n'
      + '  to 2 s) whenever the guest restarts or is not there yet — also after softbr restarts. The port is\n'
      + '  down (STP sees it down) while not connected. A frame cut off by a dying peer is never\n'
      + '  forwarded; a length over the port\'s MTU + 22 ends that connection (logged).',
    'Socket ports (`stream:`, `dgram:`, `vde:`) take `,mtu=N` at the end of the spec: 1500 by default,\n'
      + '  up to 65535 for `stream:` (the framing\'s limit), 65000 for `dgram:` (a UDP datagram\'s), 9000 for `vde:`.',
  ],
  parse(body, spec) {
    const { rest: named, mtu } = takeMtu(spec, body, MTU_MAX_SOCKET);
    const { name, rest: after } = splitName(spec, named, 'stream');
    const connect = after.startsWith('connect:');
    const rest = connect ? after.slice(8) : after;
    const mode = { ...(connect ? { connect: true } : {}), ...(mtu !== undefined ? { mtu } : {}) };
    if (rest.startsWith('tcp:')) {
      const { host, port } = hostPort(spec, rest.slice(4), connect ? 'guest' : 'listen');
      return { kind: 'stream', name: name ?? `stream${port}`, host, port, ...mode };
    }
    if (!rest.startsWith('/')) {
      throw badPort(spec, `expected an absolute socket path (stream:/run/vm1.sock) or tcp:[HOST:]PORT after '${connect ? 'stream:connect:' : 'stream:'}'`);
    }
    return { kind: 'stream', ...unixSocketSpec(spec, name, rest, 'stream', 'stream:/run/vm1.sock'), ...mode };
  },
  async open(spec, log) {
    if (spec.path === undefined && spec.port === undefined) throw new UserError(`stream port ${spec.name}: no socket path or TCP port given`);
    const where = spec.path ?? `tcp ${spec.host ?? '127.0.0.1'}:${spec.port}`;
    // drivers are imported on open, so that the CLI, which parses specs, loads none of them
    const { StreamPort } = await import('../../ports/qemu-socket.js');
    try {
      const p = await StreamPort.open({ name: spec.name, path: spec.path, host: spec.host, port: spec.port, connect: spec.connect, mac: spec.mac, mtu: spec.mtu, log });
      if (!p.client) log(`${spec.name}: waiting for a QEMU guest on ${p.address}`);
      return p;
    } catch (e) {
      throw explainOpenError(e, `stream socket ${where}`);
    }
  },
});
