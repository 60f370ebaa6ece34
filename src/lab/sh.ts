// Running system tools (ip, ping, tcpdump…) asynchronously, so a bridge in the same process keeps
// forwarding while they run; errors carry the command and its stderr.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

export class CommandError extends Error {
  constructor(readonly cmd: string, readonly code: number | null, readonly stdout: string, readonly stderr: string) {
    super(`${cmd} failed (exit ${code}): ${stderr.trim() || stdout.trim()}`);
  }
}

export function sh(cmd: string, args: string[], opts: { timeoutMs?: number; allowFail?: boolean } = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      if (err && !opts.allowFail) reject(new CommandError([cmd, ...args].join(' '), code, String(stdout), String(stderr)));
      else resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}

/** `ip netns exec NS cmd args…` */
export function nsExec(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number; allowFail?: boolean } = {}) {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Starts a long-running process inside a namespace; the caller ends it by its PID. */
export function nsSpawn(ns: string, cmd: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
