// Port kind `dgram:`: a UDP tunnel to one QEMU guest, one frame per datagram
// (`-netdev dgram`, `-netdev socket,udp=`).
import { isIPv6 } from 'node:net';
import { UserError } from '../protocol.js';
import { badPort, definePortKind, type PortSpecBase } from './registry.js';
import { hostPort, splitName, takeMtu } from './spec-parts.js';

// a UDP payload is at most 65507 bytes: room for the frame's headers
const DGRAM_MTU_MAX = 65000;
import { explainOpenError } from './open-errors.js';

export interface DgramSpec extends PortSpecBase {
  kind: 'dgram';
  /** softbr's local address. */
  host?: string;
  port?: number;
  /** QEMU's address, where frames are sent. */
  remoteHost?: string;
  remotePort?: number;
}

export const dgramKind = definePortKind<DgramSpec>({
  kind: 'dgram',
  word: 'dgram',
  forms: [
    { syntax: 'dgram:[NAME=][HOST:]PORT@[HOST:]PORT', help: 'UDP, softbr\'s address @ the guest\'s (default host 127.0.0.1); named NAME or dgramPORT' },
  ],
  readme: [
    '`dgram:[NAME=][HOST:]LPORT@[HOST:]RPORT` is a UDP tunnel with one frame per datagram; softbr\n'
      + '  binds LPORT and sends to QEMU at RPORT (hosts default to 127.0.0.1). Use it with\n'
      + '  `-netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=RPORT,remote.type=inet,remote.host=127.0.0.1,remote.port=LPORT`\n'
      + '  or `-netdev socket,id=n0,udp=127.0.0.1:LPORT,localaddr=127.0.0.1:RPORT`.',
  ],
  parse(body, spec) {
    const { rest: named, mtu } = takeMtu(spec, body, DGRAM_MTU_MAX);
    const { name, rest } = splitName(spec, named, 'dgram');
    const at = rest.indexOf('@');
    if (at < 0) throw badPort(spec, `expected dgram:[NAME=][HOST:]PORT@[HOST:]PORT (softbr's local port @ QEMU's port), e.g. dgram:5555@5556`);
    const local = hostPort(spec, rest.slice(0, at), 'local');
    const remote = hostPort(spec, rest.slice(at + 1), 'remote');
    if (isIPv6(local.host) !== isIPv6(remote.host)) throw badPort(spec, 'local and remote addresses must both be IPv4 or both IPv6');
    return { kind: 'dgram', name: name ?? `dgram${local.port}`, host: local.host, port: local.port, remoteHost: remote.host, remotePort: remote.port, ...(mtu !== undefined ? { mtu } : {}) };
  },
  async open(spec, log) {
    if (spec.port === undefined || spec.remotePort === undefined) throw new UserError(`dgram port ${spec.name}: local and remote UDP ports are needed`);
    // drivers are imported on open, so that the CLI, which parses specs, loads none of them
    const { DgramPort } = await import('../../ports/qemu-socket.js');
    try {
      const p = await DgramPort.open({
        name: spec.name, localHost: spec.host, localPort: spec.port, remoteHost: spec.remoteHost, remotePort: spec.remotePort, mac: spec.mac, mtu: spec.mtu, log,
      });
      log(`${spec.name}: UDP ${p.address}`);
      return p;
    } catch (e) {
      throw explainOpenError(e, `UDP socket ${spec.host ?? '127.0.0.1'}:${spec.port}`);
    }
  },
});
