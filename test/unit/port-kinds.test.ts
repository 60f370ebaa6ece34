// The port-kind registry: specs go to the kind their word names, bad specs name what is allowed,
// the README's port list is what the registry says, and a kind registered later shows up in the
// parser, the opener, `addif --help` and the config schema without any other edit.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  portSpec, openPort, portKinds, portSpecForms, addifHelp, readmePortList, spliceReadme,
  registerPortKind, definePortKind, type PortSpecBase,
} from '../../src/control/port-kinds/index.js';
import { UserError } from '../../src/control/protocol.js';
import { parseConfig } from '../../src/control/config.js';
import { Daemon } from '../../src/control/daemon.js';
import { buildProgram } from '../../src/cli/main.js';
import { MemoryPort } from '../../src/ports/memory.js';

const README = new URL('../../README.md', import.meta.url);

function userError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

function addifHelpText(): string {
  const addif = buildProgram().commands.find((c) => c.name() === 'addif')!;
  let text = '';
  addif.configureOutput({ writeOut: (s) => { text += s; } });
  addif.outputHelp();
  return text;
}

describe('port-kind registry', () => {
  it('lists the built-in kinds in the order help and errors show them', () => {
    expect(portKinds().map((k) => k.kind)).toEqual(['tap', 'dev', 'stream', 'dgram', 'vde', 'vhost-user', 'vhost-user-client', 'vxlan']);
    expect(portSpecForms()).toBe('tap:NAME[,mtu=N], an interface name, stream:[NAME=]/PATH, stream:[NAME=]tcp:[HOST:]PORT, stream:[NAME=]connect:/PATH,'
      + ' stream:[NAME=]connect:tcp:[HOST:]PORT, dgram:[NAME=][HOST:]PORT@[HOST:]PORT,'
      + ' vde:[NAME=]DIR[,mode=MODE][,group=GROUP][,mtu=N], vhost-user:[NAME=]/PATH[,offload=off], vhost-user-client:[NAME=]/PATH[,offload=off]'
      + ' or vxlan:[NAME=]VNI@LOCAL_IP[:PORT][,OPTION...]');
  });

  it('an unknown kind word is named, with every form that is allowed', () => {
    const msg = userError(() => portSpec('vhost:/run/switch.sock'));
    expect(msg).toBe(`invalid port 'vhost:/run/switch.sock': unknown port kind 'vhost': expected ${portSpecForms()}`);
    // a word that is no kind but makes a valid interface name is still a netdev, as before
    expect(portSpec('eth0:1')).toEqual({ kind: 'dev', name: 'eth0:1' });
    expect(userError(() => portSpec('eth0:a/b'))).toMatch(/^invalid port 'eth0:a\/b': expected tap:NAME\[,mtu=N\], .*; interface names have 1–15 characters$/);
    expect(userError(() => portSpec(''))).toBe('missing port');
  });

  it.each([
    ['tap:tap0', { kind: 'tap', name: 'tap0' }, 'tap:tap0'],
    ['veth1@if5', { kind: 'dev', name: 'veth1@if5' }, 'veth1@if5'],
    ['stream:/run/vm1.sock', { kind: 'stream', name: 'vm1', path: '/run/vm1.sock' }, 'stream:vm1=/run/vm1.sock'],
    ['stream:tcp:[::1]:5555', { kind: 'stream', name: 'stream5555', host: '::1', port: 5555 }, 'stream:stream5555=tcp:[::1]:5555'],
    ['dgram:10.0.0.1:5555@5556', { kind: 'dgram', name: 'dgram5555', host: '10.0.0.1', port: 5555, remoteHost: '127.0.0.1', remotePort: 5556 },
      'dgram:dgram5555=10.0.0.1:5555@127.0.0.1:5556'],
    ['stream:connect:/run/vm1.sock', { kind: 'stream', name: 'vm1', path: '/run/vm1.sock', connect: true }, 'stream:vm1=connect:/run/vm1.sock'],
    ['stream:connect:tcp:5555', { kind: 'stream', name: 'stream5555', host: '127.0.0.1', port: 5555, connect: true }, 'stream:stream5555=connect:tcp:127.0.0.1:5555'],
    ['tap:tap0,mtu=9000', { kind: 'tap', name: 'tap0', mtu: 9000 }, 'tap:tap0,mtu=9000'],
    ['stream:tcp:5555,mtu=65535', { kind: 'stream', name: 'stream5555', host: '127.0.0.1', port: 5555, mtu: 65535 }, 'stream:stream5555=tcp:127.0.0.1:5555,mtu=65535'],
    ['stream:connect:/run/vm1.sock,mtu=9000', { kind: 'stream', name: 'vm1', path: '/run/vm1.sock', connect: true, mtu: 9000 }, 'stream:vm1=connect:/run/vm1.sock,mtu=9000'],
    ['dgram:5555@5556,mtu=9000', { kind: 'dgram', name: 'dgram5555', host: '127.0.0.1', port: 5555, remoteHost: '127.0.0.1', remotePort: 5556, mtu: 9000 },
      'dgram:dgram5555=127.0.0.1:5555@127.0.0.1:5556,mtu=9000'],
    ['vde:/run/sw,mtu=9000', { kind: 'vde', name: 'sw', dir: '/run/sw', mtu: 9000 }, 'vde:sw=/run/sw,mtu=9000'],
    ['vde:/run/vde/sw1/', { kind: 'vde', name: 'sw1', dir: '/run/vde/sw1' }, 'vde:sw1=/run/vde/sw1'],
    ['vde:/tmp/vde.ctl,mode=0660,group=kvm', { kind: 'vde', name: 'vde', dir: '/tmp/vde.ctl', mode: 0o660, group: 'kvm' },
      'vde:vde=/tmp/vde.ctl,group=kvm,mode=660'],
    ['vhost-user:/run/vm1.sock', { kind: 'vhost-user', name: 'vm1', path: '/run/vm1.sock' }, 'vhost-user:vm1=/run/vm1.sock'],
    ['vhost-user-client:/run/qemu/vm2', { kind: 'vhost-user-client', name: 'vm2', path: '/run/qemu/vm2' }, 'vhost-user-client:vm2=/run/qemu/vm2'],
    ['vhost-user:/run/vm1.sock,offload=off', { kind: 'vhost-user', name: 'vm1', path: '/run/vm1.sock', offload: false }, 'vhost-user:vm1=/run/vm1.sock,offload=off'],
    ['vhost-user-client:/run/vm2,offload=on', { kind: 'vhost-user-client', name: 'vm2', path: '/run/vm2', offload: true }, 'vhost-user-client:vm2=/run/vm2,offload=on'],
  ])('%s parses to its kind, and the spec written out in full parses the same', (spec, parsed, full) => {
    expect(portSpec(spec)).toEqual(parsed);
    expect(portSpec(full)).toEqual(parsed);
  });

  it.each([
    ['stream:connect:rel.sock', /expected an absolute socket path \(stream:\/run\/vm1\.sock\) or tcp:\[HOST:\]PORT after 'stream:connect:'/],
    ['stream:connect:tcp:x', /guest port 'x' is not a port number/],
    ['tap:tap0,mtu=9001', /mtu '9001' is not a number from 68 to 9000/],
    ['tap:tap0,mtu=67', /mtu '67' is not a number from 68 to 9000/],
    ['stream:/run/a.sock,mtu=65536', /mtu '65536' is not a number from 68 to 65535/],
    ['dgram:1@2,mtu=65001', /mtu '65001' is not a number from 68 to 65000/],
    ['vde:/run/sw,mtu=x', /mtu 'x' is not a number from 68 to 9000/],
    ['vde:run/sw', /expected an absolute directory after 'vde:'/],
    ['vhost-user:/run/vm1.sock,offload=no', /offload 'no' must be on or off/],
    ['vde:/', /'\/' is not a directory to serve in/],
    ['vde:/run/sw,mode=999', /mode '999' is not an octal file mode/],
    ['vde:/run/sw,group=a b', /group 'a b' is not a group name or number/],
    ['vde:/run/sw,owner=x', /unknown option 'owner=x': expected mode=MODE, group=GROUP or mtu=N/],
    ['vde:/run/averyverylongname', /cannot name the ports after 'averyverylongname' \(1–11 letters.*so that NAME-N fits\): name them with vde:NAME=\/run\/averyverylongname/],
    ['vde:twelve_chars=/run/sw', /port name 'twelve_chars' must be 1–11/],
    [`vde:/${'d'.repeat(100)}`, /directory is 101 bytes long; VDE socket paths allow at most 96/],
  ])('%s is refused: %s', (spec, why) => {
    expect(userError(() => portSpec(spec))).toMatch(why);
  });

  it('vhost-user paths follow the unix socket rules stream: has', () => {
    expect(userError(() => portSpec('vhost-user:vm1.sock'))).toBe("invalid port 'vhost-user:vm1.sock': expected an absolute socket path (vhost-user:/run/vm1.sock) after 'vhost-user:'");
    expect(userError(() => portSpec(`vhost-user-client:/${'x'.repeat(120)}`))).toMatch(/socket path is 121 bytes long; unix sockets allow at most 107/);
    expect(userError(() => portSpec('vhost-user:/run/a-very-long-vm-name.sock'))).toMatch(/cannot name the port after 'a-very-long-vm-name.sock' .*: name it with vhost-user:NAME=\/run\/a-very-long-vm-name.sock/);
    expect(userError(() => portSpec('vhost-user:/run/'))).toMatch(/'\/run\/' is not a socket file path/);
  });

  it('names are checked by the one rule: . and .. are no port names', () => {
    expect(userError(() => portSpec('stream:..=/tmp/x.sock'))).toMatch(/port name '\.\.' must be 1–15 letters/);
    expect(userError(() => portSpec('tap:..'))).toMatch(/^invalid port 'tap:\.\.': expected tap:NAME/);
  });
});

