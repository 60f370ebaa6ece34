// Port kind `vde:`: a VDE2 switch directory, served as `vde_switch -s DIR` serves it. It is an
// endpoint: every VDE client that connects (QEMU's -netdev vde, vde_plug, vde_plug2tap, dpipe,
// slirpvde) becomes a port of its own, named NAME-N after its VDE port number, and goes when the
// client does.
import { readFileSync } from 'node:fs';
import { UserError } from '../protocol.js';
import { isName, NAME_MAX, NAME_RULE } from '../../bridge/names.js';
import { badPort, definePortKind, type PortSpecBase } from './registry.js';
import { splitName, mtuValue, MTU_MAX_DEVICE } from './spec-parts.js';
import { explainOpenError } from './open-errors.js';

export interface VdeSpec extends PortSpecBase {
  kind: 'vde';
  /** The switch directory: DIR/ctl is its control socket. */
  dir: string;
  /** Socket mode (vde_switch -m); default 0600. */
  mode?: number;
  /** Socket group, a name or a number (vde_switch -g). */
  group?: string;
}

// data sockets are DIR/NNN.K in a 107-byte sun_path
const DIR_MAX = 96;
// names are NAME-N with N up to 999 (ports/vde.ts VDE_MAX_PORTS)
const ENDPOINT_NAME_MAX = NAME_MAX - 4;

/** The gid of a group name (from /etc/group) or number. */
function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  let text = '';
  try { text = readFileSync('/etc/group', 'utf8'); } catch { /* no group file: names cannot resolve */ }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === group && f[2] !== undefined && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  throw new UserError(`vde group '${group}' does not exist`);
}

export const vdeKind = definePortKind<VdeSpec>({
  kind: 'vde',
  word: 'vde',
  forms: [
    { syntax: 'vde:[NAME=]DIR[,mode=MODE][,group=GROUP][,mtu=N]', help: 'serve VDE clients on switch directory DIR, as vde_switch -s DIR; each client a port NAME-N' },
  ],
  readme: [
    '`vde:[NAME=]DIR[,mode=MODE][,group=GROUP][,mtu=N]` serves the VDE2 switch protocol on directory DIR as\n'
      + '  `vde_switch -s DIR [-m MODE] [-g GROUP]` does (DIR/ctl, mode 0600 by default), so\n'
      + '  `qemu -netdev vde,sock=DIR`, `vde_plug DIR`, `vde_plug2tap -s DIR TAP` and `dpipe vde_plug DIR = …`\n'
      + '  connect unchanged. Every client is a port of its own, `NAME-N` after its VDE port number\n'
      + '  (NAME defaults to DIR\'s last component), added when it connects and removed when it leaves;\n'
      + '  `delif NAME` stops serving and disconnects them all. DIR is created if missing.',
  ],
  parse(body, spec) {
    const { name, rest } = splitName(spec, body, 'vde');
    const [dir, ...opts] = rest.split(',');
    if (dir === undefined || !dir.startsWith('/')) throw badPort(spec, `expected an absolute directory after 'vde:' (vde:/run/vde/sw1)`);
    const clean = dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
    if (clean === '/' || clean.includes('\0')) throw badPort(spec, `'${dir}' is not a directory to serve in`);
    const bytes = Buffer.byteLength(clean);
    if (bytes > DIR_MAX) throw badPort(spec, `directory is ${bytes} bytes long; VDE socket paths allow at most ${DIR_MAX} for it`);
    const out: VdeSpec = { kind: 'vde', name: '', dir: clean };
    for (const o of opts) {
      const eq = o.indexOf('=');
      const key = eq < 0 ? o : o.slice(0, eq);
      const v = eq < 0 ? '' : o.slice(eq + 1);
      if (key === 'mode') {
        if (!/^0?[0-7]{3}$/.test(v)) throw badPort(spec, `mode '${v}' is not an octal file mode (mode=0660)`);
        out.mode = parseInt(v, 8);
      } else if (key === 'mtu') {
        out.mtu = mtuValue(spec, v, MTU_MAX_DEVICE);
      } else if (key === 'group') {
        if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(v)) throw badPort(spec, `group '${v}' is not a group name or number`);
        out.group = v;
      } else {
        throw badPort(spec, `unknown option '${o}': expected mode=MODE, group=GROUP or mtu=N`);
      }
    }
    const base = clean.slice(clean.lastIndexOf('/') + 1);
    const dot = base.lastIndexOf('.');
    const derived = name ?? (dot > 0 ? base.slice(0, dot) : base);
    const rule = `${NAME_RULE.replace(String(NAME_MAX), String(ENDPOINT_NAME_MAX))}, so that NAME-N fits`;
    if (!isName(derived) || derived.length > ENDPOINT_NAME_MAX) {
      throw badPort(spec, name !== undefined ? `port name '${name}' must be ${rule}` : `cannot name the ports after '${base}' (${rule}): name them with vde:NAME=${clean}`);
    }
    out.name = derived;
    return out;
  },
  async listen(spec, log, host) {
    const gid = spec.group === undefined ? undefined : groupId(spec.group);
    // drivers are imported on open, so that the CLI, which parses specs, loads none of them
    const { VdeSwitch } = await import('../../ports/vde.js');
    try {
      const sw = await VdeSwitch.open({
        name: spec.name, dir: spec.dir, mode: spec.mode, gid, mtu: spec.mtu, log,
        onPort: (p) => host.add(p),
        onGone: (p) => host.remove(p),
      });
      log(`${spec.name}: serving VDE clients on ${sw.ctlPath}`);
      return { address: sw.ctlPath, close: () => sw.close() };
    } catch (e) {
      throw explainOpenError(e, `VDE switch ${spec.dir}`);
    }
  },
});
