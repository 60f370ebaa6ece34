// What a running lab is, on disk: /run/softbr/labs/NAME.json (written before each step of `up`,
// so `down` finds everything also after a crash) and the lab's directory /run/softbr/labs/NAME/
// (control socket, daemon config and log, dnsmasq leases, process logs). SOFTBR_LAB_DIR moves
// both elsewhere.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function labsDir(): string {
  return process.env['SOFTBR_LAB_DIR'] ?? '/run/softbr/labs';
}

export interface LabState {
  name: string;
  file: string;
  /** Name prefix of every namespace and root-namespace link of the lab (carries the daemon's pid). */
  prefix?: string;
  daemonPid?: number;
  control: string;
  dir: string;
  /** http://HOST:PORT of the daemon's web view and /metrics, when the lab asked for one. */
  web?: string;
  bridges: string[];
  /** Host name → its namespace, or for a VM its serial console socket. */
  hosts: Record<string, { ns?: string; console?: string }>;
  /** One entry per link of the file: its two ends and the devices that make it. */
  links: { ends: [string, string]; ports: { bridge: string; port: string }[]; devices: string[] }[];
  /** Processes the lab started (dnsmasq, `start` commands), by pid, with the host they run in. */
  pids: { pid: number; host: string; what: string }[];
  state: 'starting' | 'up';
  createdAt: string;
}

export function statePath(name: string): string {
  return join(labsDir(), `${name}.json`);
}

export function labDir(name: string): string {
  return join(labsDir(), name);
}

/** The control socket of a lab's daemon (`softbr --lab NAME …`). */
export function labControlPath(name: string): string {
  return join(labDir(name), 'control.sock');
}

/** Writes atomically (a crash mid-write leaves the previous version). */
export function writeState(s: LabState): void {
  mkdirSync(labsDir(), { recursive: true, mode: 0o755 });
  const tmp = `${statePath(s.name)}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o644 });
  renameSync(tmp, statePath(s.name));
}

export function readState(name: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(name), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export function removeState(name: string): void {
  rmSync(labDir(name), { recursive: true, force: true });
  rmSync(statePath(name), { force: true });
}

export function listStates(): LabState[] {
  let names: string[];
  try {
    names = readdirSync(labsDir()).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
  return names.map(readState).filter((s): s is LabState => s !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}
