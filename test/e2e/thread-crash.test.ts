// End-to-end: an internal error on the daemon's main thread (the SOFTBR_TEST_CRASH test hook,
// test-hooks.ts) exits 70 with every bridge's devices given back as they were, the bridge threads'
// too: a veth attached by AF_PACKET to a threaded bridge and one attached to a main-thread bridge
// each had GRO turned off by the bridge, and both have it on again after the crash. Root only;
// everything carries the lab's prefix.
import { describe, it, expect, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { ControlClient } from '../../src/control/client.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';
import { TEST_CRASH_ENV } from '../../src/control/test-hooks.js';

const root = isRoot();
const lab = new Lab('tc');
const P = lab.prefix;

async function gro(dev: string): Promise<'on' | 'off'> {
  const r = await sh('ethtool', ['-k', dev]);
  const m = /^generic-receive-offload: (on|off)/m.exec(r.stdout);
  if (m === null) throw new Error(`ethtool -k ${dev}: no generic-receive-offload line:\n${r.stdout}`);
  return m[1] as 'on' | 'off';
}

describe.skipIf(!root)('a crash on the main thread', () => {
  const d = new SoftbrDaemon(P);

  afterAll(async () => {
    await d.stop();
    // stop() removes the daemon's directory only when it ended the daemon itself
    rmSync(d.dir, { recursive: true, force: true });
    await lab.cleanup();
  });

  it('exits 70 having given back the devices of every bridge, a threaded one\'s too', async () => {
    const ns = await lab.addNamespace('n');
    const devs: string[] = [];
    for (const side of ['t', 'm']) {
      const { a } = await lab.addVeth(`${side}0`, `${side}1`, { nsB: ns, up: true });
      await sh('ethtool', ['-K', a, 'gro', 'on']);
      expect(await gro(a), a).toBe('on');
      devs.push(a);
    }
    const [onThread, onMain] = devs as [string, string];
    await d.start({ env: { ...process.env, [TEST_CRASH_ENV]: '1' } });
    await d.ok('addbr', `${P}t`, '--thread');
    await d.ok('addbr', `${P}m`);
    await d.ok('addif', `${P}t`, onThread);
    await d.ok('addif', `${P}m`, onMain);
    // the AF_PACKET ports turned GRO off: the crash path has something to give back
    expect(await gro(onThread), onThread).toBe('off');
    expect(await gro(onMain), onMain).toBe('off');

    const exited = new Promise<number | null>((r) => d.proc!.once('exit', (code) => r(code)));
    const c = await ControlClient.connect(d.control);
    try {
      expect(await c.request('test-crash')).toBeNull();
    } finally {
      c.close();
    }
    expect(await exited, d.log).toBe(70);
    expect(d.log).toContain('internal error, shutting down: Error: test hook: a crash on the main thread');
    expect(await gro(onMain), onMain).toBe('on');
    expect(await gro(onThread), `${onThread} (on the bridge thread)`).toBe('on');
  }, 30_000);
});
