// `softbr bench`: the side-by-side forwarding benchmark (softbr, the kernel bridge, vde_switch and
// a C TAP forwarder between two namespaced hosts). This file is the verb's options and output;
// the harness is src/benchmark/, loaded only when the verb runs.
import { writeFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { UserError } from '../control/protocol.js';
import { PING_COUNT, PING_WARMUP, SWITCHES, SWITCH_IDS, TESTS, TEST_IDS } from '../benchmark/catalog.js';
import { NOISY_OTHERS_PCT } from '../benchmark/cpu.js';
import { DEFAULT_ROUNDS, DEFAULT_SECONDS, parseBenchOptions, type BenchOptions, type RawBenchOptions } from '../benchmark/options.js';

const HELP_AFTER = `
Switches (--switches, default all):
${SWITCH_IDS.map((id) => `  ${id.padEnd(18)}${SWITCHES[id].label}`).join('\n')}

Tests (--tests, default all):
${TEST_IDS.map((id) => `  ${id.padEnd(18)}${TESTS[id].label}`).join('\n')}

How it measures: two hosts h1 and h2 in network namespaces (named bnPID…, removed at the end,
also on Ctrl-C); each switch is built, measured and torn down in turn, round after round
(A B C A B C). Frame tests: trafgen -q pinned to CPU0 in h1 sends UDP frames to h2; delivered =
h2's eth0 rx_packets, offered = h1's tx_packets + tx_dropped; drops at the sender's queue are
reported separately. TCP: iperf3 for --seconds, 1 or 4 streams. Latency: ${PING_WARMUP} pings not counted, then ${PING_COUNT} pings at 1 ms,
min/avg/p99/max. CPU: the switch's processes from /proc/PID/stat (n/a for the kernel bridge,
whose work shows as softirq). A cell is marked noisy (*) when processes outside the run took
more than ${NOISY_OTHERS_PCT}% of a core while it was measured.

Profiling (--profile DIR): the table is never measured under the profiler. One extra pass per
switch runs the small and large frame tests with \`perf record -a -g\` (cpu-clock samples); for each
it keeps DIR/SWITCH-TEST.data and writes DIR/SWITCH-TEST.txt: the switch's CPU time per delivered
frame, its split into kernel, JS, node/V8, the addon and libraries, and the hottest symbols of the
switch and of the whole machine; DIR/profile.json holds all summaries. Needs perf (Debian linux-perf).

Needs root; trafgen (Debian netsniff-ng), iperf3, vde_switch (vde2) and cc (gcc) are used when
installed, and what needs a missing one is skipped with a note.

Examples:
  softbr bench                                   full run: all switches, all tests, 3 rounds of 10 s
  softbr bench --switches softbr-tap,cforward --tests small --rounds 1 --seconds 2
  softbr bench --json bench.json --svg bench.svg   the table on stdout, the JSON and a chart in files
  softbr bench --switches softbr-tap,cforward --tests small --profile prof   where each spends its time
`;

function options(raw: RawBenchOptions): BenchOptions {
  try {
    return parseBenchOptions(raw);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    process.stderr.write(`softbr bench: ${e.message}\n`);
    throw new CommanderError(2, 'softbr.invalidArgument', e.message);
  }
}

function save(file: string, text: string, what: string): void {
  try { writeFileSync(file, text); } catch (e) { throw new UserError(`cannot write ${file}: ${(e as Error).message}`); }
  process.stderr.write(`softbr bench: ${what} written to ${file}\n`);
}

export function registerBenchCommand(program: Command): void {
  program.command('bench')
    .description('measure forwarding side by side: softbr on TAP and veth ports, the kernel bridge, vde_switch, a C TAP forwarder (root)')
    .option('--switches <list>', `comma-separated switches to measure (${SWITCH_IDS.join(', ')})`)
    .option('--tests <list>', `comma-separated tests (${TEST_IDS.join(', ')})`)
    .option('--rounds <n>', `interleaved rounds; cells show the median and min–max (default ${DEFAULT_ROUNDS})`)
    .option('--seconds <s>', `length of each frame and TCP measurement; TCP in whole seconds (default ${DEFAULT_SECONDS})`)
    .option('--json [file]', 'the whole result as one JSON object (with the machine described): on stdout instead of the table, or into FILE beside it')
    .option('--svg <file>', 'also write a bar chart of the result as SVG')
    .option('--profile <dir>', 'after the rounds, run each frame test once more under perf record (not measured) and write where the switch spends its time per frame into DIR')
    .addHelpText('after', HELP_AFTER)
    // bad options throw to main(), which exits 2, instead of commander exiting 1 from here
    .exitOverride()
    .action(async (raw: RawBenchOptions) => {
      const o = options(raw);
      const { runBench, BenchInterrupted } = await import('../benchmark/runner.js');
      const { formatReport } = await import('../benchmark/table.js');
      const { renderSvg } = await import('../benchmark/svg-chart.js');
      let r;
      try {
        r = await runBench(o, { version: program.version() ?? 'unknown' });
      } catch (e) {
        if (!(e instanceof BenchInterrupted)) throw e;
        process.exitCode = e.exitCode;
        return;
      }
      const json = JSON.stringify(r, null, 2) + '\n';
      process.stdout.write(o.json ? json : formatReport(r));
      if (o.jsonFile !== undefined) save(o.jsonFile, json, 'result');
      if (o.svg !== undefined) save(o.svg, renderSvg(r), 'chart');
    });
}
