// Control commands on forwarding databases: brctl's showmacs and setageing, and iproute2's
// `bridge fdb show/add/del/flush`.
import { formatMac, isMulticast, isZeroMac } from '../frame/mac.js';
import type { BridgePort } from '../bridge/port.js';
import { registerCommand } from './commands.js';
import { UserError } from './protocol.js';
import { str, optStr, numIn, macArg, vlanArg, bridgeName, ipv4Arg } from './args.js';
import type { TunnelPort, VxlanPort } from '../ports/vxlan.js';
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

/** The tunnel table of a port, for `fdb add/append/del … dst IP`; only VXLAN ports have one. */
function tunnelOf(p: BridgePort): VxlanPort {
  const t = (p.io as Partial<TunnelPort>).tunnel;
  if (t === undefined) throw new UserError(`dst is for VXLAN ports; ${p.name} is a ${p.io.kind} port`);
  return t;
}

/** Turns the driver's RangeError (a multicast dst without a group) into the user's answer. */
function tunnelEdit<T>(edit: () => T): T {
  try {
    return edit();
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(e.message);
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
  if (a['dst'] !== undefined) {
    // iproute2's `fdb add MAC dev vx0 dst IP`: the port's own table (self), not the bridge's
    const dst = ipv4Arg(a['dst'], 'dst');
    const t = tunnelOf(p);
    if (isZeroMac(mac)) tunnelEdit(() => t.addFlood(dst));
    else if (isMulticast(mac)) throw new UserError(`${formatMac(mac)} is a multicast address; VXLAN entries are unicast MACs or 00:00:00:00:00:00 (the flood list)`);
    else t.addStatic(mac, dst);
    return null;
  }
  if (isMulticast(mac)) throw new UserError(`${formatMac(mac)} is a multicast address; only unicast MACs can be static FDB entries`);
  m.bridge.addStatic(mac, p.name, (a['vlan'] === undefined ? 0 : vlanArg(a['vlan'])));
  return null;
});

registerCommand('fdb-append', ({ daemon, args: a }) => {
  const mac = macArg(a['mac']);
  const { p } = findPortAnywhere(daemon, str(a, 'port', 'dev'));
  const dst = ipv4Arg(a['dst'], 'dst');
  if (!isZeroMac(mac)) throw new UserError(`softbr appends only to the flood list: fdb append 00:00:00:00:00:00 dev ${p.name} dst ${dst} (for ${formatMac(mac)} use fdb add … dst)`);
  const t = tunnelOf(p);
  tunnelEdit(() => t.addFlood(dst));
  return null;
});

registerCommand('fdb-del', ({ daemon, args: a }) => {
  const mac = macArg(a['mac']);
  const { m, p } = findPortAnywhere(daemon, str(a, 'port', 'dev'));
  // `self` (iproute2's NTF_SELF) or dst: the port's own table; a zero MAC is only ever there
  if (a['dst'] !== undefined || a['self'] === true || (isZeroMac(mac) && (p.io as Partial<TunnelPort>).tunnel !== undefined)) {
    const t = tunnelOf(p);
    const dst = a['dst'] === undefined ? undefined : ipv4Arg(a['dst'], 'dst');
    const gone = isZeroMac(mac) ? (dst === undefined ? false : t.removeFlood(dst)) : t.removeEntry(mac);
    if (!gone) throw new UserError(`no entry for ${formatMac(mac)}${dst === undefined ? '' : ` dst ${dst}`} on ${p.name}`);
    return null;
  }
  const vid = (a['vlan'] === undefined ? 0 : vlanArg(a['vlan']));
  if (!refusalIsUserError(() => m.bridge.removeFdb(mac, vid))) throw new UserError(`no FDB entry for ${formatMac(mac)} on bridge ${m.bridge.name}`);
  return null;
});

registerCommand('fdb-flush', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const port = optStr(a, 'port');
  return { flushed: refusalIsUserError(() => m.bridge.flushFdb({ port })) };
});
