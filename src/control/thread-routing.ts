// Where a control request goes when some bridges run on their own threads, and how the answers of
// list verbs are put together: pure functions of the request and the names of the threaded
// bridges (bridge-threads.ts does the sending). A verb naming a bridge goes to that bridge's
// thread; one naming a device (fdb and vlan verbs' `dev`) to whichever bridge has it; a list verb
// without a bridge asks everyone and merges; everything else stays on the main thread.
import { onOff } from './args.js';
import type { BridgeInfo, FdbRow, LinkRow, MdbView, MirrorRow, StormRow, VlanRow } from './wire-types.js';

export type Route =
  | { to: 'local' }
  /** addbr --thread: a new thread with the bridge. */
  | { to: 'create' }
  /** delbr of a threaded bridge: the thread deletes it and exits. */
  | { to: 'delete'; bridge: string }
  /** A request for the threaded bridge of this name. */
  | { to: 'bridge'; bridge: string }
  /** A request for whichever bridge has a port (or is a bridge) of this name. */
  | { to: 'device'; name: string }
  /** Every bridge's answer, the main thread's and each thread's, merged (mergeReplies). */
  | { to: 'all' };

/** Verbs that name a device rather than a bridge, and the argument that does. */
const DEVICE_ARG: Record<string, string> = {
  'fdb-add': 'port', 'fdb-append': 'port', 'fdb-del': 'port',
  'vlan-add': 'dev', 'vlan-del': 'dev', 'vlan-show': 'dev',
};

/** Verbs that, without a bridge (or device) argument, answer for every bridge. */
export const LIST_VERBS: ReadonlySet<string> = new Set([
  'ping', 'show', 'fdb-show', 'link-show', 'vlan-show', 'storm-show', 'mirror-show', 'mdb-show',
  'config-show', 'monitor', 'capture-stop',
]);

export function routeOf(cmd: string, args: Record<string, unknown>, threaded: ReadonlySet<string>): Route {
  if (cmd === 'addbr' && args['thread'] !== undefined && onOff(args['thread'], 'thread')) return { to: 'create' };
  // with no threads every request is the main thread's, exactly as before threads existed
  if (threaded.size === 0) return { to: 'local' };
  const devArg = DEVICE_ARG[cmd];
  if (devArg !== undefined && typeof args[devArg] === 'string') return { to: 'device', name: args[devArg] as string };
  const b = args['bridge'];
  if (LIST_VERBS.has(cmd) && b === undefined) return { to: 'all' };
  if (typeof b === 'string' && threaded.has(b)) return cmd === 'delbr' ? { to: 'delete', bridge: b } : { to: 'bridge', bridge: b };
  return { to: 'local' };
}

/** Sorts a copy by key, keeping the order of rows with equal keys (each source's own order). */
export function byKey<T>(rows: T[], key: (r: T) => string): T[] {
  return [...rows].sort((x, y) => {
    const a = key(x);
    const b = key(y);
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * One answer from the answers of the main thread (parts[0]) and of each thread, for a list verb
 * other than monitor and config-show (bridge-threads.ts puts those together itself). Rows are
 * ordered by bridge as the main thread orders its own.
 */
export function mergeReplies(cmd: string, parts: readonly unknown[]): unknown {
  const rows = <T>() => (parts as T[][]).flat();
  switch (cmd) {
    case 'ping': {
      const ps = parts as { pid: number; bridges: number }[];
      return { ...ps[0], bridges: ps.reduce((n, p) => n + p.bridges, 0) };
    }
    case 'capture-stop': return { stopped: (parts as { stopped: number }[]).reduce((n, p) => n + p.stopped, 0) };
    case 'show': return byKey(rows<BridgeInfo>(), (r) => r.name);
    case 'fdb-show': return byKey(rows<FdbRow>(), (r) => r.master ?? '');
    case 'link-show': return byKey(rows<LinkRow>(), (r) => r.master);
    case 'vlan-show': return rows<VlanRow>();
    case 'storm-show': return byKey(rows<StormRow>(), (r) => r.bridge);
    case 'mirror-show': return byKey(rows<MirrorRow>(), (r) => r.bridge);
    case 'mdb-show': {
      const vs = parts as MdbView[];
      return {
        entries: byKey(vs.flatMap((v) => v.entries), (r) => r.dev),
        routers: byKey(vs.flatMap((v) => v.routers), (r) => r.dev),
        bridges: byKey(vs.flatMap((v) => v.bridges), (r) => r.dev),
      } satisfies MdbView;
    }
    default: throw new Error(`no merge for '${cmd}'`);
  }
}
