// Control commands of IGMP/MLD snooping, with the kernel bridge's words: mcast_snooping,
// mcast_querier, mcast_router (per port: 0 off, 1 learned from queries, 2 always) and softbr's
// mcast_flood_unknown; `mdb-show` gives the rows `bridge mdb show` prints. The rules are the
// engine's (src/mdb/); this module checks arguments and reads the tables.
import type { Bridge } from '../bridge/bridge.js';
import { registerCommand } from './commands.js';
import { onOff, bridgeName, str, routerModeArg } from './args.js';
import type { MdbView } from './wire-types.js';

/** Membership rows (IPv4 groups first, then IPv6, by address, then port) and router ports of bridges. */
export function mdbView(bridges: readonly Bridge[], now: number): MdbView {
  const view: MdbView = { entries: [], routers: [], bridges: [] };
  const name = (br: Bridge, no: number) => br.ports[no]?.name ?? `port${no}`;
  for (const br of bridges) {
    const mdb = br.mdb;
    view.bridges.push({ dev: br.name, index: 0, snooping: br.mcastSnooping, querier: mdb.querier, floodUnknown: mdb.floodUnknown, querierPresent: br.mcastSnooping && mdb.querierExists(now) });
    const es = mdb.entries(now).sort((a, b) => a.family - b.family || cmpAddr(a.group, b.group, a.family) || a.vid - b.vid || a.port - b.port);
    for (const e of es) {
      view.entries.push({ dev: br.name, port: name(br, e.port), grp: e.group, state: e.permanent ? 'permanent' : 'temp', vid: e.vid, timer: e.remainingSec, host: br.ports[e.port]?.isHost ?? false });
    }
    for (const r of mdb.routers(now)) {
      if (br.ports[r.port] === undefined) continue;
      view.routers.push({ dev: br.name, port: name(br, r.port), timer: r.remainingSec, permanent: r.permanent });
    }
  }
  return view;
}

function cmpAddr(a: string, b: string, family: number): number {
  if (family === 4) {
    const n = (s: string) => s.split('.').reduce((x, o) => x * 256 + Number(o), 0);
    return n(a) - n(b);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

registerCommand('mcast-snooping', ({ daemon, args: a }) => {
  daemon.get(bridgeName(a['bridge'])).bridge.setMcastSnooping(onOff(a['on'], 'mcast_snooping'));
  return null;
});

registerCommand('mcast-querier', ({ daemon, args: a }) => {
  daemon.get(bridgeName(a['bridge'])).bridge.setMcastQuerier(onOff(a['on'], 'mcast_querier'));
  return null;
});

registerCommand('mcast-flood-unknown', ({ daemon, args: a }) => {
  daemon.get(bridgeName(a['bridge'])).bridge.mdb.floodUnknown = onOff(a['on'], 'mcast_flood_unknown');
  return null;
});

registerCommand('mcast-router', ({ daemon, args: a }) => {
  const m = daemon.get(bridgeName(a['bridge']));
  const p = daemon.port(m, str(a, 'port', 'port'));
  m.bridge.mdb.setRouterMode(p.no, routerModeArg(a['mode']));
  return null;
});

registerCommand('mdb-show', ({ daemon, args: a }) => {
  const list = a['bridge'] === undefined ? [...daemon.bridges.values()].map((m) => m.bridge).sort((x, y) => (x.name < y.name ? -1 : 1)) : [daemon.get(a['bridge']).bridge];
  return mdbView(list, daemon.clock.now());
});
