// Ending a process a test started itself (QEMU, testpmd, a softbr daemon): a signal by its PID,
// SIGKILL if it outlives the grace time, and a wait for its exit.
import type { ChildProcess } from 'node:child_process';

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
