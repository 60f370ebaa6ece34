// The lab builder's surface for the CLI: read a lab file, bring it up, take it down, look at it,
// and run a command in one of its hosts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { UserError } from '../../user-error.js';
import { parseListenAddr } from '../../metrics/server.js';
import { isLabName, LAB_NAME_RULE, loadLab, parseLab, type LabSpec } from './schema.js';
import { listStates, readState, type LabState } from './state.js';
import { running } from './lab-daemon.js';
import { upLab } from './up.js';
import { downLab } from './down.js';
import { cutLink } from './cut.js';
import { GuestConsole, shellLine } from './guest-console.js';

/** A command on a VM's console (a traceroute through a slow path, an iperf run) may take a while. */
const VM_EXEC_TIMEOUT_MS = 300_000;

export { loadLab, parseLab, upLab, downLab, cutLink, listStates, readState, type LabSpec, type LabState };

/** A lab by name, or by the file it was made from. */
/** A --web address, checked as the daemon will check it. */
export function webAddr(addr: string): string {
  parseListenAddr(addr);
  return addr;
}

export function labNameOf(arg: string): string {
  if (isLabName(arg) && !existsSync(arg)) return arg;
  if (existsSync(arg)) return loadLab(arg).name;
  throw new UserError(`'${arg}' is neither a lab file nor a lab name (${LAB_NAME_RULE})`);
}

export function labStatus(st: LabState): 'up' | 'starting' | 'crashed' {
  if (st.daemonPid === undefined || !running(st.daemonPid)) return 'crashed';
  return st.state;
}

export function mustRead(name: string): LabState {
  const st = readState(name);
  if (!st) throw new UserError(`no lab named ${name} is up (labs: ${listStates().map((s) => s.name).join(', ') || 'none'})`);
  return st;
}

/** Runs cmd in the host's namespace with the caller's stdio; resolves with its exit code. */
export function execInHost(name: string, host: string, cmd: string[]): Promise<number> {
  const st = mustRead(name);
  const h = st.hosts[host];
  if (!h) throw new UserError(`lab ${name} has no host ${host} (hosts: ${Object.keys(st.hosts).join(', ') || 'none'})`);
  if (cmd.length === 0) throw new UserError('no command given: softbr lab exec NAME HOST -- CMD [ARGS…]');
  if (h.console !== undefined) return execInVm(h.console, cmd);
  const ns = h.ns!;
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
}

/** Runs a command on a VM's serial console; its output streams to stdout (the console has one stream). */
async function execInVm(consolePath: string, cmd: string[]): Promise<number> {
  let con: GuestConsole;
  try {
    con = await GuestConsole.connect(consolePath, 2000);
  } catch (e) {
    throw new UserError(`cannot reach the VM's console: ${(e as Error).message} (is the lab up, and nobody else on the console?)`);
  }
  try {
    const r = await con.run(shellLine(cmd), VM_EXEC_TIMEOUT_MS, (s) => process.stdout.write(s));
    return r.code;
  } finally {
    con.close();
  }
}

/** A file below the working directory relative to it, anything else as it is. */
function shownPath(file: string): string {
  const r = relative(process.cwd(), file);
  return r.startsWith('..') || isAbsolute(r) ? file : r;
}

/** What `lab show` prints: where the lab's daemon is, its hosts' namespaces, which port is which link. */
export function formatLab(st: LabState): string {
  const lines = [
    `lab ${st.name} (${labStatus(st)}) from ${shownPath(st.file)}`,
    `  daemon   pid ${st.daemonPid ?? '-'}, control ${st.control}${st.web ? `, web view ${st.web}/` : ''}`,
    `           softbr --lab ${st.name} show   # any softbr verb on the lab's bridges`,
    `  bridges  ${st.bridges.join(' ') || '-'}`,
    '  hosts',
    ...Object.entries(st.hosts).map(([h, v]) => `    ${h.padEnd(12)} ${v.ns !== undefined ? `netns ${v.ns}` : `vm, console ${v.console}`}`),
    '  links',
    ...st.links.map((l) => `    ${l.ends[0]} -- ${l.ends[1]}${l.ports.length ? `   ports ${l.ports.map((p) => `${p.bridge}/${p.port}`).join(', ')}` : ''}${l.devices.length ? `   devices ${l.devices.join(', ')}` : ''}`),
  ];
  if (st.pids.length) lines.push('  processes', ...st.pids.map((p) => `    ${String(p.pid).padEnd(8)} ${p.host}: ${p.what}`));
  return lines.join('\n') + '\n';
}
