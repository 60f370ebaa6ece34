// End-to-end: the running state survives a restart through `softbr config save`. A bridge is
// built by CLI verbs, saved, and a fresh daemon started from the saved file shows the same config,
// the same bridges, the same static and local FDB rows and the same STP settings.
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { SoftbrDaemon, BIN, REPO } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';

const root = isRoot();
const lab = new Lab('cf');
const P = lab.prefix;
const BR = `${P}b`;
const BR2 = `${P}c`;
const [T1, T2, T3] = [`${P}t1`, `${P}t2`, `${P}t3`];

/** What a restart must keep of `showstp --json`: settings, not timers or elected state. */
function stpSettings(j: string) {
  const s = JSON.parse(j) as { bridgeId: string; bridgeMaxAge: number; bridgeHelloTime: number; bridgeForwardDelay: number; ageingTime: number; ports: { name: string; portNo: number; portId: string; pathCost: number; hairpinMode?: boolean }[] };
  return {
    bridgeId: s.bridgeId, maxAge: s.bridgeMaxAge, hello: s.bridgeHelloTime, fd: s.bridgeForwardDelay, ageing: s.ageingTime,
    ports: s.ports.map((p) => ({ name: p.name, no: p.portNo, id: p.portId, cost: p.pathCost, hairpin: p.hairpinMode ?? false })),
  };
}

describe.skipIf(!root)('config save and restore', () => {
  const dir = mkdtempSync(join(tmpdir(), `softbr-${P}-`));
  const file = join(dir, 'softbr.yaml');
  const first = new SoftbrDaemon(`${P}a`);
  const second = new SoftbrDaemon(`${P}z`);

  afterAll(async () => {
    await first.stop();
    await second.stop();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a daemon started from the saved file has the state the CLI built', async () => {
    await first.start();
    await first.ok('addbr', BR);
    await first.ok('addbr', BR2, '--no-local', '--mac', '02:00:00:00:c2:01');
    await first.ok('addif', BR, `tap:${T1}`, `tap:${T2}`);
    await first.ok('addif', BR2, `tap:${T3}`);
    await first.ok('stp', BR, 'on');
    await first.ok('setbridgeprio', BR, '4096');
    await first.ok('sethello', BR, '3');
    await first.ok('setmaxage', BR, '12');
    await first.ok('setfd', BR, '6');
    await first.ok('setpathcost', BR, T1, '7');
    await first.ok('setportprio', BR, T2, '40');
    await first.ok('hairpin', BR, T2, 'on');
    await first.ok('setportflag', BR, T1, 'learning', 'off');
    await first.ok('setportflag', BR2, T3, 'flood', 'off');
    await first.ok('setageing', BR, '120');
    await first.ok('fdb', 'add', '02:00:00:00:00:99', 'dev', T1, 'static');
    await first.ok('fdb', 'add', '02:00:00:00:00:98', 'dev', T3, 'static');

    // an old file is kept as .bak; the new one replaces it whole
    writeFileSync(file, '# the previous config\nbridges: {}\n');
    expect(await first.ok('config', 'save', file)).toContain(`${file}.bak`);
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe('# the previous config\nbridges: {}\n');
    const shown = await first.ok('config', 'show');
    expect(readFileSync(file, 'utf8')).toBe(shown);
    expect(shown).toContain('static:');

    const views = async (d: SoftbrDaemon) => ({
      config: await d.ok('config', 'show'),
      show: await d.ok('show'),
      macs: await d.ok('showmacs', BR),
      macs2: await d.ok('showmacs', BR2),
      statics: await d.ok('fdb', 'show'),
      stp: stpSettings(await d.ok('showstp', BR, '--json')),
      links: await d.ok('link', 'show', '-d'),
    });
    const before = await views(first);
    // the bash completion offers this daemon's bridges where a verb takes one
    const script = `source ${JSON.stringify(join(REPO, 'completion/softbr.bash'))}; COMP_WORDS=(${JSON.stringify(BIN)} --control ${JSON.stringify(first.control)} showmacs ''); COMP_CWORD=4; _softbr; printf '%s\\n' "\${COMPREPLY[@]}"`;
    expect(execFileSync('bash', ['--norc', '-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual([BR, BR2].sort());
    expect(await first.stop()).toBe(0);

    await second.start({ configFile: file });
    const after = await views(second);
    expect(after.config).toBe(before.config);
    expect(after.show).toBe(before.show);
    // local rows too: the MACs softbr chose for the TAP ports are part of the saved state
    const keep = (t: string) => t.split('\n').filter((l) => /\byes\b/.test(l)).join('\n');
    expect(keep(after.macs)).toBe(keep(before.macs));
    expect(keep(after.macs2)).toBe(keep(before.macs2));
    const statics = (t: string) => t.split('\n').filter((l) => / static$|static /.test(l)).sort();
    expect(statics(after.statics)).toEqual(statics(before.statics));
    expect(statics(before.statics)).toHaveLength(2);
    expect(after.stp).toEqual(before.stp);
    expect(before.stp).toMatchObject({ maxAge: 12, hello: 3, fd: 6, ageing: 120 });
    const flagsOnly = (t: string) => t.replace(/state \S+/g, '');
    expect(flagsOnly(after.links)).toBe(flagsOnly(before.links));
  });

  it('saves to the daemon\'s own -c file by default and refuses a daemon without one', async () => {
    const r = await second.cli('config', 'save');
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(`${file}.bak`)).toBe(true);
    const bare = new SoftbrDaemon(`${P}n`);
    await bare.start();
    try {
      const n = await bare.cli('config', 'save');
      expect(n.code).toBe(2);
      expect(n.stderr).toContain('started without -c');
    } finally {
      await bare.stop();
    }
  });
});
