// A lab of real kernel objects for the demo and the e2e tests: network namespaces, veth pairs,
// kernel bridges, TAPs, and commands or background processes inside namespaces. Everything is
// named `sb<tag><pid>` + a suffix and tracked, so cleanup() removes exactly what this lab made and
// kills only the PIDs it started (also after a failed test), and sweepStale() can tell the
// leftovers of a crashed run (its pid is gone) from the objects of a live one.
import type { ChildProcess } from 'node:child_process';
import { spawn as spawnChild } from 'node:child_process';
import { sh, type ShOptions, type ShResult } from './sh.js';
import { listLinks, listNamespaces } from './host.js';
import { NAME_MAX } from '../bridge/names.js';

/** Interface names are at most 15 characters (IFNAMSIZ − 1); namespaces follow suit. */
export const MAX_NAME = NAME_MAX;
/** PIDs are at most PID_MAX_LIMIT (4 194 304): zero-padded to 7 digits the owner is readable back. */
const PID_DIGITS = 7;
const OWNER = new RegExp(`^sb[a-z]{1,2}(\\d{${PID_DIGITS}})`);

/**
 * The name prefix of a lab: `sb`, a one- or two-letter tag naming the user (`d` demo, `e` daemon
 * e2e…), and the owner's pid in fixed width, so names are equally long on every host and the
 * owner can be read back from any name, whatever its suffix.
 */
export function labPrefix(tag: string, pid: number = process.pid): string {
  if (!/^[a-z]{1,2}$/.test(tag)) throw new RangeError(`lab tag '${tag}': one or two lower-case letters`);
  if (!Number.isInteger(pid) || pid <= 0 || pid >= 10 ** PID_DIGITS) throw new RangeError(`lab owner pid ${pid}: not a pid`);
  return `sb${tag}${String(pid).padStart(PID_DIGITS, '0')}`;
}

