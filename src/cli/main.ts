// The softbr command line: brctl's verbs and iproute2's `bridge fdb`/`bridge link` views, each a
// thin client of the daemon's control socket; `daemon` and `demo` run in this process.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { call, ControlClient } from '../control/client.js';
import { controlPath, UserError } from '../control/protocol.js';
import { bridgeName, macArg, ipv4Arg, numIn, onOff, portFlagArg, PORT_FLAG_WORDS, stpModeArg } from '../control/args.js';
import { portSpec, addifHelp } from '../control/port-kinds/index.js';
import { STP_LIMITS } from '../stp/constants.js';
import * as fmt from './format/index.js';
import { registerObserveCommands } from './observe-commands.js';
import { registerBenchCommand } from './bench-command.js';
import { registerConfigCommands } from './config-commands.js';
import { registerLabCommands } from './lab-commands.js';
import { labControlPath } from '../lab/builder/state.js';
import { registerVlanCommands } from './vlan-commands.js';
import { registerImpairCommands } from './impair-commands.js';
import { registerStormCommands } from './storm-commands.js';
import { registerMirrorCommands } from './mirror-commands.js';
import { registerMcastCommands } from './mcast-commands.js';

/** softbr's version from its package.json: the nearest one above this module (dist/src/cli or src/cli). */
export function packageVersion(): string {
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'softbr') return pkg.version;
    } catch { /* not there */ }
  }
  return 'unknown';
}

