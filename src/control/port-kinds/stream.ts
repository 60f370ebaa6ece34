// Port kind `stream:`: one QEMU guest over a stream socket (unix or TCP), frames as 4-byte
// big-endian length + frame (`-netdev stream`, `-netdev socket,connect=`).
import { UserError } from '../protocol.js';
import { badPort, definePortKind, type PortSpecBase } from './registry.js';
import { hostPort, splitName, unixSocketSpec } from './spec-parts.js';
import { explainOpenError } from './open-errors.js';

export interface StreamSpec extends PortSpecBase {
  kind: 'stream';
  /** A unix socket: its absolute path. */
  path?: string;
  /** Over TCP: the address to listen on. */
  host?: string;
  port?: number;
}

export const streamKind = definePortKind<StreamSpec>({
  kind: 'stream',
  word: 'stream',
  forms: [
    { syntax: 'stream:[NAME=]/PATH', help: 'listen on unix socket PATH for one QEMU guest; named NAME or after PATH' },
    { syntax: 'stream:[NAME=]tcp:[HOST:]PORT', help: 'the same over TCP on HOST (default 127.0.0.1); named NAME or streamPORT' },
  ],
  readme: [
    '`stream:[NAME=]/PATH` listens on unix socket PATH (mode 0660) for one QEMU guest:\n'
      + '  `-netdev stream,id=n0,server=off,addr.type=unix,addr.path=PATH`. Frames are 4-byte big-endian\n'
      + '  length + frame. While a guest is connected, further connections are refused. The port has no\n'
      + '  carrier until a guest connects and goes down when it disconnects. A stale socket file is replaced.',
    '`stream:[NAME=]tcp:[HOST:]PORT` is the same over TCP (HOST defaults to 127.0.0.1), for\n'
      + '  `-netdev socket,id=n0,connect=127.0.0.1:PORT` or `-netdev stream,…,addr.type=inet`.',
  ],
  parse(body, spec) {
    const { name, rest } = splitName(spec, body, 'stream');
    if (rest.startsWith('tcp:')) {
      const { host, port } = hostPort(spec, rest.slice(4), 'listen');
      return { kind: 'stream', name: name ?? `stream${port}`, host, port };
    }
    if (!rest.startsWith('/')) {
      throw badPort(spec, `expected an absolute socket path (stream:/run/vm1.sock) or tcp:[HOST:]PORT after 'stream:'`);
    }
    return { kind: 'stream', ...unixSocketSpec(spec, name, rest, 'stream', 'stream:/run/vm1.sock') };
  },
  async open(spec, log) {
    if (spec.path === undefined && spec.port === undefined) throw new UserError(`stream port ${spec.name}: no socket path or TCP port given`);
    const where = spec.path ?? `tcp ${spec.host ?? '127.0.0.1'}:${spec.port}`;
    // drivers are imported on open, so that the CLI, which parses specs, loads none of them
    const { StreamPort } = await import('../../ports/qemu-socket.js');
    try {
      const p = await StreamPort.open({ name: spec.name, path: spec.path, host: spec.host, port: spec.port, mac: spec.mac, log });
      log(`${spec.name}: waiting for a QEMU guest on ${p.address}`);
      return p;
    } catch (e) {
      throw explainOpenError(e, `stream socket ${where}`);
    }
  },
});
