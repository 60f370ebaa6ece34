// `softbr lab cut NAME A B`: pulls the cable between two ends of a running lab (for a spanning
// tree to heal around): the link's ports leave their bridges and its devices are deleted.
import { call } from '../../control/client.js';
import { UserError } from '../../user-error.js';
import { sh } from '../sh.js';
import { readState, writeState, type LabState } from './state.js';

export async function cutLink(name: string, a: string, b: string): Promise<LabState['links'][number]> {
  const st = readState(name);
  if (!st) throw new UserError(`no lab named ${name} is up`);
  const link = st.links.find((l) => (l.ends[0] === a && l.ends[1] === b) || (l.ends[0] === b && l.ends[1] === a));
  if (!link) throw new UserError(`lab ${name} has no link ${a} -- ${b} (links: ${st.links.map((l) => l.ends.join(' -- ')).join(', ') || 'none'})`);
  for (const p of link.ports) await call(st.control, 'delif', { bridge: p.bridge, port: p.port });
  for (const d of link.devices) {
    // a TAP went with its port; a veth end goes with its peer; a host's end lives in its namespace
    await sh('ip', ['link', 'del', d], { allowFail: true });
  }
  st.links = st.links.filter((l) => l !== link);
  writeState(st);
  return link;
}