function out(s: string): void { process.stdout.write(s); }

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('softbr')
    .description('A userspace Ethernet bridge (learning switch): brctl verbs, bridge fdb views, STP, metrics.\n'
      + 'Verbs talk to `softbr daemon` over its control socket (default /run/softbr/control.sock).')
    .version(packageVersion(), '-V, --version')
    .option('--control <path>', 'control socket of the daemon (env SOFTBR_CONTROL)')
    .option('--lab <name>', 'talk to the daemon of a lab made by `softbr lab up` (its socket under /run/softbr/labs/NAME/)')
    .showHelpAfterError('(run softbr --help for the verbs, softbr VERB --help for one)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const sock = () => {
    const o = program.opts<{ control?: string; lab?: string }>();
    if (o.lab !== undefined && o.control !== undefined) throw new UserError('give --control or --lab, not both');
    return o.lab !== undefined ? labControlPath(o.lab) : controlPath(o.control);
  };
  const req = <T = unknown>(cmd: string, args: Record<string, unknown> = {}) => call<T>(sock(), cmd, args);

  program.command('daemon')
    .description('run the bridge daemon in the foreground (needs root)')
    .option('-c, --config <file>', 'YAML config with bridges and ports (reloaded on SIGHUP)')
    .option('--metrics <addr>', 'serve Prometheus /metrics and the live web view (/) on ADDR (host:port; default: the config\'s metrics, else 127.0.0.1:9477)')
    .option('--no-metrics', 'do not serve metrics (nor the web view)')
    .option('--control-group <group>', 'let this group use the control socket (mode 0660), so its members run the CLI without root')
    .option('--web-topology <file>', "a lab's state file: the web view at / draws its hosts and links (softbr lab up passes it)")
    .option('--busy-poll <usec>', 'after each wakeup that brought frames, keep polling for USEC microseconds instead of sleeping: lower latency for a core while it spins (0 = off, the default; env SOFTBR_BUSY_POLL)')
    .option('-q, --quiet', 'no log lines on stderr')
    .action(async (o: { config?: string; metrics?: string | false; quiet?: boolean; controlGroup?: string; webTopology?: string; busyPoll?: string }) => {
      // loaded here so that client verbs start without the daemon's modules (yaml, zod, prom-client, the addon)
      const { runDaemon } = await import('../control/run-daemon.js');
      await runDaemon({
        config: o.config, control: program.opts<{ control?: string }>().control, metrics: o.metrics, quiet: o.quiet,
        controlGroup: o.controlGroup, topology: o.webTopology, busyPoll: o.busyPoll,
      });
    });

  program.command('addbr <bridge>')
    .description('create a bridge (with a host port TAP of the same name, like the kernel\'s br0)')
    .option('--no-local', 'no host port: the host gets no interface on this bridge')
    .option('--mac <mac>', 'bridge MAC (default: random locally administered)')
    .option('--thread', 'run the bridge\'s data plane on a worker thread of its own (two bridges use two cores)')
    .action(async (br: string, o: { local: boolean; mac?: string; thread?: boolean }) => {
      bridgeName(br);
      if (o.mac !== undefined) macArg(o.mac);
      await req('addbr', { bridge: br, local: o.local, mac: o.mac, ...(o.thread === true ? { thread: true } : {}) });
    });

  program.command('delbr <bridge>').description('delete a bridge and close its ports')
    .action(async (br: string) => { await req('delbr', { bridge: bridgeName(br) }); });

  program.command('addif <bridge> <port...>')
    .summary('add ports: TAPs, existing netdevs, sockets of QEMU guests')
    .description('add ports to a bridge: TAPs softbr creates, existing netdevs, sockets that QEMU guests connect to')
    .option('--take-address', 'move the device\'s IP addresses and routes to the bridge\'s host port (moved back on delif, or if any step fails)')
    .addHelpText('after', `\n${addifHelp()}`)
    .action(async (br: string, ports: string[], o: { takeAddress?: boolean }) => {
      bridgeName(br);
      ports.forEach((p) => portSpec(p));
      for (const p of ports) await req('addif', { bridge: br, port: p, ...(o.takeAddress ? { takeAddress: true } : {}) });
    });

  program.command('delif <bridge> <port...>').description('remove ports from a bridge')
    .action(async (br: string, ports: string[]) => {
      bridgeName(br);
      for (const p of ports) await req('delif', { bridge: br, port: p });
    });

  program.command('show [bridge]').description('list bridges (as brctl show)')
    .option('--json', 'JSON output')
    .action(async (br: string | undefined, o: { json?: boolean }) => {
      const rows = await req<fmt.BridgeInfo[]>('show', br === undefined ? {} : { bridge: bridgeName(br) });
      out(o.json ? fmt.formatBrctlShowJson(rows, { keepOrder: br !== undefined }) : fmt.formatBrctlShow(rows, { keepOrder: br !== undefined }));
    });

  program.command('showmacs <bridge>').description('list learned and local MACs (as brctl showmacs)')
    .option('--json', 'JSON output')
    .action(async (br: string, o: { json?: boolean }) => {
      const rows = await req<fmt.MacRow[]>('showmacs', { bridge: bridgeName(br) });
      out(o.json ? fmt.formatShowmacsJson(rows) : fmt.formatShowmacs(rows));
    });

  program.command('showstp <bridge>').description('spanning tree state (as brctl showstp)')
    .option('--json', 'JSON output')
    .action(async (br: string, o: { json?: boolean }) => {
      const info = await req<fmt.StpInfo>('showstp', { bridge: bridgeName(br) });
      out(o.json ? fmt.formatShowstpJson(info) : fmt.formatShowstp(info));
    });

  const secs = (verb: string, what: string, cmd: string) => program.command(`${verb} <bridge> <seconds>`)
    .description(`set ${what}`)
    .action(async (br: string, s: string) => { await req(cmd, { bridge: bridgeName(br), seconds: s }); });
  const range = (r: readonly [number, number]) => `${r[0]}–${r[1]}`;
  secs('setageing', 'MAC ageing time in seconds (0 = hub mode: forget at once)', 'setageing');
  secs('setfd', `STP forward delay (${range(STP_LIMITS.forwardDelay)} s)`, 'setfd');
  secs('sethello', `STP hello time (${range(STP_LIMITS.hello)} s)`, 'sethello');
  secs('setmaxage', `STP max age (${range(STP_LIMITS.maxAge)} s)`, 'setmaxage');

  program.command('stp <bridge> <state>').description('spanning tree: on (802.1D, as the kernel), rstp (Rapid STP, 802.1D-2004) or off')
    .addHelpText('after', `
  on     802.1D-1998, the kernel bridge's STP (30–50 s to reconverge)
  rstp   RSTP: port roles, proposal/agreement, edge ports; about a second to reconverge;
         a port that hears an 802.1D bridge speaks 802.1D to it (after 3 s of migration delay)
  off    no spanning tree: every port forwards

Examples:
  softbr stp br0 rstp
  softbr showstp br0            # role and protocol of each port
  softbr setportedge br0 tap1 on`)
    .action(async (br: string, st: string) => { await req('stp', { bridge: bridgeName(br), on: stpModeArg(st) }); });
  program.command('setportedge <bridge> <port> <state>').description('RSTP edge port on/off: it leads to hosts only and forwards at once (until it hears a BPDU)')
    .action(async (br: string, port: string, st: string) => { await req('setportedge', { bridge: bridgeName(br), port, on: onOff(st, 'edge port') }); });
  program.command('setportmcheck <bridge> <port>').description('RSTP migration check: a port that fell back to 802.1D tries RSTP again')
    .action(async (br: string, port: string) => { await req('setportmcheck', { bridge: bridgeName(br), port }); });
  program.command('setbridgeprio <bridge> <prio>').description(`STP bridge priority (${range(STP_LIMITS.priority)})`)
    .action(async (br: string, p: string) => { await req('setbridgeprio', { bridge: bridgeName(br), priority: numIn(p, 'bridge priority', ...STP_LIMITS.priority, true) }); });
  program.command('setpathcost <bridge> <port> <cost>').description(`STP path cost of a port (${range(STP_LIMITS.pathCost)})`)
    .action(async (br: string, port: string, c: string) => { await req('setpathcost', { bridge: bridgeName(br), port, cost: numIn(c, 'path cost', ...STP_LIMITS.pathCost, true) }); });
  program.command('setportprio <bridge> <port> <prio>').description(`STP port priority (${range(STP_LIMITS.portPriority)})`)
    .action(async (br: string, port: string, p: string) => { await req('setportprio', { bridge: bridgeName(br), port, priority: numIn(p, 'port priority', ...STP_LIMITS.portPriority, true) }); });
  program.command('hairpin <bridge> <port> <state>').description('let frames go back out of the port they came in on')
    .action(async (br: string, port: string, st: string) => { await req('hairpin', { bridge: bridgeName(br), port, on: onOff(st, 'hairpin mode') }); });
  program.command('setportflag <bridge> <port> <flag> <state>').description(`port flag: ${Object.keys(PORT_FLAG_WORDS).join(', ')}`)
    .action(async (br: string, port: string, flag: string, st: string) => { bridgeName(br); portFlagArg(flag); await req('setflag', { bridge: br, port, flag, on: onOff(st, flag) }); });

  const fdb = program.command('fdb').description('forwarding database, as iproute2\'s bridge fdb');
  fdb.command('show').description('list FDB entries')
    .option('--br <bridge>', 'only this bridge')
    .option('-s, --statistics', 'show used/updated seconds')
    .option('-j, --json', 'JSON output (as bridge -j fdb show)')
    .option('-p, --pretty', 'pretty JSON')
    .action(async (o: { br?: string; statistics?: boolean; json?: boolean; pretty?: boolean }) => {
      const rows = await req<fmt.FdbRow[]>('fdb-show', o.br === undefined ? {} : { bridge: bridgeName(o.br) });
      out(o.json ? fmt.formatFdbJson(rows, { stats: o.statistics, pretty: o.pretty }) : fmt.formatFdbShow(rows, { stats: o.statistics }));
    });
  fdb.command('add <mac> <dev> <port> [words...]').description('add a static entry: fdb add MAC dev PORT [static]; on a VXLAN port fdb add MAC dev PORT dst IP')
    .option('--vlan <vid>', 'VLAN id')
    .addHelpText('after', '\nOn a VXLAN port, `dst IP` programs the port\'s own table as iproute2 does for a vxlan device:\n'
      + '  softbr fdb add 52:54:00:12:34:56 dev vx0 dst 10.200.0.2   frames to that MAC go to VTEP 10.200.0.2\n'
      + '  softbr fdb add 00:00:00:00:00:00 dev vx0 dst 10.200.0.3   one more VTEP on the flood list\n')
    .action(async (mac: string, dev: string, port: string, words: string[], o: { vlan?: string }) => {
      const w = fdbWords(mac, dev, words, 'add');
      await req('fdb-add', { mac, port, vlan: o.vlan, ...(w.dst !== undefined ? { dst: w.dst } : {}) });
    });
  fdb.command('append <mac> <dev> <port> <dst> <ip>').description('add a VTEP to a VXLAN port\'s flood list: fdb append 00:00:00:00:00:00 dev PORT dst IP')
    .action(async (mac: string, dev: string, port: string, dstWord: string, ip: string) => {
      const w = fdbWords(mac, dev, [dstWord, ip], 'append');
      await req('fdb-append', { mac, port, dst: w.dst });
    });
  fdb.command('del <mac> <dev> <port> [words...]').description('delete an entry: fdb del MAC dev PORT; a VXLAN port\'s own: fdb del MAC dev PORT self [dst IP]')
    .option('--vlan <vid>', 'VLAN id')
    .action(async (mac: string, dev: string, port: string, words: string[], o: { vlan?: string }) => {
      const w = fdbWords(mac, dev, words, 'del');
      if (w.kind !== undefined && w.kind !== 'self' && w.kind !== 'master') throw new UserError(`unexpected '${w.kind}': usage fdb del MAC dev PORT [self] [dst IP]`);
      await req('fdb-del', { mac, port, vlan: o.vlan, ...(w.dst !== undefined ? { dst: w.dst } : {}), ...(w.kind === 'self' ? { self: true } : {}) });
    });
  fdb.command('flush <bridge>').description('forget learned entries (static and local stay)')
    .option('--port <port>', 'only entries on this port')
    .action(async (br: string, o: { port?: string }) => {
      const r = await req<{ flushed: number }>('fdb-flush', { bridge: bridgeName(br), port: o.port });
      out(`flushed ${r.flushed} entries\n`);
    });

  const link = program.command('link').description('ports, as iproute2\'s bridge link');
  link.command('show').description('list bridge ports with state and flags')
    .option('-d, --details', 'flags line (and a port\'s impairments, softbr impair)')
    .option('-j, --json', 'JSON output')
    .action(async (o: { details?: boolean; json?: boolean }) => {
      const rows = await req<fmt.LinkRow[]>('link-show');
      out(o.json ? fmt.formatLinkJson(rows, { details: o.details }) : fmt.formatLinkShow(rows, { details: o.details }));
    });

  program.command('monitor [bridge]').description('stream bridge events: learned, moved, aged, port and STP changes')
    .option('--json', 'one JSON object per line')
    .action(async (br: string | undefined, o: { json?: boolean }) => {
      const c = await ControlClient.connect(sock());
      await c.request('monitor', br === undefined ? {} : { bridge: bridgeName(br) }, (ev) => {
        const e = ev as { type: string };
        if (e.type === 'hello') return;
        out(o.json ? JSON.stringify(ev) + '\n' : fmt.formatEvent(ev as fmt.EventLike) + '\n');
      });
    });

  program.command('demo').description('the guided lab: a bridge, three namespaced hosts, pings, and the tables before/after (root)')
    .option('--keep', 'leave the lab running until Ctrl-C')
    .action(async (o: { keep?: boolean }) => {
      const { runDemo } = await import('../lab/demo.js');
      await runDemo({ keep: o.keep });
    });

  registerObserveCommands(program, req, sock);
  registerBenchCommand(program);
  registerConfigCommands(program, req);
  registerLabCommands(program);
  registerVlanCommands(program, req);
  registerImpairCommands(program, req);
  registerStormCommands(program, req);
  registerMirrorCommands(program, req);
  registerMcastCommands(program, req);
  return program;
}

