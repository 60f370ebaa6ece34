// CLI verbs on 802.1Q VLANs in iproute2's words: `softbr vlan add|del dev PORT vid N [pvid]
// [untagged] [self] [master]`, `softbr vlan show [dev PORT] [-j [-p]]` (bridge vlan show's
// layout), and `softbr vlan filtering BRIDGE on|off` (the kernel's vlan_filtering).
import type { Command } from 'commander';
import { UserError } from '../control/protocol.js';
import { bridgeName, memberVlanArg, onOff } from '../control/args.js';
import type { VlanRow } from '../control/wire-types.js';
import { formatVlanShow, formatVlanJson } from './format/index.js';

type Req = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

interface VlanWords { dev: string; vid: number; pvid: boolean; untagged: boolean }

/** `dev PORT vid N [pvid] [untagged] [self] [master]`, as bridge vlan add takes them. */
export function parseVlanWords(words: readonly string[], verb: 'add' | 'del'): VlanWords {
  const usage = `usage: softbr vlan ${verb} dev PORT vid VID${verb === 'add' ? ' [pvid] [untagged]' : ''} [self] [master]`;
  let dev: string | undefined;
  let vid: number | undefined;
  let pvid = false;
  let untagged = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'dev' || w === 'vid') {
      const v = words[++i];
      if (v === undefined) throw new UserError(`'${w}' needs a value: ${usage}`);
      if (w === 'dev') dev = v;
      else vid = memberVlanArg(v);
    } else if (w === 'pvid' && verb === 'add') pvid = true;
    else if (w === 'untagged' && verb === 'add') untagged = true;
    // self (the bridge device's own entries) and master (a port's) are what dev already says
    else if (w !== 'self' && w !== 'master') throw new UserError(`unknown word '${w}': ${usage}`);
  }
  if (dev === undefined) throw new UserError(`missing 'dev PORT': ${usage}`);
  if (vid === undefined) throw new UserError(`missing 'vid VID': ${usage}`);
  return { dev, vid, pvid, untagged };
}

export function registerVlanCommands(program: Command, req: Req): void {
  const vlan = program.command('vlan').description('802.1Q VLANs of ports, as iproute2\'s bridge vlan');
  vlan.command('show').description('list each port\'s VLANs (PVID, egress untagged)')
    .argument('[words...]', 'dev PORT')
    .option('-j, --json', 'JSON output (as bridge -j vlan show)')
    .option('-p, --pretty', 'pretty JSON')
    .action(async (words: string[], o: { json?: boolean; pretty?: boolean }) => {
      let dev: string | undefined;
      if (words.length > 0) {
        if (words[0] !== 'dev' || words.length !== 2) throw new UserError('usage: softbr vlan show [dev PORT]');
        dev = words[1];
      }
      const rows = await req<VlanRow[]>('vlan-show', dev === undefined ? {} : { dev });
      process.stdout.write(o.json ? formatVlanJson(rows, { pretty: o.pretty }) : formatVlanShow(rows));
    });
  vlan.command('add').description('make a port a member of a VLAN: vlan add dev PORT vid N [pvid] [untagged]')
    .argument('<words...>', 'dev PORT vid N [pvid] [untagged] [self]')
    .action(async (words: string[]) => { await req('vlan-add', { ...parseVlanWords(words, 'add') }); });
  vlan.command('del').description('take a port out of a VLAN: vlan del dev PORT vid N')
    .argument('<words...>', 'dev PORT vid N')
    .action(async (words: string[]) => {
      const w = parseVlanWords(words, 'del');
      await req('vlan-del', { dev: w.dev, vid: w.vid });
    });
  vlan.command('filtering <bridge> <state>').description('VLAN filtering on or off (the kernel\'s vlan_filtering)')
    .action(async (br: string, st: string) => { await req('vlan-filtering', { bridge: bridgeName(br), on: onOff(st, 'vlan_filtering') }); });
}
