// Control commands on forwarding databases: brctl's showmacs and setageing, and iproute2's
// `bridge fdb show/add/del/flush`.
import { formatMac, isMulticast } from '../frame/mac.js';
import type { BridgePort } from '../bridge/port.js';
import { registerCommand } from './commands.js';
import { UserError } from './protocol.js';
import { str, optStr, numIn, macArg, vlanArg, bridgeName } from './args.js';
import type { Daemon, ManagedBridge } from './daemon.js';

/** `dev PORT` of iproute2's fdb verbs: a port of whichever bridge has it. */
function findPortAnywhere(daemon: Daemon, name: string): { m: ManagedBridge; p: BridgePort } {
  for (const m of daemon.bridges.values()) {
    const p = m.bridge.portByName(name);
    if (p) return { m, p };
  }
  throw new UserError(`${name} is not a port of any softbr bridge`);
}

/**
 * Runs an FDB edit whose refusal by the bridge (a local entry, a port it does not have; plain
 * Errors from bridge.ts) is the user's answer. Other errors stay internal.
 */
function refusalIsUserError<T>(edit: () => T): T {
  try {
    return edit();
  } catch (e) {
    if (e instanceof Error && e.constructor === Error) throw new UserError(e.message);
    throw e;
  }
}

registerCommand('showmacs', ({ daemon, args: a }) => daemon.macRows(bridgeName(a['bridge'])));

registerCommand('setageing', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  m.bridge.setAgeing(numIn(a['seconds'], 'ageing time', 0, 1_000_000));
  return null;
});

registerCommand('fdb-show', ({ daemon, args: a }) => daemon.fdbRows(a['bridge'] === undefined ? undefined : bridgeName(a['bridge'])));

registerCommand('fdb-add', ({ daemon, args: a }) => {
  const mac = macArg(a['mac']);
  const { m, p } = findPortAnywhere(daemon, str(a, 'port', 'dev'));
  if (isMulticast(mac)) throw new UserError(`${formatMac(mac)} is a multicast address; only unicast MACs can be static FDB entries`);
  m.bridge.addStatic(mac, p.name, (a['vlan'] === undefined ? 0 : vlanArg(a['vlan'])));
  return null;
});

registerCommand('fdb-del', ({ daemon, args: a }) => {
  const mac = macArg(a['mac']);
  const { m } = findPortAnywhere(daemon, str(a, 'port', 'dev'));
  const vid = (a['vlan'] === undefined ? 0 : vlanArg(a['vlan']));
  if (!refusalIsUserError(() => m.bridge.removeFdb(mac, vid))) throw new UserError(`no FDB entry for ${formatMac(mac)} on bridge ${m.bridge.name}`);
  return null;
});

registerCommand('fdb-flush', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const port = optStr(a, 'port');
  return { flushed: refusalIsUserError(() => m.bridge.flushFdb({ port })) };
});
