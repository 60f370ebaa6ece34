// `softbr lab down NAME`: removes everything `up` made, from the state file alone, so it also
// works after `up` (or the daemon) crashed: the processes the lab started, its daemon (which
// deletes the TAPs it made), every namespace and root-namespace link carrying the lab's prefix,
// and the state. Never leaves the state file while something of the lab is still there.
import { UserError } from '../../user-error.js';
import { removePrefixed } from '../netns.js';
import { listLinks, listNamespaces } from '../host.js';
import { listStates, readState, removeState } from './state.js';
import { stopPid, running } from './lab-daemon.js';

export async function downLab(name: string): Promise<{ removed: string[] }> {
  const st = readState(name);
  if (!st) {
    const names = listStates().map((s) => s.name);
    throw new UserError(`no lab named ${name} is up (labs: ${names.join(', ') || 'none'})`);
  }
  for (const p of st.pids) if (running(p.pid)) await stopPid(p.pid, 2000);
  if (st.daemonPid !== undefined) await stopPid(st.daemonPid);
  const removed = st.prefix ? await removePrefixed(st.prefix) : [];
  if (st.prefix) {
    const prefix = st.prefix;
    // the kernel tears namespaces down asynchronously
    const end = Date.now() + 3000;
    for (;;) {
      const left = [...(await listNamespaces()), ...(await listLinks())].filter((n) => n.startsWith(prefix));
      if (left.length === 0) break;
      if (Date.now() > end) throw new Error(`lab ${name}: still present after down: ${left.join(', ')} (state kept in place; run softbr lab down ${name} again)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  removeState(name);
  return { removed };
}