/** The words after `fdb VERB MAC dev PORT`: an entry kind (static, master, self, permanent) and `dst IP`. */
function fdbWords(mac: string, dev: string, words: readonly string[], verb: string): { kind?: string; dst?: string } {
  macArg(mac);
  const usage = verb === 'append' ? 'fdb append 00:00:00:00:00:00 dev PORT dst IP' : `fdb ${verb} MAC dev PORT [static] [dst IP]`;
  if (dev !== 'dev') throw new UserError(`expected 'dev' after the MAC, got '${dev}': usage ${usage}`);
  const out: { kind?: string; dst?: string } = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'dst') {
      out.dst = ipv4Arg(words[++i], 'dst');
    } else if (w === 'static' || w === 'master' || w === 'self' || w === 'permanent') {
      out.kind = w;
    } else {
      throw new UserError(`unknown word '${w}': usage ${usage}`);
    }
  }
  if (verb === 'append' && out.dst === undefined) throw new UserError(`fdb append needs dst IP: usage ${usage}`);
  return out;
}

/**
 * Runs the CLI; returns the exit code: 0, 2 for bad user input (a usage error, or a UserError from
 * here or from the daemon), 1 for anything else (no daemon, a dropped connection, an internal error).
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`softbr: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof UserError ? 2 : 1;
  }
}

