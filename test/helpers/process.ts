// Processes a test started itself (QEMU, testpmd, a softbr daemon): ending one (a signal by its
// PID, SIGKILL if it outlives the grace time, and a wait for its exit), and reading its resident memory.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The process's resident memory (VmRSS) in KiB; throws when /proc has none for it (gone, or a kernel thread). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Resolves with the exit code (null when it died by a signal); at once if it has already exited. */
export async function endProcess(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return p.exitCode;
  const done = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
  const code = await done;
  clearTimeout(t);
  return code;
}
