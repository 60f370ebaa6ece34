// `--control-group GROUP`: the control socket becomes 0660 with that group, so members of an
// admin group run the CLI without root. Group names resolve through NSS (getent), so LDAP/sssd
// groups work as they do for every other tool.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { UserError } from './protocol.js';

/** The gid of a group name or number; throws UserError for a group that does not exist. */
export function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  let line = '';
  try {
    line = execFileSync('getent', ['group', group], { encoding: 'utf8' }).trim();
  } catch {
    throw new UserError(`--control-group: no group named '${group}' (see getent group)`);
  }
  const gid = Number(line.split(':')[2]);
  if (!Number.isInteger(gid)) throw new UserError(`--control-group: cannot read the gid of '${group}' from '${line}'`);
  return gid;
}

/** Gives the socket at path to group gid with mode 0660 (owner unchanged). */
export function shareSocket(path: string, gid: number): void {
  chownSync(path, -1, gid);
  chmodSync(path, 0o660);
}
