// Test helpers for the real daemon: start `softbr daemon` as a child process on a private control
// socket, run CLI verbs against it, and stop it by its PID afterwards; and put hosts behind it on
// TAP ports.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endProcess } from './process.js';
import { until } from './wait.js';
import type { Lab } from '../../src/lab/netns.js';

export const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
export const BIN = join(REPO, 'bin/softbr.js');

export interface CliResult { code: number; stdout: string; stderr: string }

export class SoftbrDaemon {
  readonly dir: string;
  readonly control: string;
  proc: ChildProcess | undefined;
  log = '';

  constructor(readonly tag: string) {
    this.dir = mkdtempSync(join(tmpdir(), `softbr-${tag}-`));
    this.control = join(this.dir, 'control.sock');
  }

  /**
   * Starts the daemon (optionally with config text or an existing config file) and waits for its
   * socket. `wrap` is a command that execs the daemon (`ip netns exec NS`, `setpriv …`), so the
   * PID stopped later is still the daemon's.
   */
  async start(opts: { config?: string; configFile?: string; args?: string[]; wrap?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
    const args = [BIN, '--control', this.control, 'daemon', '--no-metrics', ...(opts.args ?? [])];
    if (opts.config !== undefined) {
      const f = join(this.dir, 'softbr.yaml');
      writeFileSync(f, opts.config);
      args.push('-c', f);
    } else if (opts.configFile !== undefined) {
      args.push('-c', opts.configFile);
    }
    const [cmd, ...pre] = [...(opts.wrap ?? []), process.execPath];
    const p = spawn(cmd!, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    this.proc = p;
    p.stdout!.on('data', (d) => { this.log += d; });
    p.stderr!.on('data', (d) => { this.log += d; });
    const deadline = Date.now() + 15_000;
    while (!existsSync(this.control)) {
      if (p.exitCode !== null) throw new Error(`daemon exited ${p.exitCode}: ${this.log}`);
      if (Date.now() > deadline) throw new Error(`daemon did not start: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  cli(...args: string[]): Promise<CliResult> {
    return runCli(['--control', this.control, ...args]);
  }

  /** Runs a CLI verb and fails the test with its stderr when it does not exit 0. */
  async ok(...args: string[]): Promise<string> {
    const r = await this.cli(...args);
    if (r.code !== 0) throw new Error(`softbr ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** Polls cond until it holds; after ms, fails the test naming what it waited for, with the daemon's log. */
  async waitFor(what: string, cond: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
    if (!(await until(cond, ms))) throw new Error(`timed out waiting for ${what}; daemon log:\n${this.log}`);
  }

  /** SIGTERM by PID and wait; returns the exit code. */
  async stop(): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return p?.exitCode ?? null;
    const code = await endProcess(p, 'SIGTERM', 5000);
    rmSync(this.dir, { recursive: true, force: true });
    return code;
  }
}

export function runCli(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: opts.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** A host in its own namespace behind a TAP port of a daemon's bridge. */
export interface TapHost { ns: string; ip: string; mac: string; tap: string }

/**
 * n hosts h1…hn: TAP `t<i>` of the lab added to bridge br of daemon d, moved into namespace
 * `h<i>` as eth0 with address `<net>.<i>/24`.
 */
export async function tapHosts(d: SoftbrDaemon, lab: Lab, br: string, net: string, n: number): Promise<TapHost[]> {
  const hosts: TapHost[] = [];
  for (let i = 1; i <= n; i++) {
    const tap = lab.name(`t${i}`);
    await d.ok('addif', br, `tap:${tap}`);
    const ns = await lab.addNamespace(`h${i}`);
    await lab.plug(tap, ns, { rename: 'eth0', cidr: `${net}.${i}/24` });
    hosts.push({ ns, ip: `${net}.${i}`, mac: await lab.macOf(ns, 'eth0'), tap });
  }
  return hosts;
}
