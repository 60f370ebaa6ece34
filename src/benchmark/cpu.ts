// CPU accounting from /proc: the switch's own processes (utime+stime of /proc/PID/stat), the
// kernel's softirq time (/proc/stat, where a kernel bridge does its work), and the CPU that
// processes outside this run took during a measurement, which marks the measurement noisy.
import { readFileSync, readdirSync } from 'node:fs';

/** Linux reports /proc times in USER_HZ ticks; 100 on every architecture softbr runs on. */
export const USER_HZ = 100;
const PF_KTHREAD = 0x00200000;

export interface ProcStat { pid: number; ppid: number; ticks: number; kernelThread: boolean }

/** Parses one /proc/PID/stat line (the command name may contain spaces and parentheses). */
export function parseProcStat(line: string): ProcStat {
  const close = line.lastIndexOf(')');
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // fields after "(comm)": state(3) ppid(4) … flags(9) … utime(14) stime(15)
  const f = line.slice(close + 2).split(' ');
  const field = (n: number) => Number(f[n - 3]);
  return { pid, ppid: field(4), ticks: field(14) + field(15), kernelThread: (field(9) & PF_KTHREAD) !== 0 };
}

export interface SystemStat { busy: number; softirq: number; total: number }

/** The aggregate "cpu" line of /proc/stat: busy = everything but idle and iowait. */
export function parseSystemStat(text: string): SystemStat {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no cpu line');
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, softirq, total: busy + idle + iowait };
}

function readProc(pid: number): ProcStat | undefined {
  try { return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return undefined; }
}

/** Every process now (those that exit while being read are skipped). */
export function scanProcesses(): Map<number, ProcStat> {
  const m = new Map<number, ProcStat>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = readProc(Number(d));
    if (s) m.set(s.pid, s);
  }
  return m;
}

/** pids and all their descendants in a process table. */
export function descendants(table: Map<number, ProcStat>, roots: readonly number[]): Set<number> {
  const kids = new Map<number, number[]>();
  for (const p of table.values()) {
    const k = kids.get(p.ppid);
    if (k) k.push(p.pid); else kids.set(p.ppid, [p.pid]);
  }
  const out = new Set<number>();
  const todo = [...roots];
  while (todo.length) {
    const p = todo.pop()!;
    if (out.has(p)) continue;
    out.add(p);
    todo.push(...(kids.get(p) ?? []));
  }
  return out;
}

interface Snapshot { at: number; system: SystemStat; procs: Map<number, ProcStat> }

function snapshot(): Snapshot {
  return { at: performance.now(), system: parseSystemStat(readFileSync('/proc/stat', 'utf8')), procs: scanProcesses() };
}

export interface CpuUse {
  /** the switch's processes, % of one core; null when the switch has no process (kernel bridge) */
  switchPct: number | null;
  /** softirq time of all CPUs, % of one core */
  softirqPct: number;
  /** user processes outside this run, % of one core */
  othersPct: number;
}

/** Ticks in a window → % of one core. */
export function pctOfCore(ticks: number, ms: number): number {
  return ms <= 0 ? 0 : (ticks / USER_HZ) / (ms / 1000) * 100;
}

/**
 * Measures one window: start() before, stop() after. Processes of this run are this process's
 * descendants (the switch, generators, iperf3, ping); kernel threads are not counted as others
 * because they do this run's packet work (ksoftirqd).
 */
export class CpuWindow {
  private start?: Snapshot;

  constructor(private readonly switchPids: () => readonly number[]) {}

  begin(): void { this.start = snapshot(); }

  end(): CpuUse {
    const a = this.start;
    if (!a) throw new Error('CpuWindow.end() before begin()');
    const b = snapshot();
    const ms = b.at - a.at;
    const ours = new Set([...descendants(a.procs, [process.pid]), ...descendants(b.procs, [process.pid])]);
    let others = 0;
    for (const p of b.procs.values()) {
      if (ours.has(p.pid) || p.kernelThread) continue;
      others += p.ticks - (a.procs.get(p.pid)?.ticks ?? 0);
    }
    const pids = this.switchPids();
    let sw = 0;
    for (const pid of pids) sw += (b.procs.get(pid)?.ticks ?? 0) - (a.procs.get(pid)?.ticks ?? 0);
    return {
      switchPct: pids.length === 0 ? null : pctOfCore(sw, ms),
      softirqPct: pctOfCore(b.system.softirq - a.system.softirq, ms),
      othersPct: pctOfCore(Math.max(0, others), ms),
    };
  }
}

/** A measurement is noisy when processes outside the run took more than this % of one core. */
export const NOISY_OTHERS_PCT = 10;
