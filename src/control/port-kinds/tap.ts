// Port kind `tap:NAME`: a TAP softbr creates (or an idle persistent one it attaches to) and holds
// the fd of; the kernel side of the TAP is the peer's NIC.
import { existsSync } from 'node:fs';
import { UserError } from '../protocol.js';
import { definePortKind, type PortSpecBase } from './registry.js';
import { interfaceName, takeMtu, MTU_MAX_DEVICE } from './spec-parts.js';
import { explainOpenError } from './open-errors.js';

export interface TapSpec extends PortSpecBase {
  kind: 'tap';
  /** See TapPortOptions.capacityMtu: set by the daemon for a bridge's host port; parsers leave it unset. */
  capacityMtu?: number;
}

export const tapKind = definePortKind<TapSpec>({
  kind: 'tap',
  word: 'tap',
  forms: [{ syntax: 'tap:NAME[,mtu=N]', help: 'create a TAP NAME (or attach to the persistent TAP NAME), MTU N (68..9000)' }],
  readme: [
    '`tap:NAME[,mtu=N]` creates (or attaches to a persistent) TAP `NAME`; the kernel side is the peer\'s NIC.\n'
      + '  softbr holds the fd, so the device may be moved to another namespace. `mtu=` sets the device\n'
      + '  MTU (68 to 9000, jumbo frames); otherwise it keeps its own (1500 for a new TAP). The TAP is opened\n'
      + '  with virtio-net headers and TSO/checksum offload, so the peer\'s TCP sends 64 KiB super-frames\n'
      + '  that the bridge carries whole where the egress port takes them and segments where it does not.',
  ],
  parse(body, spec) {
    const { rest, mtu } = takeMtu(spec, body, MTU_MAX_DEVICE);
    return mtu === undefined ? { kind: 'tap', name: interfaceName(spec, rest) } : { kind: 'tap', name: interfaceName(spec, rest), mtu };
  },
  async open(spec) {
    const sys = `/sys/class/net/${spec.name}`;
    if (existsSync(sys) && !existsSync(`${sys}/tun_flags`)) {
      throw new UserError(`cannot create TAP ${spec.name}: a network device of that name exists and is not a TAP`);
    }
    // drivers are imported on open, so that the CLI, which parses specs, loads none of them
    const { TapPort } = await import('../../ports/tap.js');
    try {
      return TapPort.open({ name: spec.name, mac: spec.mac, mtu: spec.mtu, capacityMtu: spec.capacityMtu, up: true });
    } catch (e) {
      throw explainOpenError(e, `TAP ${spec.name}`);
    }
  },
});
