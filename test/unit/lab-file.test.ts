// The lab file's schema and cross-checks: a good file normalises into one LabSpec; each kind of
// mistake is reported with file:line, the key and what is allowed. Every example parses.
import { describe, it, expect } from 'vitest';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseLab, loadLab } from '../../src/lab/builder/schema.js';
import { UserError } from '../../src/user-error.js';
import { REPO } from '../helpers/softbr.js';

const err = (text: string): string => {
  try {
    parseLab(text, 'lab.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('lab file was accepted');
};

const base = 'name: t\nbridges:\n  br0:\n    ageing: 10\nhosts:\n  h1:\n    interfaces:\n      eth0: 10.5.0.1/24\n    routes:\n      - default via 10.5.0.254\nlinks:\n  - [br0, h1:eth0]\n';

describe('lab file', () => {
  it('normalises bridges, hosts and links', () => {
    const s = parseLab(base, 'lab.yaml');
    expect(s.name).toBe('t');
    expect([...s.bridges]).toEqual([['br0', { ageing: 10 }]]);
    expect(s.hosts.get('h1')).toMatchObject({ interfaces: new Map([['eth0', { addresses: ['10.5.0.1/24'], mac: undefined }]]), routes: [['default', 'via', '10.5.0.254']], forwarding: false });
    expect(s.links).toEqual([[{ kind: 'bridge', bridge: 'br0' }, { kind: 'host', host: 'h1', ifname: 'eth0' }]]);
  });

  it('names the line and key of an unknown key, a bad value and a bad bridge setting', () => {
    expect(err(base.replace('    routes:', '    route:'))).toBe("lab.yaml:9: hosts.h1: unknown key 'route'");
    expect(err(base.replace('10.5.0.1/24', '10.5.0.1'))).toBe('lab.yaml:8: hosts.h1.interfaces.eth0: expected an IPv4 address with its prefix length, like 10.5.0.1/24');
    expect(err(base.replace('ageing: 10', 'ageing: -1'))).toBe('lab.yaml:4: bridges.br0.ageing: must be 0–1000000 (seconds, 0 = hub mode)');
    expect(err(base.replace('    ageing: 10', '    local: true'))).toBe("lab.yaml:4: bridges.br0: unknown key 'local'");
    expect(err(base.replace('name: t', 'name: T_1'))).toMatch(/^lab.yaml:1: name: lab name: 1–32 lower-case/);
    expect(err(base + 'oops: [\n')).toMatch(/^lab.yaml:1[34]: YAML syntax error/);
  });

  it('a link to a bridge or host that does not exist, or twice the same interface, is refused at its line', () => {
    expect(err(base.replace('[br0, h1:eth0]', '[br1, h1:eth0]'))).toBe("lab.yaml:12: links.0.0: no bridge 'br1' (bridges: br0; a host's end is HOST:INTERFACE)");
    expect(err(base.replace('[br0, h1:eth0]', '[br0, h2:eth0]'))).toBe("lab.yaml:12: links.0.1: no host 'h2' (hosts: h1)");
    expect(err(base + '  - [br0, h1:eth0]\n')).toBe('lab.yaml:13: links.1.1: host h1 already has an interface eth0');
    expect(err(base.replace('[br0, h1:eth0]', '[br0, br0]'))).toBe('lab.yaml:12: links.0: a link from bridge br0 to itself');
  });

  it('an address on an interface no link makes is refused, naming the fix', () => {
    expect(err(base.replace('      eth0: 10.5.0.1/24', '      eth1: 10.5.0.1/24'))).toBe('lab.yaml:8: hosts.h1.interfaces.eth1: host h1 has no interface eth1: add a link [BRIDGE, h1:eth1] (its interfaces: lo, eth0)');
  });

  it('commands are plain words (no shell quoting), files stay inside the lab directory', () => {
    expect(err(base.replace('    routes:\n      - default via 10.5.0.254\n', '    run:\n      - echo "$HOME"\n'))).toMatch(/^lab.yaml:10: hosts.h1.run.0: a command line of plain words/);
    expect(err(base.replace('    routes:\n      - default via 10.5.0.254\n', '    files:\n      ../x: hi\n'))).toMatch(/^lab.yaml:10: hosts.h1.files.\.\.\/x: a path inside the lab's directory/);
  });

  it('every example parses', () => {
    const dirs = readdirSync(join(REPO, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(dirs.length).toBeGreaterThanOrEqual(4);
    for (const d of dirs) {
      for (const f of readdirSync(join(REPO, 'examples', d.name)).filter((x) => x.endsWith('.yaml'))) {
        expect(() => loadLab(join(REPO, 'examples', d.name, f)), `${d.name}/${f}`).not.toThrow();
      }
      expect(existsSync(join(REPO, 'examples', d.name, 'README.md')), `${d.name}/README.md`).toBe(true);
    }
  });
});
