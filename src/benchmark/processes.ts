// The processes one benchmark run starts (switches, generators, iperf3 servers): spawned here,
// remembered by PID, and ended by PID (SIGTERM, then SIGKILL) — never by name. Everything a run
// starts goes through one ProcessSet, so an interrupted run can end all of it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Started {
  proc: ChildProcess;
  pid: number;
  /** stdout and stderr so far, interleaved */
  output(): string;
  /** stdout alone */
  stdout(): string;
  /** resolves with the exit code (or the signal name) */
  exited: Promise<number | string>;
}

const KILL_AFTER_MS = 5000;

/** Signals the process group led by pid; false when no process of it is left. */
function signalProcessGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try { process.kill(-pid, sig); return true; } catch { return false; }
}

const groupAlive = (pid: number) => signalProcessGroup(pid, 0);

export class ProcessSet {
  private readonly live = new Set<Started>();

  start(cmd: string, args: string[], opts: SpawnOptions = {}): Started {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts, detached: true });
    if (proc.pid === undefined) throw new Error(`cannot start ${cmd}`);
    let out = '';
    let stdout = '';
    proc.stdout?.on('data', (d) => { out += d; stdout += d; });
    proc.stderr?.on('data', (d) => { out += d; });
    const exited = new Promise<number | string>((res) => {
      proc.once('exit', (code, sig) => res(code ?? sig ?? 'unknown'));
      proc.once('error', (e) => res(e.message));
    });
    const s: Started = { proc, pid: proc.pid, output: () => out, stdout: () => stdout, exited };
    this.live.add(s);
    // forgotten once nothing of its group is left; a worker that outlives it is still ended by stopAll()
    void exited.then(() => { if (!groupAlive(s.pid)) this.live.delete(s); });
    return s;
  }

  /** Waits until the process has written `text` (or fails when it exits or time runs out). */
  waitFor(s: Started, text: string, ms = 10_000): Promise<void> {
    return this.waitUntil(s, `'${text}'`, () => s.output().includes(text), ms);
  }

  /** Waits until ready() holds while the process runs; `what` names the wait in the error. */
  async waitUntil(s: Started, what: string, ready: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) throw new Error(`${s.proc.spawnfile} exited before ${what}: ${s.output().trim()}`);
      if (Date.now() > deadline) throw new Error(`${s.proc.spawnfile}: no ${what} after ${ms} ms: ${s.output().trim()}`);
      await sleep(20);
    }
  }

  /** Runs to the end (killed after timeoutMs); the output and how it ended. */
  async run(cmd: string, args: string[], timeoutMs: number, opts: SpawnOptions = {}): Promise<{ stdout: string; output: string; exit: number | string }> {
    const s = this.start(cmd, args, opts);
    const t = setTimeout(() => { void this.stop(s); }, timeoutMs);
    try {
      const exit = await s.exited;
      return { stdout: s.stdout(), output: s.output(), exit };
    } finally {
      clearTimeout(t);
    }
  }

  /**
   * Ends the process and everything it forked: each process starts as the leader of its own
   * process group, so the signal goes to the group (trafgen's worker outlives its parent
   * otherwise). SIGKILL follows when the group is still there after a grace period.
   */
  async stop(s: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    const signalGroup = (sig: NodeJS.Signals | 0) => signalProcessGroup(s.pid, sig);
    signalGroup(signal);
    const t = setTimeout(() => signalGroup('SIGKILL'), KILL_AFTER_MS);
    try {
      const code = await s.exited;
      const deadline = Date.now() + KILL_AFTER_MS;
      while (signalGroup(0) && Date.now() < deadline) await sleep(20);
      signalGroup('SIGKILL');
      return code;
    } finally {
      clearTimeout(t);
      this.live.delete(s);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((s) => this.stop(s).catch(() => undefined)));
  }

  pids(): number[] { return [...this.live].map((s) => s.pid); }
}

/** A pause that ends early, by throwing, when the run is interrupted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new Error('interrupted')); return; }
    const onAbort = () => { clearTimeout(t); reject(new Error('interrupted')); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
