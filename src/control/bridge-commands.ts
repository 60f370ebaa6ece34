// Control commands on bridges and their ports: brctl's addbr/delbr/addif/delif/show, the port
// flags (hairpin, setportflag), `bridge link show`, and ping (is a daemon there).
import { formatMac } from '../frame/mac.js';
import { registerCommand } from './commands.js';
import { portSpec } from './port-kinds/index.js';
import { str, optStr, onOff, macArg, bridgeName, portFlagArg } from './args.js';

registerCommand('ping', ({ daemon }) => ({ pid: process.pid, bridges: daemon.bridges.size }));

registerCommand('addbr', async ({ daemon, args: a }) => {
  await daemon.addBridge({ name: bridgeName(a['bridge']), local: a['local'] === undefined ? true : onOff(a['local'], 'local'), mac: optStr(a, 'mac') !== undefined ? formatMac(macArg(a['mac'])) : undefined });
  return null;
});

registerCommand('delbr', ({ daemon, args: a }) => { daemon.deleteBridge(bridgeName(a['bridge'])); return null; });

registerCommand('addif', async ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = await daemon.addPort(m, { name: str(a, 'port'), takeAddress: a['takeAddress'] === undefined ? undefined : onOff(a['takeAddress'], 'takeAddress') });
  // an endpoint (vde:DIR) has no port number: its clients get theirs as they connect
  return p === null ? { port: portSpec(str(a, 'port')).name, no: null } : { port: p.name, no: p.no };
});

registerCommand('delif', ({ daemon, args: a }) => { daemon.removePort(daemon.get(a['bridge']), str(a, 'port')); return null; });

registerCommand('show', ({ daemon, args: a }) => daemon.showRows(a['bridge'] === undefined ? undefined : bridgeName(a['bridge'])));

registerCommand('hairpin', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  daemon.port(m, a['port']).setFlags({ hairpin: onOff(a['on'], 'hairpin mode') });
  return null;
});

registerCommand('setflag', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = daemon.port(m, a['port']);
  const flag = str(a, 'flag');
  p.setFlags({ [portFlagArg(flag)]: onOff(a['on'], flag) });
  return null;
});

registerCommand('link-show', ({ daemon }) => daemon.linkRows());
