// The bench's process tracking: what a started process forks is ended with it (trafgen's worker
// outlives its parent), by the started PID's process group, and run() reports output and exit.
import { describe, it, expect } from 'vitest';
import { ProcessSet, sleep } from '../../src/benchmark/processes.js';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe('ProcessSet', () => {
  it('stop() ends a child that would outlive its parent', async () => {
    const ps = new ProcessSet();
    const s = ps.start('sh', ['-c', 'sleep 60 & echo $!; trap "exit 0" TERM; wait']);
    await ps.waitUntil(s, 'the child pid', () => /\d+\n/.test(s.stdout()));
    const child = Number(s.stdout().trim());
    expect(alive(child)).toBe(true);
    await ps.stop(s);
    await sleep(50);
    expect(alive(child)).toBe(false);
  });

  it('stopAll() ends what is left of a process whose leader already exited', async () => {
    const ps = new ProcessSet();
    const s = ps.start('sh', ['-c', 'sleep 60 & echo $!']);
    expect(await s.exited).toBe(0);
    const child = Number(s.stdout().trim());
    expect(alive(child)).toBe(true);
    await ps.stopAll();
    await sleep(50);
    expect(alive(child)).toBe(false);
    expect(ps.pids()).toEqual([]);
  });

  it('run() returns stdout apart from stderr, and the exit code', async () => {
    const ps = new ProcessSet();
    const r = await ps.run('sh', ['-c', 'echo out; echo err >&2; exit 3'], 5000);
    expect(r.stdout).toBe('out\n');
    expect(r.output).toContain('err');
    expect(r.exit).toBe(3);
  });

  it('an interrupted sleep rejects at once', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow('interrupted');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
