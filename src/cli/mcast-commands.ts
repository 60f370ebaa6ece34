// CLI verbs of IGMP/MLD snooping in the kernel bridge's words: `softbr mcast_snooping BR on|off`,
// `mcast_querier BR on|off`, `mcast_router BR PORT 0|1|2`, `mcast_flood_unknown BR on|off`, and
// `softbr mdb show [BR | dev BR] [-s] [-d] [-j [-p]]` in `bridge mdb show`'s layout.
import type { Command } from 'commander';
import { UserError } from '../control/protocol.js';
import { bridgeName, onOff, routerModeArg } from '../control/args.js';
import type { MdbView } from '../control/wire-types.js';
import { formatMdbShow, formatMdbJson } from './format/index.js';

type Req = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

export function registerMcastCommands(program: Command, req: Req): void {
  program.command('mcast_snooping <bridge> <state>')
    .description('IGMP/MLD snooping on or off (the kernel\'s multicast_snooping; default off). On: group traffic goes only\n'
      + 'to ports with members (learned from IGMPv2/v3 and MLDv1/v2 reports) and to multicast-router ports, while a\n'
      + 'querier is present (this bridge with mcast_querier on, or one seen on a port); 224.0.0.x and ff02::1 always flood')
    .addHelpText('after', '\nExample:\n  softbr mcast_snooping br0 on\n  softbr mcast_querier br0 on\n  softbr mdb show br0')
    .action(async (br: string, st: string) => { await req('mcast-snooping', { bridge: bridgeName(br), on: onOff(st, 'mcast_snooping') }); });
  program.command('mcast_querier <bridge> <state>')
    .description('the bridge sends IGMPv2 and MLDv1 general queries (now, after 31.25 s, then every 125 s) and a group query\n'
      + 'after a leave (the kernel\'s multicast_querier; default off)')
    .action(async (br: string, st: string) => { await req('mcast-querier', { bridge: bridgeName(br), on: onOff(st, 'mcast_querier') }); });
  program.command('mcast_router <bridge> <port> <mode>')
    .description('multicast-router port: 0 never, 1 when a query is seen on it (default; for 255 s), 2 always (the kernel\'s mcast_router).\n'
      + 'Router ports get every group and the reports')
    .action(async (br: string, port: string, mode: string) => {
      await req('mcast-router', { bridge: bridgeName(br), port, mode: routerModeArg(mode) });
    });
  program.command('mcast_flood_unknown <bridge> <state>')
    .description('groups nobody joined: on floods them to ports whose mcast_flood is on; off (default, as the kernel) sends them\n'
      + 'to router ports only')
    .action(async (br: string, st: string) => { await req('mcast-flood-unknown', { bridge: bridgeName(br), on: onOff(st, 'mcast_flood_unknown') }); });

  const mdb = program.command('mdb').description('the multicast group database of IGMP/MLD snooping, as iproute2\'s bridge mdb');
  mdb.command('show').description('list group memberships (bridge mdb show\'s layout)')
    .argument('[words...]', 'BRIDGE or dev BRIDGE')
    .option('-s, --stats', 'seconds until each membership expires')
    .option('-d, --details', 'protocol of each entry and the router ports')
    .option('-j, --json', 'JSON output (as bridge -j mdb show)')
    .option('-p, --pretty', 'pretty JSON')
    .action(async (words: string[], o: { stats?: boolean; details?: boolean; json?: boolean; pretty?: boolean }) => {
      let br: string | undefined;
      if (words.length === 1) br = words[0];
      else if (words.length === 2 && words[0] === 'dev') br = words[1];
      else if (words.length !== 0) throw new UserError('usage: softbr mdb show [BRIDGE | dev BRIDGE] [-s] [-d] [-j [-p]]');
      const v = await req<MdbView>('mdb-show', br === undefined ? {} : { bridge: bridgeName(br) });
      process.stdout.write(o.json ? formatMdbJson(v, { pretty: o.pretty }) : formatMdbShow(v, { stats: o.stats, details: o.details }));
    });
}
