// The lab helper itself on real kernel objects (root only): cleanup() removes exactly what its lab
// made and kills only the processes it started, also when the body that made them threw; the
// stale sweep removes what dead owners left and nothing of live owners or of other names.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { Lab, labPrefix, sweepStale } from '../../src/lab/netns.js';
import { canUseNetns, linkExists, listLinks, listNamespaces, nsExists } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';

const usable = canUseNetns();
if (!usable) console.warn('lab e2e SKIPPED: needs root, /dev/net/tun and iproute2');

const running = (p: ChildProcess): boolean => p.exitCode === null && p.signalCode === null;

/** A process that has come and gone: its pid names a dead owner. */
async function deadPid(): Promise<number> {
  const p = spawn('true');
  await new Promise((r) => p.once('exit', r));
  return p.pid!;
}

describe.skipIf(!usable)('the lab helper on real namespaces (root)', () => {
  // what the tests make outside any lab, removed by name (and PID) at the end whatever happened
  const strays = { links: new Set<string>(), namespaces: new Set<string>(), procs: new Set<ChildProcess>() };
  // every lab a test makes, cleaned again if its test failed before doing so (a second cleanup is a no-op)
  const labs: Lab[] = [];
  const newLab = (tag: string): Lab => {
    const l = new Lab(tag);
    labs.push(l);
    return l;
  };
  afterAll(async () => {
    for (const l of labs) await l.cleanup();
    for (const p of strays.procs) if (p.pid !== undefined && running(p)) process.kill(p.pid, 'SIGKILL');
    for (const l of strays.links) await sh('ip', ['link', 'del', l], { allowFail: true });
    for (const ns of strays.namespaces) await sh('ip', ['netns', 'del', ns], { allowFail: true });
  });

  it('cleanup after a throwing body removes what the lab made and kills its processes, nothing else', async () => {
    const lab = newLab('la');
    const other = newLab('lb');
    let made: { ns: string; inner: string; veth: { a: string; b: string }; br: string; tap: string } | undefined;
    let server: ChildProcess | undefined;
    let execRun: Promise<unknown> | undefined;
    // someone else's objects: a link with the lab's own prefix it did not make, another lab's
    // namespace, and a process that is not the lab's
    const foreign = lab.name('fx');
    await sh('ip', ['tuntap', 'add', 'dev', foreign, 'mode', 'tap']);
    strays.links.add(foreign);
    const otherNs = await other.addNamespace('h');
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    strays.procs.add(stranger);

    const body = async (): Promise<void> => {
      const ns = await lab.addNamespace('h');
      const inner = await lab.addNamespace('i');
      const veth = await lab.addVeth('v0', 'v1', { nsB: ns, up: true });
      const br = await lab.addBridge('br');
      const tap = await lab.addPersistentTap('tp');
      made = { ns, inner, veth, br, tap };
      // a process inside ns keeps the namespace (and the veth end in it) alive until it is killed
      server = lab.spawn(ns, 'sleep', ['60']);
      execRun = lab.exec(inner, 'sleep', ['60'], { allowFail: true });
      await new Promise((r) => setTimeout(r, 200));
      expect(await nsExists(ns)).toBe(true);
      throw new Error('the test body failed here');
    };
    await expect(body()).rejects.toThrow('the test body failed here');

    const problems = await lab.cleanup();
    expect(problems).toEqual([]);
    const { ns, inner, veth, br, tap } = made!;
    const links = await listLinks();
    const namespaces = await listNamespaces();
    for (const l of [veth.a, veth.b, br, tap]) expect(links, l).not.toContain(l);
    for (const n of [ns, inner]) expect(namespaces, n).not.toContain(n);
    expect(running(server!)).toBe(false);
    await execRun; // resolved: its `sleep 60` was killed, not waited for
    // what it did not make is still there
    expect(links).toContain(foreign);
    expect(namespaces).toContain(otherNs);
    expect(running(stranger)).toBe(true);
    expect(await lab.leftovers()).toEqual({ namespaces: [], links: [foreign] });

    expect(await other.cleanup()).toEqual([]);
    expect(await nsExists(otherNs)).toBe(false);
    await sh('ip', ['link', 'del', foreign]);
    strays.links.delete(foreign);
    process.kill(stranger.pid!, 'SIGKILL');
  });

  it('kill() ends one of its processes by PID and leaves the rest running', async () => {
    const lab = newLab('lk');
    const ns = await lab.addNamespace('h');
    const a = lab.spawn(ns, 'sleep', ['60']);
    const b = lab.spawn(ns, 'sleep', ['60']);
    await new Promise((r) => setTimeout(r, 200));
    await lab.kill(a);
    expect(a.signalCode).toBe('SIGTERM');
    expect(running(b)).toBe(true);
    expect(await lab.cleanup()).toEqual([]);
    expect(b.signalCode).toBe('SIGKILL');
    expect(await nsExists(ns)).toBe(false);
  });

  it('a namespace deleted early and a link deleted early are not deleted twice', async () => {
    const lab = newLab('ld');
    const ns = await lab.addNamespace('h');
    const tap = await lab.addPersistentTap('tp');
    await lab.deleteNamespace(ns);
    await lab.deleteLink(tap);
    await expect(lab.deleteNamespace(ns)).rejects.toThrow(`namespace ${ns} was not made by lab ${lab.prefix}`);
    await expect(lab.deleteLink(tap)).rejects.toThrow(`link ${tap} is not tracked by lab ${lab.prefix}`);
    expect(await lab.cleanup()).toEqual([]);
  });

  it('the stale sweep removes what dead owners left, and nothing of live owners or other names', async () => {
    const dead = await deadPid();
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    strays.procs.add(sleeper);
    const names = {
      deadLink: `${labPrefix('lz', dead)}v0`,
      deadPeer: `${labPrefix('lz', dead)}v1`,
      deadDigits: `${labPrefix('lz', dead)}12`,
      deadNs: `${labPrefix('lz', dead)}h`,
      liveLink: `${labPrefix('lz', sleeper.pid!)}v0`,
      liveNs: `${labPrefix('lz', sleeper.pid!)}h`,
      mineLink: `${labPrefix('ly')}v0`,
      otherLink: `sbz${dead}x`, // not the scheme: no fixed-width pid
    };
    const addLink = async (n: string, peer?: string) => {
      await sh('ip', peer ? ['link', 'add', n, 'type', 'veth', 'peer', 'name', peer] : ['tuntap', 'add', 'dev', n, 'mode', 'tap']);
      strays.links.add(n);
    };
    await addLink(names.deadLink, names.deadPeer);
    await addLink(names.deadDigits);
    await addLink(names.liveLink);
    await addLink(names.mineLink);
    await addLink(names.otherLink);
    for (const ns of [names.deadNs, names.liveNs]) {
      await sh('ip', ['netns', 'add', ns]);
      strays.namespaces.add(ns);
    }

    const removed = await sweepStale();
    // a veth's peer goes with it, so either end may be the one the sweep deleted
    expect(removed).toEqual(expect.arrayContaining([names.deadDigits, names.deadNs]));
    expect(removed.filter((n) => n === names.deadLink || n === names.deadPeer)).toHaveLength(1);
    for (const n of [names.liveLink, names.liveNs, names.mineLink, names.otherLink]) expect(removed).not.toContain(n);
    for (const n of [names.deadLink, names.deadPeer, names.deadDigits]) expect(await linkExists(n), n).toBe(false);
    expect(await nsExists(names.deadNs)).toBe(false);
    for (const n of [names.liveLink, names.mineLink, names.otherLink]) expect(await linkExists(n), n).toBe(true);
    expect(await nsExists(names.liveNs)).toBe(true);

    // once the live owner is gone, its leftovers are stale too
    process.kill(sleeper.pid!, 'SIGKILL');
    await new Promise((r) => sleeper.once('exit', r));
    expect((await sweepStale()).sort()).toEqual(expect.arrayContaining([names.liveLink, names.liveNs].sort()));
    expect(await linkExists(names.liveLink)).toBe(false);
    expect(await nsExists(names.liveNs)).toBe(false);
    expect(await linkExists(names.mineLink)).toBe(true);
  });
});
