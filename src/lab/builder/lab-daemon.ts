// The softbr daemon a lab runs its bridges in: started detached (it outlives `softbr lab up`),
// with its own control socket, config and log in the lab's directory, and stopped by its pid.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { call } from '../../control/client.js';
import { alive } from '../netns.js';
import type { BridgeSettings } from './schema.js';

/** bin/softbr.js of this checkout (this module runs from dist/src/lab/builder/). */
const BIN = fileURLToPath(new URL('../../../../bin/softbr.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface StartedDaemon {
  pid: number;
  /** http://HOST:PORT of the daemon's HTTP server (web view, /metrics), if it serves one. */
  web?: string;
}

function logTail(log: string): string {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

/**
 * Writes the daemon's config (the lab's bridges without host ports: a host port would be a TAP
 * in the root namespace, so a lab's hosts, namespaces all, carry the addresses) and starts it.
 * `onPid` sees the pid before the daemon is ready, so a caller can record it first.
 */
export async function startLabDaemon(dir: string, control: string, bridges: Map<string, BridgeSettings>, web: string | undefined,
  topology: string, onPid: (pid: number) => void): Promise<StartedDaemon> {
  const cfg = join(dir, 'softbr.yaml');
  const log = join(dir, 'daemon.log');
  const cfgBridges = Object.fromEntries([...bridges].map(([n, b]) => [n, { ...b, local: false }]));
  writeFileSync(cfg, `# written by softbr lab up\n${stringify({ control, bridges: cfgBridges })}`);
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [BIN, '--control', control, 'daemon', '-c', cfg, ...(web ? ['--metrics', web, '--web-topology', topology] : ['--no-metrics'])], {
    detached: true, stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start the lab's softbr daemon (${BIN})`);
  const pid = child.pid;
  onPid(pid);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      await call(control, 'ping');
      break;
    } catch {
      if (!alive(pid) || child.exitCode !== null) throw new Error(`the lab's softbr daemon exited: ${logTail(log)}`);
      if (Date.now() > deadline) throw new Error(`the lab's softbr daemon did not answer on ${control} within ${START_TIMEOUT_MS / 1000} s: ${logTail(log)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let url: string | undefined;
  if (web) {
    // the daemon logs the address it bound (the real port when 0 was asked for) before it is ready
    const m = /metrics on (http:\/\/\S+)\/metrics/.exec(readFileSync(log, 'utf8'));
    url = m?.[1];
  }
  return { pid, web: url };
}

/** Alive and not a zombie (a process whose parent has not reaped it is gone for our purposes). */
export function running(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGTERM (the daemon closes its ports and deletes its TAPs), SIGKILL after 5 s; waits until it is gone. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  const alive = running;
  if (!alive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const end = Date.now() + graceMs;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  if (alive(pid)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    while (alive(pid)) await new Promise((r) => setTimeout(r, 25));
  }
}
