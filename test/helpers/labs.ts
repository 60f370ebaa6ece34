// Test helpers for `softbr lab`: run lab verbs through the CLI, read a lab's state, and list what
// carries the lab-file prefix (`sby…`) so a test can prove that nothing was left behind.
import { existsSync } from 'node:fs';
import { runCli, type CliResult } from './softbr.js';
import { listLinks, listNamespaces } from '../../src/lab/host.js';
import { readState, statePath, type LabState } from '../../src/lab/builder/state.js';

export async function lab(...args: string[]): Promise<CliResult> {
  return runCli(['lab', ...args], { timeoutMs: 60_000 });
}

export async function labOk(...args: string[]): Promise<string> {
  const r = await lab(...args);
  if (r.code !== 0) throw new Error(`softbr lab ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `softbr --lab NAME VERB…`, failing the test when it does not exit 0. */
export async function onLab(name: string, ...args: string[]): Promise<string> {
  const r = await runCli(['--lab', name, ...args]);
  if (r.code !== 0) throw new Error(`softbr --lab ${name} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export function state(name: string): LabState {
  const s = readState(name);
  if (!s) throw new Error(`lab ${name} has no state file`);
  return s;
}

/** Namespaces and root-namespace links made by lab files. */
export async function labObjects(): Promise<string[]> {
  return [...await listNamespaces(), ...await listLinks()].filter((n) => n.startsWith('sby')).sort();
}

import { running as alive } from '../../src/lab/builder/lab-daemon.js';

/** What of a lab is still there after down: state, objects with its prefix, its processes. */
export async function remains(st: LabState): Promise<string[]> {
  const left: string[] = [];
  if (existsSync(statePath(st.name))) left.push(statePath(st.name));
  if (existsSync(st.dir)) left.push(st.dir);
  if (st.prefix) left.push(...(await labObjects()).filter((n) => n.startsWith(st.prefix!)));
  for (const pid of [st.daemonPid, ...st.pids.map((p) => p.pid)]) if (pid !== undefined && alive(pid)) left.push(`pid ${pid}`);
  return left;
}

export { until } from './wait.js';
