// Control commands on port mirroring (SPAN) sessions: `mirror-add`, `mirror-del`, `mirror-show`.
// The rules (which ports may be sources and analysers, the direction words) are the engine's
// (bridge/mirror.ts); this module looks the bridge up and turns arguments into calls.
import { mirrorDirection } from '../bridge/mirror.js';
import { registerCommand } from './commands.js';
import { str, bridgeName, mirrorSources } from './args.js';
import type { Daemon } from './daemon.js';
import type { MirrorRow } from './wire-types.js';

export function mirrorRows(daemon: Daemon, bridge?: string): MirrorRow[] {
  const ms = bridge !== undefined ? [daemon.get(bridge)] : [...daemon.bridges.values()];
  return ms.flatMap((m) => m.bridge.mirrorList().map((i) => ({ bridge: m.bridge.name, ...i })))
    .sort((a, b) => (a.bridge < b.bridge ? -1 : a.bridge > b.bridge ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

registerCommand('mirror-add', ({ daemon, args: a }) => {
  const m = daemon.get(bridgeName(a['bridge']));
  m.bridge.addMirror(str(a, 'name', 'mirror name'), mirrorSources(a['from']), mirrorDirection(a['direction']), str(a, 'to', 'analyser port (--to PORT)'));
  return null;
});

registerCommand('mirror-del', ({ daemon, args: a }) => {
  daemon.get(bridgeName(a['bridge'])).bridge.deleteMirror(str(a, 'name', 'mirror name'));
  return null;
});

registerCommand('mirror-show', ({ daemon, args: a }) => mirrorRows(daemon, a['bridge'] === undefined ? undefined : bridgeName(a['bridge'])));
