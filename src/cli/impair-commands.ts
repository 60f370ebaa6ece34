// CLI verbs for link impairments and rate limits, in netem's words:
//   softbr impair BRIDGE PORT [in|out|both] delay 50ms jitter 5ms loss 1% … | clear
//   softbr rate BRIDGE PORT in|out|both RATE [burst SIZE] [limit N] | off
// Words are checked here with the daemon's own parser before anything is sent; both print the
// port's impairments as link show -d does (--json: the same as JSON).
import type { Command } from 'commander';
import { bridgeName } from '../control/args.js';
import { UserError } from '../control/protocol.js';
import type { PortImpairView } from '../control/wire-types.js';
import { directionArg, parseImpairWords, parseRateWords, IMPAIR_USAGE, RATE_USAGE } from '../impair/spec.js';
import { formatImpairLines } from './format/index.js';

type Req = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

const IMPAIR_HELP = `
Words (netem's, each at most once; every number with its unit):
  delay TIME [JITTER [CORR%]]   delay every frame (e.g. 50ms, 1.5s, 200us)
  jitter TIME                   vary the delay by up to ±TIME (uniform) or σ = TIME (normal)
  distribution uniform|normal   jitter's distribution (default uniform)
  correlation N%                correlation of each jitter draw with the last
  loss [random] N%              lose N% of frames at random
  loss N% burst LEN             lose N% in bursts of LEN frames on average (Gilbert-Elliott)
  loss gemodel P% [R% [1-H% [1-K%]]]  Gilbert-Elliott as netem: P good→bad, R bad→good,
                                1-H loss in bad (100%), 1-K loss in good (0%)
  duplicate N%                  send N% of frames twice
  reorder N%                    send N% at once, ahead of the delayed ones (needs delay)
  corrupt N%                    flip one bit after the Ethernet header in N% (length kept)
  rate RATE [burst SIZE]        token bucket: out shapes (frames wait), in polices (drops);
                                RATE in bit, kbit, mbit, gbit, bps, kbps, mbps or pps, kpps;
                                burst default RATE × 10 ms (at least one frame)
  limit FRAMES                  delay line size (default 1000); a full line drops
                                (counted as impair_queue_full)
  seed N                        seed of the random draws: the same seed, the same run
  clear                         remove every impairment and the rate of the direction(s)

Direction: in = frames the port receives, out = frames the bridge sends out of it (default both).
'softbr impair' replaces the direction's impairments; a rate set before is kept unless the words
name one. Shown by 'softbr link show -d'.

Examples:
  softbr impair br0 tap1 out delay 50ms jitter 5ms distribution normal loss 1% seed 42
  softbr impair br0 tap1 in loss 2% burst 4
  softbr impair br0 tap1 clear
`;

const RATE_HELP = `
Token bucket per direction: out shapes (frames wait in the port's delay line, dropped as
impair_queue_full only when it is full), in polices (frames over the rate are dropped, counted
as policed). RATE in bit, kbit, mbit, gbit, bps, kbps, mbps (bytes/s) or pps, kpps (frames/s);
burst SIZE in b, k, m (or frames for a frame rate), default RATE × 10 ms so that TCP keeps its pace.

Examples:
  softbr rate br0 tap1 out 100mbit
  softbr rate br0 tap1 in 10mbit burst 64k
  softbr rate br0 tap1 both off
`;

function print(v: PortImpairView, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify(v)}\n` : formatImpairLines(v, 0) || 'no impairments\n');
}

export function registerImpairCommands(program: Command, req: Req): void {
  program.command('impair <bridge> <port> <words...>')
    .summary('delay, jitter, loss, duplication, reordering, corruption, rate of a port')
    .description(`impair a port's link, as netem does: ${IMPAIR_USAGE}`)
    .option('--json', 'JSON output')
    .addHelpText('after', IMPAIR_HELP)
    .action(async (br: string, port: string, words: string[], o: { json?: boolean }) => {
      bridgeName(br);
      let dir = 'both';
      if (words[0] === 'in' || words[0] === 'out' || words[0] === 'both') dir = words.shift()!;
      if (words.length === 0) throw new UserError(`missing impairment words: ${IMPAIR_USAGE}, or clear`);
      if (!(words.length === 1 && words[0] === 'clear')) parseImpairWords(words);
      print(await req<PortImpairView>('impair', { bridge: br, port, dir, words }), o.json);
    });
  program.command('rate <bridge> <port> <direction> <words...>')
    .summary('rate-limit a port: shape what it sends, police what it receives')
    .description(`rate-limit a port's direction (in, out or both): ${RATE_USAGE}`)
    .option('--json', 'JSON output')
    .addHelpText('after', RATE_HELP)
    .action(async (br: string, port: string, dir: string, words: string[], o: { json?: boolean }) => {
      bridgeName(br);
      directionArg(dir);
      parseRateWords(words);
      print(await req<PortImpairView>('rate', { bridge: br, port, dir, words }), o.json);
    });
}
