// examples/libvirt/: every domain names the `softbr addif` line that goes with it, that line's
// port spec is valid, and its kind is the one that talks to the interface the domain declares.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { portSpec } from '../../src/control/port-kinds/index.js';

const DIR = new URL('../../examples/libvirt/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.xml')).sort();

/** What softbr must be for each libvirt interface type (or QEMU -netdev, through qemu:commandline). */
const expected: Record<string, (s: ReturnType<typeof portSpec>) => boolean> = {
  ethernet: (s) => s.kind === 'dev',
  server: (s) => s.kind === 'stream' && s.connect === true && s.port !== undefined,
  client: (s) => s.kind === 'stream' && s.connect === undefined && s.port !== undefined,
  udp: (s) => s.kind === 'dgram',
  stream: (s) => s.kind === 'stream' && s.connect === true && s.path !== undefined,
  vde: (s) => s.kind === 'vde',
};

describe('examples/libvirt', () => {
  it('has a domain for each way in', () => {
    expect(files).toEqual(['client.xml', 'ethernet.xml', 'server.xml', 'stream-vde.xml', 'udp.xml']);
  });

  it.each(files)('%s: its softbr addif lines parse, with the kind its interfaces need', (f) => {
    const xml = readFileSync(new URL(f, DIR), 'utf8');
    expect(xml).toMatch(/^<!--[\s\S]*?-->\n<domain type='kvm'[^>]*>[\s\S]*<\/domain>\n$/);
    const specs = [...xml.matchAll(/softbr addif virbr0 (\S+)/g)].map((m) => portSpec(m[1]!));
    const ways = [
      ...[...xml.matchAll(/<interface type='(\w+)'>/g)].map((m) => m[1]!),
      ...[...xml.matchAll(/<qemu:arg value='(stream|vde),/g)].map((m) => m[1]!),
    ];
    expect(specs.length).toBe(ways.length);
    ways.forEach((w, i) => expect(expected[w]!(specs[i]!), `${f}: ${w} → ${JSON.stringify(specs[i])}`).toBe(true));
  });

  it('the socket addresses of each domain are the ones its softbr line uses', () => {
    const server = readFileSync(new URL('server.xml', DIR), 'utf8');
    expect(server).toContain("<source address='127.0.0.1' port='5601'/>");
    expect(portSpec('stream:vm2=connect:tcp:127.0.0.1:5601')).toMatchObject({ host: '127.0.0.1', port: 5601 });
    const udp = readFileSync(new URL('udp.xml', DIR), 'utf8');
    // QEMU sends to source (softbr's local port) from local (softbr's remote)
    expect(udp).toMatch(/<source address='127.0.0.1' port='5603'>\s*<local address='127.0.0.1' port='5604'\/>/);
    expect(udp).toContain('dgram:vm4=127.0.0.1:5603@127.0.0.1:5604');
  });
});
