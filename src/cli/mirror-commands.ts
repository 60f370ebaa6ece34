// CLI verbs on port mirroring (SPAN): `softbr mirror add BR NAME --from PORT[,PORT] [--direction
// in|out|both] --to PORT`, `softbr mirror del BR NAME`, `softbr mirror show [BR] [--json]`.
import type { Command } from 'commander';
import { bridgeName, mirrorSources } from '../control/args.js';
import { mirrorDirection } from '../bridge/mirror.js';
import type { MirrorRow } from '../control/wire-types.js';
import { formatMirrorShow, formatMirrorJson } from './format/index.js';

type Req = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

export function registerMirrorCommands(program: Command, req: Req): void {
  const mirror = program.command('mirror').description('port mirroring (SPAN): copy ports\' frames to an analyser port');
  mirror.command('add <bridge> <name>')
    .description('copy the frames crossing the --from ports to the analyser port --to. The analyser takes no part in\n'
      + 'forwarding while it is one (what it receives is dropped, it learns nothing, floods skip it), as a SPAN\n'
      + 'destination on a hardware switch; copies it cannot take at once are dropped and counted (mirror_drop)')
    .requiredOption('--from <ports>', 'source ports, comma-separated (PORT[,PORT...])')
    .option('--direction <dir>', 'which frames of the sources: in (received), out (sent) or both', 'both')
    .requiredOption('--to <port>', 'the analyser port (a TAP or veth where tcpdump or Wireshark listens)')
    .addHelpText('after', '\nExample:\n  softbr mirror add br0 span0 --from tap1,tap2 --to tap9\n  softbr mirror add br0 ingress --from tap1 --direction in --to tap9')
    .action(async (br: string, name: string, o: { from: string; direction: string; to: string }) => {
      await req('mirror-add', { bridge: bridgeName(br), name, from: mirrorSources(o.from), direction: mirrorDirection(o.direction), to: o.to });
    });
  mirror.command('del <bridge> <name>').description('end a mirror session; its analyser forwards again')
    .action(async (br: string, name: string) => { await req('mirror-del', { bridge: bridgeName(br), name }); });
  mirror.command('show [bridge]').description('list mirror sessions with the copies made and dropped')
    .option('-j, --json', 'JSON output')
    .option('-p, --pretty', 'pretty JSON')
    .action(async (br: string | undefined, o: { json?: boolean; pretty?: boolean }) => {
      const rows = await req<MirrorRow[]>('mirror-show', br === undefined ? {} : { bridge: bridgeName(br) });
      process.stdout.write(o.json ? formatMirrorJson(rows, { pretty: o.pretty }) : formatMirrorShow(rows));
    });
}