/** The pid that owns a name made with labPrefix(); undefined for any other name. */
export function labOwner(name: string): number | undefined {
  const m = OWNER.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Prefixes of this process's labs that have not been cleaned up: two live labs never share names. */
const live = new Set<string>();

export class Lab {
  readonly prefix: string;
  private readonly namespaces = new Set<string>();
  /** Root-namespace links to delete on cleanup (veth ends, persistent TAPs, root bridges, tracked ones). */
  private readonly links = new Set<string>();
  /** Every link name this lab made, tracked or moved: cleanup waits until none is left in the root namespace. */
  private readonly touched = new Set<string>();
  /** Processes still running; `started` remembers every one, so kill() refuses a stranger's. */
  private readonly procs = new Set<ChildProcess>();
  private readonly started = new WeakSet<ChildProcess>();

  /**
   * `owner` is the pid whose life the lab's objects share (default this process): a lab built by
   * `softbr lab up` outlives the CLI, so its names carry the pid of the daemon it started.
   */
  constructor(tag: string, opts: { owner?: number } = {}) {
    this.prefix = labPrefix(tag, opts.owner);
    if (live.has(this.prefix)) throw new Error(`lab prefix ${this.prefix} is already in use in this process: give each live lab its own tag`);
    live.add(this.prefix);
  }

  /** prefix + suffix, checked against the 15-character interface name limit. */
  name(suffix: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(suffix)) throw new RangeError(`lab name suffix '${suffix}': letters, digits, '_' or '-'`);
    const n = this.prefix + suffix;
    if (n.length > MAX_NAME) {
      throw new RangeError(`name '${n}' is longer than ${MAX_NAME} characters: lab '${this.prefix}' leaves ${MAX_NAME - this.prefix.length} for a suffix`);
    }
    return n;
  }

  /** `ip …` in the root namespace; resolves with its stdout, rejects with its stderr. */
  async ip(...args: string[]): Promise<string> {
    return (await sh('ip', args)).stdout;
  }

  /**
   * Namespace prefix+suffix with lo up. IPv4 only unless asked, so the frames a lesson or test
   * counts are the ones it sent (no IPv6 router solicitations, DAD or MLD reports at random moments).
   */
  async addNamespace(suffix: string, opts: { ipv6?: boolean } = {}): Promise<string> {
    const ns = this.name(suffix);
    await this.ip('netns', 'add', ns);
    this.namespaces.add(ns);
    await this.ip('-n', ns, 'link', 'set', 'lo', 'up');
    if (!opts.ipv6) await this.exec(ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    return ns;
  }

  /** Deletes one of this lab's namespaces now (its devices go with it). */
  async deleteNamespace(ns: string): Promise<void> {
    if (!this.namespaces.has(ns)) throw new Error(`namespace ${ns} was not made by lab ${this.prefix}`);
    await this.ip('netns', 'del', ns);
    this.namespaces.delete(ns);
  }

  /**
   * A veth pair prefix+a / prefix+b in the root namespace; either end may go into a namespace,
   * and with `up` both ends are brought up where they end (so each sees carrier from the start).
   */
  async addVeth(a: string, b: string, opts: { nsA?: string; nsB?: string; up?: boolean } = {}): Promise<{ a: string; b: string }> {
    const na = this.name(a);
    const nb = this.name(b);
    await this.ip('link', 'add', na, 'type', 'veth', 'peer', 'name', nb);
    this.trackLink(na);
    this.trackLink(nb);
    for (const [end, ns] of [[na, opts.nsA], [nb, opts.nsB]] as const) {
      if (ns) await this.moveLink(end, ns);
      if (opts.up) await this.ip(...(ns ? ['-n', ns] : []), 'link', 'set', end, 'up');
    }
    return { a: na, b: nb };
  }

  /** A kernel bridge prefix+suffix (in ns or the root namespace), up, optionally with STP: a reference peer. */
  async addBridge(suffix: string, opts: { ns?: string; stp?: boolean } = {}): Promise<string> {
    const br = this.name(suffix);
    const nsArgs = opts.ns ? ['-n', opts.ns] : [];
    await this.ip(...nsArgs, 'link', 'add', br, 'type', 'bridge', ...(opts.stp ? ['stp_state', '1'] : []));
    if (!opts.ns) this.trackLink(br);
    await this.ip(...nsArgs, 'link', 'set', br, 'up');
    return br;
  }

  /** A persistent TAP prefix+suffix made with `ip tuntap` in the root namespace. */
  async addPersistentTap(suffix: string): Promise<string> {
    const tap = this.name(suffix);
    await this.ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
    this.trackLink(tap);
    return tap;
  }

  /** Makes a root-namespace link someone else creates (a port's TAP) this lab's to delete on cleanup. */
  trackLink(name: string): void {
    this.links.add(name);
    this.touched.add(name);
  }

  /** Deletes a tracked root-namespace link now. */
  async deleteLink(name: string): Promise<void> {
    if (!this.links.has(name)) throw new Error(`link ${name} is not tracked by lab ${this.prefix}`);
    await this.ip('link', 'del', name);
    this.links.delete(name);
  }

  /** Moves a root-namespace link into ns, after which deleting ns deletes it. */
  async moveLink(link: string, ns: string): Promise<void> {
    await this.ip('link', 'set', link, 'netns', ns);
    this.touched.add(link);
  }

  /** Moves a root-namespace link into ns, renames, addresses it and brings it up; returns its name there. */
  async plug(link: string, ns: string, opts: { rename?: string; cidr?: string; mac?: string } = {}): Promise<string> {
    await this.moveLink(link, ns);
    let dev = link;
    if (opts.rename) {
      await this.ip('-n', ns, 'link', 'set', link, 'name', opts.rename);
      dev = opts.rename;
    }
    if (opts.mac) await this.ip('-n', ns, 'link', 'set', dev, 'address', opts.mac);
    if (opts.cidr) await this.ip('-n', ns, 'addr', 'add', opts.cidr, 'dev', dev);
    await this.ip('-n', ns, 'link', 'set', dev, 'up');
    return dev;
  }

  /** Adds an address to a link inside ns and brings it up. */
  async addrUp(ns: string, link: string, cidr: string): Promise<void> {
    await this.ip('-n', ns, 'addr', 'add', cidr, 'dev', link);
    await this.ip('-n', ns, 'link', 'set', link, 'up');
  }

  async macOf(ns: string | null, dev: string): Promise<string> {
    const r = ns ? await this.exec(ns, 'cat', [`/sys/class/net/${dev}/address`]) : await sh('cat', [`/sys/class/net/${dev}/address`]);
    return r.stdout.trim();
  }

  /** `ip netns exec ns cmd args…`, killed by cleanup() if still running then. */
  exec(ns: string, cmd: string, args: string[], opts: ShOptions = {}): Promise<ShResult> {
    let child: ChildProcess | undefined;
    return sh('ip', ['netns', 'exec', ns, cmd, ...args], opts, (c) => {
      child = c;
      this.started.add(c);
      this.procs.add(c);
    }).finally(() => {
      if (child) this.procs.delete(child);
    });
  }

  /** Starts a long-running process inside ns (tcpdump, dnsmasq, iperf3 -s…); cleanup() kills it. */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawnChild('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.started.add(child);
    this.procs.add(child);
    child.once('exit', () => this.procs.delete(child));
    return child;
  }

  /**
   * Ends one process this lab started, by its PID (`ip netns exec` execs the command, so that is
   * the command's PID), and waits for it; SIGKILL if it outlives 2 s.
   */
  async kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.started.has(child)) throw new Error(`pid ${child.pid} was not started by lab ${this.prefix}`);
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const pid = child.pid;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const signalPid = (s: NodeJS.Signals): void => {
      try {
        process.kill(pid, s);
      } catch {
        // already gone
      }
    };
    signalPid(signal);
    const t = setTimeout(() => signalPid('SIGKILL'), 2000);
    await exited;
    clearTimeout(t);
  }

  /**
   * Kills the processes it started, deletes the links it tracks and its namespaces, and waits
   * (briefly: the kernel tears namespaces down asynchronously) until none of its names is left.
   * Never throws; returns what it could not remove.
   */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all([...this.procs].map((p) => this.kill(p, 'SIGKILL')));
    this.procs.clear();
    const present = new Set(await listLinks());
    for (const l of this.links) {
      // a veth end goes with its peer, a moved link with its namespace
      if (!present.has(l)) continue;
      const r = await sh('ip', ['link', 'del', l], { allowFail: true });
      if (r.code !== 0 && (await listLinks()).includes(l)) problems.push(`ip link del ${l}: ${r.stderr.trim()}`);
    }
    this.links.clear();
    for (const ns of this.namespaces) {
      const r = await sh('ip', ['netns', 'del', ns], { allowFail: true });
      if (r.code !== 0 && (await listNamespaces()).includes(ns)) problems.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    const mine = new Set([...this.namespaces, ...this.touched]);
    this.namespaces.clear();
    this.touched.clear();
    const end = Date.now() + 3000;
    for (;;) {
      const left = [...(await listNamespaces()), ...(await listLinks())].filter((n) => mine.has(n));
      if (left.length === 0) break;
      if (Date.now() > end) {
        problems.push(`still present after cleanup: ${left.join(', ')}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    live.delete(this.prefix);
    return problems;
  }

  /** Namespaces and root-namespace links that carry this lab's prefix, whoever made them. */
  async leftovers(): Promise<{ namespaces: string[]; links: string[] }> {
    return {
      namespaces: (await listNamespaces()).filter((n) => n.startsWith(this.prefix)),
      links: (await listLinks()).filter((n) => n.startsWith(this.prefix)),
    };
  }
}

/** Whether a process with this pid exists (EPERM counts: it is there, just not ours). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the namespaces (after killing the processes inside them) and root-namespace links whose
 * name matches; returns what it removed.
 */
async function removeMatching(match: (name: string) => boolean): Promise<string[]> {
  const removed: string[] = [];
  for (const l of (await listLinks()).filter(match)) {
    // a veth end may already have gone with its peer
    if ((await sh('ip', ['link', 'del', l], { allowFail: true })).code === 0) removed.push(l);
  }
  for (const ns of (await listNamespaces()).filter(match)) {
    const pids = (await sh('ip', ['netns', 'pids', ns], { allowFail: true })).stdout.split('\n').map(Number).filter((p) => p > 0);
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    if ((await sh('ip', ['netns', 'del', ns], { allowFail: true })).code === 0) removed.push(ns);
  }
  return removed;
}

/**
 * Removes the namespaces and root-namespace links of labs whose process is gone (a crashed or
 * killed run); objects of live processes, and names not made by labPrefix(), are left alone.
 * Returns what it removed.
 */
export async function sweepStale(): Promise<string[]> {
  return removeMatching((name) => {
    const pid = labOwner(name);
    return pid !== undefined && pid !== process.pid && !alive(pid);
  });
}

/**
 * Removes everything named with prefix (a lab's, also one whose builder crashed): the processes
 * in its namespaces, its namespaces and its root-namespace links.
 */
export async function removePrefixed(prefix: string): Promise<string[]> {
  if (labOwner(prefix) === undefined) throw new RangeError(`'${prefix}' is not a lab prefix`);
  return removeMatching((name) => name.startsWith(prefix));
}
