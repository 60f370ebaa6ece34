// CLI verbs of storm control: `softbr storm set BRIDGE PORT CLASS RATE [CLASS RATE…]` limits the
// broadcast, multicast and unknown-unicast frames a port may flood per second (`off` lifts a
// limit), `softbr storm show [BRIDGE [PORT]] [--json]` lists the limits and their drops.
import type { Command } from 'commander';
import { bridgeName, stormRatesArg } from '../control/args.js';
import { UserError } from '../control/protocol.js';
import { STORM_BURST_MS } from '../bridge/storm.js';
import type { StormRow } from '../control/wire-types.js';
import { formatStormShow, formatStormJson } from './format/index.js';

type Req = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

const SET_HELP = `
Classes: broadcast (ff:ff:ff:ff:ff:ff), multicast (other group addresses), unknown-unicast
(unicast to a MAC the FDB does not know). RATE is frames per second the port may flood of that
class: N or Npps (1 to 100000000), or off. A class not named keeps its limit. Up to ${STORM_BURST_MS} ms'
worth of frames pass at once; frames over the limit are dropped on the port they came in on and
counted as drop reason "storm" (softbr_port_drops_total{reason="storm"}). Off by default.

Examples:
  softbr storm set br0 tap1 broadcast 1000pps multicast 2000pps
  softbr storm set br0 tap1 unknown-unicast 500 broadcast off
  softbr storm show br0`;

export function registerStormCommands(program: Command, req: Req): void {
  const storm = program.command('storm').description('storm control: limit the broadcast, multicast and unknown-unicast frames a port floods per second');
  storm.command('set <bridge> <port> <class-rate...>')
    .description('set a port\'s storm-control limits: CLASS RATE pairs (broadcast|multicast|unknown-unicast N[pps]|off)')
    .addHelpText('after', SET_HELP)
    .option('--json', 'print the port\'s limits afterwards as JSON')
    .action(async (br: string, port: string, words: string[], o: { json?: boolean }) => {
      bridgeName(br);
      if (words.length % 2 !== 0) throw new UserError(`storm set takes CLASS RATE pairs, got ${words.length} words: ${words.join(' ')}`);
      const rates = stormRatesArg(words);
      const row = await req<StormRow>('storm-set', { bridge: br, port, rates });
      if (o.json) process.stdout.write(formatStormJson([row]));
    });
  storm.command('show [bridge] [port]').description('list each port\'s storm-control limits and the frames they dropped')
    .option('-j, --json', 'JSON output')
    .option('-p, --pretty', 'pretty JSON')
    .action(async (br: string | undefined, port: string | undefined, o: { json?: boolean; pretty?: boolean }) => {
      const rows = await req<StormRow[]>('storm-show', br === undefined ? {} : { bridge: bridgeName(br), ...(port !== undefined ? { port } : {}) });
      process.stdout.write(o.json ? formatStormJson(rows, { pretty: o.pretty }) : formatStormShow(rows));
    });
}
