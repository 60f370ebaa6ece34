// Control commands of the spanning tree: on (802.1D)/rstp/off, RSTP edge ports and migration
// checks, the bridge's timers and priority, a port's path
// cost and priority (brctl's setfd/sethello/setmaxage/setbridgeprio/setpathcost/setportprio), and
// showstp. Ranges are the engine's (STP_LIMITS), so what passes here the engine accepts.
import { STP_LIMITS } from '../stp/constants.js';
import { registerCommand, type CommandContext } from './commands.js';
import { numIn, onOff, stpModeArg } from './args.js';
import { UserError } from './protocol.js';
import type { ManagedBridge } from './daemon.js';

/** A timer given in seconds: validated against range, set in ms. */
function timer(what: string, range: readonly [number, number], set: (m: ManagedBridge, ms: number) => void) {
  return ({ daemon, args: a }: CommandContext): null => {
    const m = daemon.get(a['bridge']);
    set(m, numIn(a['seconds'], what, range[0], range[1]) * 1000);
    return null;
  };
}

registerCommand('setfd', timer('forward delay', STP_LIMITS.forwardDelay, (m, ms) => m.bridge.stp.setForwardDelay(ms)));
registerCommand('sethello', timer('hello time', STP_LIMITS.hello, (m, ms) => m.bridge.stp.setHelloTime(ms)));
registerCommand('setmaxage', timer('max age', STP_LIMITS.maxAge, (m, ms) => m.bridge.stp.setMaxAge(ms)));

registerCommand('setbridgeprio', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  m.bridge.stp.setBridgePriority(numIn(a['priority'], 'bridge priority', ...STP_LIMITS.priority, true));
  return null;
});

registerCommand('stp', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  // on is 802.1D as brctl's stp; rstp is RSTP; off stops whichever runs
  const mode = stpModeArg(a['on']);
  if (mode === false) {
    m.bridge.stp.disable();
    return null;
  }
  m.bridge.stp.setProtocol(mode === 'rstp' ? 'rstp' : 'stp');
  m.bridge.stp.enable();
  return null;
});

registerCommand('setportedge', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = daemon.port(m, a['port']);
  m.bridge.stp.setPortEdge(p.no, onOff(a['on'], 'edge port'));
  return null;
});

registerCommand('setportmcheck', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = daemon.port(m, a['port']);
  if (m.bridge.stp.protocol !== 'rstp') throw new UserError(`bridge ${m.bridge.name} runs 802.1D: a migration check needs RSTP (softbr stp ${m.bridge.name} rstp)`);
  m.bridge.stp.migrationCheck(p.no);
  return null;
});

registerCommand('setpathcost', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = daemon.port(m, a['port']);
  m.bridge.stp.setPathCost(p.no, numIn(a['cost'], 'path cost', ...STP_LIMITS.pathCost, true));
  return null;
});

registerCommand('setportprio', ({ daemon, args: a }) => {
  const m = daemon.get(a['bridge']);
  const p = daemon.port(m, a['port']);
  m.bridge.stp.setPortPriority(p.no, numIn(a['priority'], 'port priority', ...STP_LIMITS.portPriority, true));
  return null;
});

registerCommand('showstp', ({ daemon, args: a }) => daemon.stpView(daemon.get(a['bridge'])));
