// softbr's tables next to the kernel tools' on the same topology: a kernel bridge (in its own
// namespace, so it can carry the same names) and a softbr bridge, each with two hosts that ping
// each other. After normalising addresses, ids and timer digits, the outputs must be identical.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';

const lab = new Lab('k');
const P = lab.prefix;
const BR = `${P}br`;

/** MACs → MAC, bridge ids → ID, digits of timers → 9, keeping every TAB and space. */
function norm(text: string): string[] {
  return text.split('\n')
    .map((l) => l.replace(/[0-9a-f]{2}(:[0-9a-f]{2}){5}/g, 'MAC').replace(/\b[0-9a-f]{4}\.[0-9a-f]{12}\b/g, 'ID').replace(/\d+\.\d\d$/, (m) => m.replace(/\d/g, '9')).replace(/used \d+\/\d+/, 'used N/N'))
    .sort();
}

describe.skipIf(!isRoot())('tables match brctl and bridge on a kernel bridge', () => {
  const d = new SoftbrDaemon(P);
  let kns = '';

  beforeAll(async () => {
    // the kernel side: bridge BR in namespace K with veth ports t1, t2 to hosts k1, k2
    kns = await lab.addNamespace('K');
    await lab.exec(kns, 'ip', ['link', 'add', BR, 'type', 'bridge']);
    await lab.exec(kns, 'ip', ['link', 'set', BR, 'up']);
    // softbr side: bridge BR in the root namespace with TAP ports t1, t2 to hosts s1, s2
    await d.start();
    await d.ok('addbr', BR, '--no-local');
    for (const i of [1, 2]) {
      const port = `${P}t${i}`;
      const kh = await lab.addNamespace(`k${i}`);
      await lab.exec(kns, 'ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', kh]);
      await lab.exec(kns, 'ip', ['link', 'set', port, 'master', BR, 'up']);
      await lab.exec(kh, 'ip', ['addr', 'add', `10.205.0.${i}/24`, 'dev', 'eth0']);
      await lab.exec(kh, 'ip', ['link', 'set', 'eth0', 'up']);
      const shost = await lab.addNamespace(`s${i}`);
      await d.ok('addif', BR, `tap:${port}`);
      await lab.plug(port, shost, { rename: 'eth0', cidr: `10.205.0.${i}/24` });
    }
    // wait for the kernel bridge's ports to forward (STP off: immediately once carrier is up)
    await new Promise((r) => setTimeout(r, 300));
    for (const h of ['k1', 's1']) {
      const r = await lab.exec(lab.name(h), 'ping', ['-c', '2', '-i', '0.2', '-W', '2', '10.205.0.2'], { allowFail: true });
      expect(r.code, r.stdout).toBe(0);
    }
  });

  afterAll(async () => {
    await d.stop();
    await lab.cleanup();
  });

  it('show is laid out as brctl show', async () => {
    const k = (await lab.exec(kns, 'brctl', ['show'])).stdout;
    const s = await d.ok('show');
    expect(norm(s)).toEqual(norm(k));
    expect(s).toContain('\t');
  });

  it('showmacs is laid out as brctl showmacs', async () => {
    const k = (await lab.exec(kns, 'brctl', ['showmacs', BR])).stdout;
    const s = await d.ok('showmacs', BR);
    expect(norm(s)).toEqual(norm(k));
    expect(s.split('\n').length).toBeGreaterThan(4);
  });

  it('fdb show and fdb show -s match bridge fdb show for the bridge entries', async () => {
    for (const flags of [[], ['-s']]) {
      const k = (await lab.exec(kns, 'bridge', [...flags, 'fdb', 'show'])).stdout.split('\n').filter((l) => l.includes(' master ')).join('\n');
      const s = await d.ok('fdb', 'show', ...flags);
      expect(norm(s).filter((l) => l)).toEqual(norm(k).filter((l) => l));
    }
  });

  it('fdb show -j has the keys of bridge -j fdb show', async () => {
    const k = JSON.parse((await lab.exec(kns, 'bridge', ['-j', 'fdb', 'show'])).stdout) as Record<string, unknown>[];
    const s = JSON.parse(await d.ok('fdb', 'show', '-j')) as Record<string, unknown>[];
    const keys = (rows: Record<string, unknown>[]) => [...new Set(rows.filter((r) => r['master']).map((r) => Object.keys(r).join(',')))].sort();
    expect(keys(s)).toEqual(keys(k));
  });

  it('link show is laid out as bridge link show', async () => {
    const k = (await lab.exec(kns, 'bridge', ['-d', 'link', 'show'])).stdout;
    const s = await d.ok('link', 'show', '-d');
    // ifindex and the veth peer (@ifN, or a name when N happens to exist here) differ by construction
    const strip = (t: string) => norm(t.replace(/^\d+: /gm, 'N: ').replace(/@[^:]+:/g, ':'));
    expect(strip(s)).toEqual(strip(k));
  });
});
