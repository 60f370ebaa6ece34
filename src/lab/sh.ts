// Running system tools (ip, ping, tcpdump…) asynchronously, so a bridge in the same process keeps
// forwarding while they run; errors carry the command and its stderr.
import { execFile, type ChildProcess } from 'node:child_process';

export class CommandError extends Error {
  constructor(readonly cmd: string, readonly code: number | null, readonly stdout: string, readonly stderr: string) {
    super(`${cmd} failed (exit ${code}): ${stderr.trim() || stdout.trim()}`);
  }
}

export interface ShResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ShOptions {
  /** Killed (SIGKILL) after this long; a command that overruns is hung, not slow. */
  timeoutMs?: number;
  /** Resolve with the exit code instead of rejecting when the command fails. */
  allowFail?: boolean;
}

/**
 * Runs cmd with args (no shell). `started` sees the child while it runs, so a caller that tracks
 * PIDs (Lab) can kill it if the test ends first.
 */
export function sh(cmd: string, args: string[], opts: ShOptions = {}, started?: (child: ChildProcess) => void): Promise<ShResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      if (err && !opts.allowFail) reject(new CommandError([cmd, ...args].join(' '), code, String(stdout), String(stderr)));
      else resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
    started?.(child);
  });
}
