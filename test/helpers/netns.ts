// Test helper for real kernel objects: network namespaces, veth pairs and processes inside
// them, all named with a per-test prefix and tracked so cleanup() removes exactly what this
// sandbox made (and kills only the PIDs it started), even after a failed test.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Whether namespaces and TAPs can be made here (root, /dev/net/tun, `ip`). */
export function canUseNetns(): boolean {
  if (!isRoot()) return false;
  try {
    if (!readdirSync('/dev/net').includes('tun')) return false;
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

let sandboxCounter = 0;

/**
 * One test's (or one file's) namespaces and devices. Names are `<prefix><suffix>`, where the
 * prefix is `sbn<pid><letter>` by default, and must fit IFNAMSIZ (15 characters).
 */
export class NetnsSandbox {
  readonly prefix: string;
  private readonly namespaces = new Set<string>();
  /** Links in the root namespace to delete (veth ends, TAPs made with `ip tuntap`). */
  private readonly links = new Set<string>();
  private readonly procs = new Set<ChildProcess>();

  constructor(prefix?: string) {
    this.prefix = prefix ?? `sbn${process.pid}${String.fromCharCode(97 + (sandboxCounter++ % 26))}`;
    if (this.prefix.length > 12) throw new Error(`netns prefix '${this.prefix}' leaves too little room in 15 characters`);
  }

  /** prefix + suffix, checked against the 15-character interface name limit. */
  name(suffix: string): string {
    const n = this.prefix + suffix;
    if (n.length > 15) throw new Error(`name '${n}' is longer than 15 characters`);
    return n;
  }

  /** Runs a command in the root namespace; throws with its stderr when it fails. */
  sh(cmd: string, args: string[]): string {
    try {
      return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).toString();
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.toString().trim() || e.message}`);
    }
  }

  ip(...args: string[]): string {
    return this.sh('ip', args);
  }

  /** Creates namespace prefix+suffix with lo up. */
  addNs(suffix: string): string {
    const ns = this.name(suffix);
    this.ip('netns', 'add', ns);
    this.namespaces.add(ns);
    this.ip('-n', ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** Deletes a namespace now (its devices go with it). */
  delNs(ns: string): void {
    this.ip('netns', 'del', ns);
    this.namespaces.delete(ns);
  }

  /** Tracks a root-namespace link this sandbox should delete on cleanup (e.g. a persistent TAP). */
  trackLink(name: string): void {
    this.links.add(name);
  }

  /** Deletes a tracked root-namespace link now. */
  delLink(name: string): void {
    this.ip('link', 'del', name);
    this.links.delete(name);
  }

  /**
   * A veth pair prefix+a / prefix+b. Each end stays in the root namespace or goes to the given
   * namespace; ends moved into a namespace get `up` there, root ends are brought up too.
   */
  addVeth(a: string, b: string, opts: { nsA?: string; nsB?: string } = {}): { a: string; b: string } {
    const na = this.name(a);
    const nb = this.name(b);
    this.ip('link', 'add', na, 'type', 'veth', 'peer', 'name', nb);
    this.links.add(na);
    if (opts.nsA) this.moveLink(na, opts.nsA);
    if (opts.nsB) this.moveLink(nb, opts.nsB);
    this.ip(...(opts.nsA ? ['-n', opts.nsA] : []), 'link', 'set', na, 'up');
    this.ip(...(opts.nsB ? ['-n', opts.nsB] : []), 'link', 'set', nb, 'up');
    return { a: na, b: nb };
  }

  /**
   * A kernel bridge prefix+suffix (in ns, or the root namespace), up, optionally with STP on:
   * the reference peer for interoperability tests.
   */
  addBridge(suffix: string, opts: { ns?: string; stp?: boolean } = {}): string {
    const br = this.name(suffix);
    const nsArgs = opts.ns ? ['-n', opts.ns] : [];
    this.ip(...nsArgs, 'link', 'add', br, 'type', 'bridge', ...(opts.stp ? ['stp_state', '1'] : []));
    if (!opts.ns) this.links.add(br);
    this.ip(...nsArgs, 'link', 'set', br, 'up');
    return br;
  }

  /** A persistent TAP prefix+suffix made with `ip tuntap` (root namespace), tracked for cleanup. */
  addPersistentTap(suffix: string): string {
    const tap = this.name(suffix);
    this.ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
    this.links.add(tap);
    return tap;
  }

  /** Moves a root-namespace link into ns (after which deleting ns deletes it). */
  moveLink(link: string, ns: string): void {
    this.ip('link', 'set', link, 'netns', ns);
    this.links.delete(link);
  }

  /** Adds an address and brings the link up inside ns. */
  addrUp(ns: string, link: string, cidr: string): void {
    this.ip('-n', ns, 'addr', 'add', cidr, 'dev', link);
    this.ip('-n', ns, 'link', 'set', link, 'up');
  }

  /** Runs a command inside ns; resolves with its exit code and output (never rejects). */
  exec(ns: string, cmd: string, args: string[], timeoutMs = 30_000): Promise<ExecResult> {
    return new Promise((resolve) => {
      const child = execFile('ip', ['netns', 'exec', ns, cmd, ...args], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        this.procs.delete(child);
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      this.procs.add(child);
    });
  }

  /** Synchronous exec inside ns (throws on failure). */
  execSync(ns: string, cmd: string, args: string[]): string {
    return this.sh('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** Starts a long-running process inside ns (iperf3 -s, ping -f …), killed by cleanup(). */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.add(child);
    child.on('exit', () => this.procs.delete(child));
    return child;
  }

  /** Kills one process this sandbox started, by its PID, and waits for it to exit. */
  async kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(child.pid, signal);
    } catch {
      return;
    }
    const t = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 2000);
    await exited;
    clearTimeout(t);
  }

  /**
   * Kills what it started (by PID; `ip netns exec` execs the command, so the PID is the
   * command's), then deletes its links and namespaces. Never throws; returns what failed.
   */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all([...this.procs].map((p) => this.kill(p, 'SIGKILL')));
    this.procs.clear();
    for (const l of this.links) {
      try {
        if (linkExists(l)) this.ip('link', 'del', l);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    this.links.clear();
    for (const ns of this.namespaces) {
      try {
        this.ip('netns', 'del', ns);
      } catch (err) {
        if (nsExists(ns)) problems.push((err as Error).message);
      }
    }
    this.namespaces.clear();
    // The kernel tears namespaces down asynchronously: wait (briefly) until their devices and
    // the veth ends they took along are really gone.
    const end = Date.now() + 3000;
    for (;;) {
      const left = this.leftovers();
      if (left.namespaces.length === 0 && left.links.length === 0) break;
      if (Date.now() > end) {
        problems.push(`still present after cleanup: ${[...left.namespaces, ...left.links].join(', ')}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return problems;
  }

  /** What this sandbox still tracks (for assertions that cleanup is complete). */
  leftovers(): { namespaces: string[]; links: string[] } {
    return {
      namespaces: listNamespaces().filter((n) => n.startsWith(this.prefix)),
      links: listLinks().filter((n) => n.startsWith(this.prefix)),
    };
  }
}

export function listNamespaces(): string[] {
  try {
    return execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' })
      .toString()
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

/** Interface names in the root namespace. */
export function listLinks(): string[] {
  try {
    return execFileSync('ip', ['-o', 'link', 'show'], { stdio: 'pipe' })
      .toString()
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
      .filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

export function linkExists(name: string): boolean {
  return listLinks().includes(name);
}

export function nsExists(name: string): boolean {
  return listNamespaces().includes(name);
}

/**
 * Removes namespaces and root links left by earlier runs of this helper that crashed: names
 * `sbn<pid><letter>…` whose pid is no longer alive. Objects of live processes are untouched.
 */
export function sweepStale(): string[] {
  const removed: string[] = [];
  const dead = (name: string): boolean => {
    const m = /^sbn(\d+)[a-z]/.exec(name);
    if (!m) return false;
    const pid = Number(m[1]);
    if (pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  for (const l of listLinks()) {
    if (!dead(l)) continue;
    try {
      execFileSync('ip', ['link', 'del', l], { stdio: 'pipe' });
      removed.push(l);
    } catch {
      // its peer's deletion may have taken it already
    }
  }
  for (const ns of listNamespaces()) {
    if (!dead(ns)) continue;
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
      removed.push(ns);
    } catch {
      // ignore
    }
  }
  return removed;
}