describe('README port list', () => {
  it('is what the registry says (run `npm run docs` after changing a kind)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(spliceReadme(readme)).toBe(readme);
    expect(readmePortList()).toMatch(/^- `tap:NAME\[,mtu=N\]` creates/);
  });

  it('a stale list is rewritten and a README without markers is refused', () => {
    const readme = readFileSync(README, 'utf8');
    const stale = readme.replace('- `tap:NAME[,mtu=N]` creates', '- `tap:NAME[,mtu=N]` makes');
    expect(stale).not.toBe(readme);
    expect(spliceReadme(stale)).toBe(readme);
    expect(() => spliceReadme('# no list here\n')).toThrow(/no port list between/);
  });
});

// registering changes the registry for the rest of this file, so this block comes last and
// registers in beforeAll (a describe body runs when the file is collected, before any test)
describe('a kind registered later', () => {
  interface LoopSpec extends PortSpecBase { kind: 'loop' }
  const opened: string[] = [];
  beforeAll(() => registerPortKind(definePortKind<LoopSpec>({
    kind: 'loop',
    word: 'loop',
    forms: [{ syntax: 'loop:NAME', help: 'an in-memory port with nothing on the other side' }],
    readme: ['`loop:NAME` is an in-memory port.'],
    parse(body, spec) {
      if (!/^lo[0-9]$/.test(body)) throw new UserError(`invalid port '${spec}': expected loop:lo0 … loop:lo9`);
      return { kind: 'loop', name: body };
    },
    async open(spec) {
      opened.push(spec.name);
      return new MemoryPort({ name: spec.name });
    },
  })));

  it('is parsed and opened through the registry', async () => {
    expect(portSpec('loop:lo1')).toEqual({ kind: 'loop', name: 'lo1' });
    expect(userError(() => portSpec('loop:x'))).toBe("invalid port 'loop:x': expected loop:lo0 … loop:lo9");
    const p = await openPort(portSpec('loop:lo2'), () => {});
    expect(p.name).toBe('lo2');
    expect(opened).toEqual(['lo2']);
    p.close();
  });

  it('appears in the forms errors list and in addif --help', () => {
    expect(portSpecForms()).toMatch(/, vxlan:\[NAME=\]VNI@LOCAL_IP\[:PORT\]\[,OPTION\.\.\.\] or loop:NAME$/);
    expect(userError(() => portSpec('what/ever'))).toContain('or loop:NAME; interface names');
    expect(addifHelp()).toMatch(/ {2}loop:NAME\n {6}an in-memory port with nothing on the other side$/);
    const help = addifHelpText();
    expect(help).toContain('  tap:NAME[,mtu=N]\n');
    expect(help).toContain('  loop:NAME\n      an in-memory port with nothing on the other side\n');
  });

  it('is accepted by the config schema, whose errors are its parser\'s', () => {
    const ok = parseConfig('bridges:\n  b0:\n    ports:\n      - loop:lo3\n      - name: loop:lo4\n        hairpin: true\n', 'c.yaml');
    expect(ok.bridges[0]!.ports).toEqual([{ name: 'loop:lo3' }, { name: 'loop:lo4', hairpin: true }]);
    expect(() => parseConfig('bridges:\n  b0:\n    ports:\n      - tap:t0\n      - loop:nope\n', 'c.yaml'))
      .toThrow(/^c\.yaml:5: bridges\.b0\.ports\.1: invalid port 'loop:nope': expected loop:lo0 … loop:lo9$/);
    expect(() => parseConfig('bridges:\n  b0:\n    ports:\n      - name: loop:nope\n', 'c.yaml'))
      .toThrow(/^c\.yaml:4: bridges\.b0\.ports\.0\.name: invalid port 'loop:nope': expected loop:lo0/);
  });

  it('is opened by the daemon like a built-in kind', async () => {
    const d = new Daemon({ tickMs: 0, log: () => {} });
    try {
      const m = await d.addBridge({ name: 'regbr', local: false, ports: [{ name: 'loop:lo5' }] });
      expect(m.bridge.portByName('lo5')).toBeDefined();
      expect(m.specs.get('lo5')).toEqual({ kind: 'loop', name: 'lo5' });
      expect(opened).toContain('lo5');
    } finally {
      d.shutdown();
    }
  });

  it('cannot take a word or a kind that is taken', () => {
    const dup = { forms: [], readme: [], parse: () => ({ kind: 'x', name: 'x' }), open: () => Promise.reject(new Error('no')) };
    expect(() => registerPortKind({ ...dup, kind: 'loop2', word: 'stream' })).toThrow(/word stream: is claimed by kinds stream and loop2/);
    expect(() => registerPortKind({ ...dup, kind: 'tap', word: 'tap2' })).toThrow(/port kind tap is registered twice/);
    expect(() => registerPortKind({ ...dup, kind: 'bare2' })).toThrow(/kinds dev and bare2 both take bare names/);
  });
});
