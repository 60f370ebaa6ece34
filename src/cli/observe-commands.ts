// CLI verbs that look inside a running bridge: `softbr trace` (explain one frame's path) and
// `softbr capture` (pcap file with -w, else one tcpdump-like line per frame). Both are clients of
// the daemon's control socket; capture streams frame events until its count/duration is reached
// or Ctrl-C, which asks the daemon to stop so the file is complete and the summary is printed.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { ControlClient } from '../control/client.js';
import { UserError } from '../control/protocol.js';
import { bridgeName, macArg, numIn, vlanArg } from '../control/args.js';
import { parseDirection, parseEtherType } from '../control/observe-args.js';
import type { CaptureEvent } from '../control/wire-types.js';
import { formatTrace, type TraceResult } from '../bridge/trace.js';
import { VLAN_ID_MAX } from '../frame/ethernet.js';
import type { CaptureResult } from '../capture/capture.js';
import { PcapWriter, PCAP_SNAPLEN } from '../capture/pcap.js';
import { formatCaptureLine } from '../capture/summary.js';

type Req = <T>(cmd: string, args: Record<string, unknown>) => Promise<T>;

function out(s: string): void { process.stdout.write(s); }
function err(s: string): void { process.stderr.write(s); }

export function registerObserveCommands(program: Command, req: Req, sock: () => string): void {
  program.command('trace <bridge>')
    .description('explain what the bridge would do with a frame now: ingress checks, learning, FDB lookup, flood set (changes nothing)')
    .requiredOption('--in <port>', 'port the frame arrives on (the bridge name for its host port)')
    .requiredOption('--src <mac>', 'source MAC')
    .requiredOption('--dst <mac>', 'destination MAC')
    .option('--vlan <vid>', `802.1Q VLAN id of a tagged frame (0–${VLAN_ID_MAX})`)
    .option('--ethertype <type>', 'EtherType: 0x0800, a decimal number, or ipv4, arp, ipv6, vlan, lldp', 'ipv4')
    .option('--json', 'the whole trace as one JSON object')
    .action(async (br: string, o: { in: string; src: string; dst: string; vlan?: string; ethertype: string; json?: boolean }) => {
      bridgeName(br);
      macArg(o.src);
      macArg(o.dst);
      const vlan = o.vlan === undefined ? undefined : vlanArg(o.vlan);
      const etherType = parseEtherType(o.ethertype);
      const r = await req<TraceResult>('trace', { bridge: br, in: o.in, src: o.src, dst: o.dst, vlan, etherType });
      out(o.json ? JSON.stringify(r) + '\n' : formatTrace(r));
    });

  program.command('capture <bridge> [port]')
    .description('capture frames crossing a port (every port of the bridge without PORT): -w FILE writes pcap (tcpdump/Wireshark), else one line per frame')
    .option('-w, --write <file>', 'write a pcap file ("-" for stdout)')
    .option('-c, --count <n>', 'stop after n frames')
    .option('--duration <seconds>', 'stop after this many seconds')
    .option('--direction <dir>', 'frames received on the port (in), sent out of it (out), or both', 'both')
    .option('-s, --snaplen <bytes>', `bytes kept of each frame (14–${PCAP_SNAPLEN})`)
    .action(async (br: string, port: string | undefined, o: { write?: string; count?: string; duration?: string; direction: string; snaplen?: string }) => {
      bridgeName(br);
      const direction = parseDirection(o.direction);
      const count = o.count === undefined ? undefined : numIn(o.count, 'count', 1, 1e9, true);
      const duration = o.duration === undefined ? undefined : numIn(o.duration, 'duration', 0.001, 31_536_000);
      const snaplen = o.snaplen === undefined ? PCAP_SNAPLEN : numIn(o.snaplen, 'snaplen', 14, PCAP_SNAPLEN, true);
      await runCapture(sock(), { bridge: br, port, direction, count, duration, snaplen, write: o.write });
    });
}

interface CaptureCliOptions {
  bridge: string; port?: string; direction: string; count?: number; duration?: number; snaplen: number; write?: string;
}

async function runCapture(path: string, o: CaptureCliOptions): Promise<void> {
  let fd = -1;
  if (o.write !== undefined) {
    if (o.write === '') throw new UserError('invalid file for -w: empty name');
    if (o.write === '-') fd = 1;
    else {
      try { fd = openSync(o.write, 'w'); } catch (e) { throw new UserError(`cannot write ${o.write}: ${(e as Error).message}`); }
    }
  }
  const writer = fd >= 0 ? new PcapWriter((c) => { writeSync(fd, c); }, o.snaplen) : null;
  // the file is valid (header only) even when nothing is captured
  writer?.begin();
  const c = await ControlClient.connect(path);
  let stopping = false;
  let writeFailed: string | undefined;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // ask the daemon to end the capture: it sends what is queued, then the final counts
    c.request('capture-stop', {}).catch(() => { /* the reply to capture ends the wait */ });
    setTimeout(() => { c.close(); }, 3000).unref();
  };
  // a reader that goes away (`softbr capture … | head`) ends the capture quietly, as with tcpdump
  const onStdoutError = (e: Error) => { writeFailed ??= e.message; stop(); };
  process.stdout.on('error', onStdoutError);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let result: CaptureResult;
  try {
    result = await c.request<CaptureResult>('capture', {
      bridge: o.bridge, port: o.port, direction: o.direction, count: o.count, duration: o.duration, snaplen: o.snaplen,
    }, (ev) => {
      const e = ev as CaptureEvent;
      if (e.type === 'started') {
        const limits = [e.count ? `${e.count} frames` : '', e.duration ? `${e.duration} s` : ''].filter(Boolean).join(', ');
        err(`softbr: capturing on ${e.bridge} ${e.port === '*' ? 'every port' : `port ${e.port}`} (${e.direction}${limits ? `, until ${limits}` : ''}), link-type EN10MB (Ethernet), snapshot length ${e.snaplen} bytes\n`);
        return;
      }
      if (e.type !== 'frame' || writeFailed !== undefined) return;
      const data = Buffer.from(e.data, 'base64');
      try {
        if (writer) writer.write(e.ts, data, e.len);
        else out(formatCaptureLine(e.ts, e.dir, data, e.len, e.port) + '\n');
      } catch (x) {
        // e.g. EPIPE from `| head` or a full disk: stop capturing, report once
        writeFailed = (x as Error).message;
        stop();
      }
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', onStdoutError);
    c.close();
    if (fd > 2) closeSync(fd);
  }
  const why = result.reason === 'port-gone' ? ` (port ${o.port ?? 'of the bridge'} went away)` : result.reason === 'error' ? ` (${result.error})` : '';
  err(`${result.captured} frame${result.captured === 1 ? '' : 's'} captured, ${result.dropped} dropped by the capture buffer${why}\n`);
  if (writeFailed !== undefined && !/EPIPE/.test(writeFailed)) throw new UserError(`writing ${o.write ?? 'stdout'} failed: ${writeFailed}`);
  if (result.reason === 'error') process.exitCode = 1;
}
