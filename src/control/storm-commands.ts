// Control commands of storm control (bridge/storm.ts): `storm-set` replaces the limits of one
// port's floods (broadcast, multicast, unknown unicast; frames per second, a class not named is
// unchanged, `off` lifts it) and `storm-show` lists each port's limits and what they dropped.
import { registerCommand } from './commands.js';
import { bridgeName, stormRatesArg } from './args.js';
import { FLOOD_KIND_NAMES } from '../bridge/egress.js';
import type { Bridge } from '../bridge/bridge.js';
import type { StormRow } from './wire-types.js';

/** One row per port of the bridges (host port excepted: it floods nothing of its own to police). */
export function stormRows(bridges: Bridge[], port?: string): StormRow[] {
  const rows: StormRow[] = [];
  for (const b of bridges) {
    for (const p of b.allPorts()) {
      if (p.isHost || (port !== undefined && p.name !== port)) continue;
      const s = p.storm;
      const rates = b.stormRates(p);
      rows.push({
        bridge: b.name,
        port: p.name,
        classes: FLOOD_KIND_NAMES.map((kind, c) => ({ kind, pps: rates[kind] ?? 0, dropped: s === null ? 0 : s.dropped[c]! })),
        dropped: p.dropStorm,
      });
    }
  }
  return rows;
}

registerCommand('storm-set', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = daemon.port(m, a['port']);
  const given = stormRatesArg(a['rates']);
  m.bridge.setStorm(p.name, { ...m.bridge.stormRates(p), ...given });
  return stormRows([m.bridge], p.name)[0];
});

registerCommand('storm-show', ({ daemon, args: a }) => {
  if (a['bridge'] === undefined) return stormRows([...daemon.bridges.values()].map((m) => m.bridge));
  const m = daemon.get(bridgeName(a['bridge']));
  const port = a['port'] === undefined ? undefined : daemon.port(m, a['port']).name;
  return stormRows([m.bridge], port);
});
