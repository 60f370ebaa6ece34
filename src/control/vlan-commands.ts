// Control commands on 802.1Q VLANs, as iproute2's `bridge vlan add|del|show` and the bridge's
// vlan_filtering switch: `dev P` names a port of any bridge, or a bridge itself for its host
// port (the kernel's `self` entries).
import type { BridgePort } from '../bridge/port.js';
import { addPortVlan, delPortVlan } from '../bridge/port-vlans.js';
import { registerCommand } from './commands.js';
import { UserError } from './protocol.js';
import { str, memberVlanArg, onOff, bridgeName } from './args.js';
import type { Daemon, ManagedBridge } from './daemon.js';
import { vlanRows } from './views.js';

/** The port `dev name` means: a port of whichever bridge has it, or a bridge's host port. */
function vlanDevice(daemon: Daemon, name: string): { m: ManagedBridge; p: BridgePort } {
  for (const m of daemon.bridges.values()) {
    const p = m.bridge.portByName(name);
    if (p) return { m, p };
  }
  if (daemon.bridges.has(name)) throw new UserError(`bridge ${name} has no host port (it was created with --no-local)`);
  throw new UserError(`${name} is not a port of any softbr bridge, nor a bridge`);
}


registerCommand('vlan-show', ({ daemon, args: a }) => {
  const dev = a['dev'] === undefined ? undefined : str(a, 'dev');
  if (dev !== undefined) vlanDevice(daemon, dev);
  return vlanRows([...daemon.bridges.values()].map((m) => m.bridge), dev);
});

registerCommand('vlan-add', ({ daemon, args: a }) => {
  const { p } = vlanDevice(daemon, str(a, 'dev'));
  addPortVlan(p, memberVlanArg(a['vid']), { pvid: a['pvid'] === true, untagged: a['untagged'] === true });
  return null;
});

registerCommand('vlan-del', ({ daemon, args: a }) => {
  const { p } = vlanDevice(daemon, str(a, 'dev'));
  const vid = memberVlanArg(a['vid']);
  if (!delPortVlan(p, vid)) throw new UserError(`${p.name} is not a member of VLAN ${vid}`);
  return null;
});

registerCommand('vlan-filtering', ({ daemon, args: a }) => {
  const m = daemon.get(bridgeName(a['bridge']));
  const on = onOff(a['on'], 'vlan_filtering');
  // entries learned in one model (one table, or one per VLAN) mean nothing in the other
  if (m.bridge.vlanFiltering !== on) m.bridge.flushFdb();
  m.bridge.vlanFiltering = on;
  return null;
});
