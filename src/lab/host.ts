// What this host lets us do and what it holds: root or not, whether namespaces and TAPs can be
// made, and the namespaces and root-namespace links that exist now.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { sh } from './sh.js';
import { isRoot } from '../is-root.js';

export { isRoot };

/** Whether namespaces and TAPs can be made here (root, /dev/net/tun, iproute2). */
export function canUseNetns(): boolean {
  if (!isRoot() || !existsSync('/dev/net/tun')) return false;
  try {
    // synchronous on purpose: tests call this at load time to decide describe.skipIf
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Names of the named network namespaces (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const r = await sh('ip', ['netns', 'list'], { allowFail: true });
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((l) => l.length > 0);
}

/** Interface names in the root namespace. */
export async function listLinks(): Promise<string[]> {
  const r = await sh('ip', ['-o', 'link', 'show'], { allowFail: true });
  return r.stdout.split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '').filter((l) => l.length > 0);
}

export async function linkExists(name: string): Promise<boolean> {
  return (await listLinks()).includes(name);
}

export async function nsExists(name: string): Promise<boolean> {
  return (await listNamespaces()).includes(name);
}

/** Whether an executable of this name is on the PATH (or in /usr/sbin, /sbin, where root's tools live). */
export function hasCommand(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  for (const d of dirs) {
    try { accessSync(join(d, name), constants.X_OK); return true; } catch { /* next */ }
  }
  return false;
}
