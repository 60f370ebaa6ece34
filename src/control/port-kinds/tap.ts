// Port kind `tap:NAME`: a TAP softbr creates (or an idle persistent one it attaches to) and holds
// the fd of; the kernel side of the TAP is the peer's NIC.
import { existsSync } from 'node:fs';
import { UserError } from '../protocol.js';
import { definePortKind, type PortSpecBase } from './registry.js';
import { interfaceName } from './spec-parts.js';
import { explainOpenError } from './open-errors.js';

export interface TapSpec extends PortSpecBase {
  kind: 'tap';
}

export const tapKind = definePortKind<TapSpec>({
  kind: 'tap',
  word: 'tap',
  forms: [{ syntax: 'tap:NAME', help: 'create a TAP NAME (or attach to the persistent TAP NAME)' }],
  readme: [
    '`tap:NAME` creates (or attaches to a persistent) TAP `NAME`; the kernel side is the peer\'s NIC.\n'
      + '  softbr holds the fd, so the device may be moved to another namespace. The TAP is opened\n'
      + '  with virtio-net headers and TSO/checksum offload, so the peer\'s TCP sends 64 KiB super-frames\n'
      + '  that the bridge carries whole where the egress port takes them and segments where it does not.',
  ],
  parse: (body, spec) => ({ kind: 'tap', name: interfaceName(spec, body) }),
  async open(spec) {
    const sys = `/sys/class/net/${spec.name}`;
    if (existsSync(sys) && !existsSync(`${sys}/tun_flags`)) {
      throw new UserError(`cannot create TAP ${spec.name}: a network device of that name exists and is not a TAP`);
    }
    // drivers are imported on open, so that the CLI, which parses specs, loads none of them
    const { TapPort } = await import('../../ports/tap.js');
    try {
      return TapPort.open({ name: spec.name, mac: spec.mac, up: true });
    } catch (e) {
      throw explainOpenError(e, `TAP ${spec.name}`);
    }
  },
});
