// `addif BR DEV --take-address`: moves DEV's IP addresses and routes to the bridge's host port in
// one step, as the kernel-bridge recipe for br-ex does by hand, and moves them back on delif, on
// shutdown, or when any step fails, so an administrator working over DEV keeps the machine.
// The order keeps the address reachable: the host port gets each IPv4 address before DEV loses
// it, routes are moved with `ip route replace` (one kernel operation each), and only then are
// DEV's addresses removed. IPv6 addresses are removed first and re-added without DAD, which would
// otherwise fail against the copy still on DEV. Runs iproute2 synchronously: few, short steps,
// and shutdown must finish them before the host port TAP disappears.
import { spawn, spawnSync } from 'node:child_process';
import { UserError } from './protocol.js';

interface AddrInfo { family: 'inet' | 'inet6'; local: string; prefixlen: number; broadcast?: string; scope: string; dynamic?: boolean }
interface RouteInfo { dst: string; gateway?: string; protocol?: string; scope?: string; prefsrc?: string; metric?: number; flags?: string[] }

/** What was moved off a device: the addresses and routes to put back. */
export interface TakenAddressing {
  dev: string;
  addrs: AddrInfo[];
  routes: { family: '-4' | '-6'; route: RouteInfo }[];
}

function ip(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.status}`}`);
  return r.stdout;
}

/** The addresses and routes of dev that move: global and site scope, not IPv6 link-local. */
function readAddressing(dev: string): TakenAddressing {
  const links = JSON.parse(ip(['-j', 'addr', 'show', 'dev', dev])) as { addr_info?: AddrInfo[] }[];
  const addrs = (links[0]?.addr_info ?? []).filter((a) => (a.family === 'inet' || a.family === 'inet6') && a.scope !== 'link' && a.scope !== 'host');
  const routes: TakenAddressing['routes'] = [];
  for (const family of ['-4', '-6'] as const) {
    const rs = JSON.parse(ip(['-j', family, 'route', 'show', 'dev', dev]) || '[]') as RouteInfo[];
    // the kernel makes and removes each address's prefix route itself
    for (const r of rs) if (r.protocol !== 'kernel' && !r.dst.startsWith('fe80:')) routes.push({ family, route: r });
  }
  return { dev, addrs, routes };
}

function routeArgs(r: RouteInfo, dev: string): string[] {
  return [
    r.dst,
    ...(r.gateway ? ['via', r.gateway] : []),
    'dev', dev,
    ...(r.metric !== undefined ? ['metric', String(r.metric)] : []),
    ...(r.protocol ? ['proto', r.protocol] : []),
    ...(r.scope && r.scope !== 'global' && r.scope !== 'universe' ? ['scope', r.scope] : []),
    ...(r.prefsrc ? ['src', r.prefsrc] : []),
    ...((r.flags ?? []).includes('onlink') ? ['onlink'] : []),
  ];
}

function addrArgs(a: AddrInfo, dev: string): string[] {
  return [`${a.local}/${a.prefixlen}`, ...(a.broadcast ? ['broadcast', a.broadcast] : []), 'dev', dev, ...(a.family === 'inet6' ? ['nodad'] : [])];
}

/**
 * Moves what was taken from `from` onto `to`: addresses first (IPv4 added before removal, IPv6
 * after), then routes by replace. Each step done is undone, last first, when a later one fails.
 */
function move(what: TakenAddressing, from: string, to: string): void {
  const undo: string[][] = [];
  const run = (args: string[], back: string[]) => { ip(args); undo.push(back); };
  try {
    ip(['link', 'set', to, 'up']);
    const v4 = what.addrs.filter((a) => a.family === 'inet');
    const v6 = what.addrs.filter((a) => a.family === 'inet6');
    for (const a of v4) run(['addr', 'add', ...addrArgs(a, to)], ['addr', 'del', ...addrArgs(a, to)]);
    for (const { family, route } of what.routes.filter((r) => r.family === '-4')) {
      run([family, 'route', 'replace', ...routeArgs(route, to)], [family, 'route', 'replace', ...routeArgs(route, from)]);
    }
    // secondaries before their primary, so that removing the primary does not take them along
    for (const a of [...v4].reverse()) run(['addr', 'del', ...addrArgs(a, from)], ['addr', 'add', ...addrArgs(a, from)]);
    for (const a of v6) {
      run(['addr', 'del', ...addrArgs(a, from).filter((w) => w !== 'nodad')], ['addr', 'add', ...addrArgs(a, from)]);
      run(['addr', 'add', ...addrArgs(a, to)], ['addr', 'del', ...addrArgs(a, to).filter((w) => w !== 'nodad')]);
    }
    for (const { family, route } of what.routes.filter((r) => r.family === '-6')) {
      run([family, 'route', 'replace', ...routeArgs(route, to)], [family, 'route', 'replace', ...routeArgs(route, from)]);
    }
  } catch (e) {
    const failed: string[] = [];
    for (const back of undo.reverse()) {
      try { ip(back); } catch (u) { failed.push((u as Error).message); }
    }
    throw new UserError(`cannot move the addresses of ${from} to ${to}: ${(e as Error).message}; `
      + (failed.length ? `undoing failed too: ${failed.join('; ')}` : `${from} has its addresses and routes back`));
  }
}

/**
 * Gratuitous ARP for each IPv4 address now on dev, so that neighbours send to dev's MAC at once
 * instead of after their cache entry for the old MAC goes stale (seconds of lost traffic).
 * Best effort and in the background: arping (Habets', else iputils' spelling) may be missing.
 */
function announce(what: TakenAddressing, dev: string, log: (m: string) => void): void {
  for (const a of what.addrs.filter((x) => x.family === 'inet')) {
    const tries = [
      ['-q', '-U', '-P', '-c', '1', '-w', '1', '-i', dev, '-S', a.local, a.local], // arping (Habets)
      ['-q', '-U', '-c', '1', '-I', dev, '-s', a.local, a.local], // iputils-arping
    ];
    const next = (i: number): void => {
      const c = spawn('arping', tries[i]!, { stdio: 'ignore' });
      c.on('error', () => log(`no arping: neighbours learn that ${a.local} moved to ${dev} when their ARP entries expire`));
      c.on('exit', (code) => { if (code !== 0 && i + 1 < tries.length) next(i + 1); });
      c.unref();
    };
    next(0);
  }
}

/** Takes dev's addresses and routes onto the bridge's host port; returns what to give back. */
export function takeAddressing(dev: string, hostPort: string, log: (m: string) => void): TakenAddressing {
  const what = readAddressing(dev);
  if (what.addrs.length === 0) throw new UserError(`--take-address: ${dev} has no IP addresses to move to ${hostPort}`);
  move(what, dev, hostPort);
  announce(what, hostPort, log);
  return what;
}

/** Gives back what takeAddressing moved (delif, shutdown). */
export function returnAddressing(what: TakenAddressing, hostPort: string, log: (m: string) => void): void {
  move(what, hostPort, what.dev);
  announce(what, what.dev, log);
}
