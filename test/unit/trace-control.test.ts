// The observe verbs over a real control socket, in process: `trace` and `capture` through the
// daemon's command table (controlHandler), capture-stop, client disconnects, and the CLI commands
// (`softbr trace`, `softbr capture -w`) with their argument errors.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { Command } from 'commander';
import { Daemon } from '../../src/control/daemon.js';
import { serveControl } from '../../src/control/server.js';
import { ControlClient, call } from '../../src/control/client.js';
import { controlHandler } from '../../src/control/handler.js';
import { dispatch } from '../../src/control/commands.js';
import { parseEtherType } from '../../src/control/observe-args.js';
import type { CaptureEvent } from '../../src/control/wire-types.js';
import { registerObserveCommands } from '../../src/cli/observe-commands.js';
import { Bridge } from '../../src/bridge/bridge.js';
import type { PortIO, RxSink } from '../../src/bridge/port-io.js';
import type { BridgePort } from '../../src/bridge/port.js';
import type { TraceResult } from '../../src/bridge/trace.js';
import type { CaptureResult } from '../../src/capture/capture.js';
import { readPcap } from '../../src/capture/pcap.js';
import { buildEthernet } from '../../src/frame/ethernet.js';
import { parseMac } from '../../src/frame/mac.js';

class TestPort implements PortIO {
  readonly kind = 'test';
  readonly mtu = 1500;
  readonly speedMbps = 10000;
  sink: RxSink | null = null;
  constructor(readonly name: string, readonly mac: number) {}
  send(): boolean { return true; }
  flush(): void {}
  start(sink: RxSink): void { this.sink = sink; }
  close(): void {}
  inject(f: Uint8Array): void { this.sink!.receiveBatch(f, [0], [f.length], 1); }
}

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const ping = (i: number) => buildEthernet({ dst: parseMac(B), src: parseMac(A), etherType: 0x0800, payload: new Uint8Array(46).fill(i) });

describe('observe verbs over the control socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softbr-observe-'));
  const sock = join(dir, 'control.sock');
  const daemon = new Daemon({ tickMs: 0, log: () => {} });
  const bridge = new Bridge({ name: 'br0', clock: daemon.clock, mac: parseMac('02:00:00:00:00:f0') });
  const io1 = new TestPort('p1', parseMac('02:00:00:00:01:01'));
  const io2 = new TestPort('p2', parseMac('02:00:00:00:01:02'));
  let p1: BridgePort;
  let server: Server;
  let pump: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    p1 = bridge.addPort(io1);
    bridge.addPort(io2);
    daemon.bridges.set('br0', { bridge, specs: new Map(), endpoints: new Map(), given: new Map(), taken: new Map() });
    server = await serveControl(sock, controlHandler(daemon));
  });
  afterAll(() => {
    if (pump) clearInterval(pump);
    server.close();
    daemon.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends a frame in on p1 every few ms (the CLI tests cannot inject at the right moment). */
  const startPump = () => { let i = 0; pump = setInterval(() => io1.inject(ping(i++)), 5); };
  const stopPump = () => { if (pump) clearInterval(pump); pump = undefined; };
  const waitFor = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(cond()).toBe(true);
  };

  it('answers the other commands of the table too', async () => {
    expect(await call<{ bridges: number }>(sock, 'ping')).toMatchObject({ bridges: 1 });
  });

  it('trace answers with the result object; bad arguments name the value', async () => {
    const r = await call<TraceResult>(sock, 'trace', { bridge: 'br0', in: 'p1', src: A, dst: B, etherType: 'arp' });
    expect(r).toMatchObject({ bridge: 'br0', verdict: 'flood', egress: ['p2'], frame: { etherType: 0x0806 } });
    expect(bridge.fdb.size).toBe(2); // the two local entries: nothing learned
    await expect(call(sock, 'trace', { bridge: 'br0', in: 'p1', src: 'zz', dst: B })).rejects.toThrow("invalid MAC address 'zz'");
    await expect(call(sock, 'trace', { bridge: 'br0', in: 'p7', src: A, dst: B })).rejects.toThrow('ingress port p7 is not a port of bridge br0 (ports: p1, p2)');
    await expect(call(sock, 'trace', { bridge: 'nobr', in: 'p1', src: A, dst: B })).rejects.toThrow('bridge nobr does not exist');
    await expect(call(sock, 'trace', { bridge: 'br0', in: 'p1', src: A, dst: B, vlan: 4096 })).rejects.toThrow("invalid vlan '4096'");
    await expect(call(sock, 'trace', { bridge: 'br0', src: A, dst: B })).rejects.toThrow('missing ingress port (--in)');
  });

  it('parses EtherTypes as numbers, hex, decimal and names', () => {
    expect([parseEtherType(0x86dd), parseEtherType('0x0800'), parseEtherType('2054'), parseEtherType('IPv6')]).toEqual([0x86dd, 0x0800, 0x0806, 0x86dd]);
    expect(() => parseEtherType('0x10000')).toThrow("invalid ethertype '0x10000': expected 0x0000–0xffff");
  });

  it('capture streams started + frame events and ends with the counts when the count is reached', async () => {
    const c = await ControlClient.connect(sock);
    const events: CaptureEvent[] = [];
    const done = c.request<CaptureResult>('capture', { bridge: 'br0', port: 'p1', count: 3, direction: 'in' }, (e) => {
      events.push(e as CaptureEvent);
      if ((e as CaptureEvent).type === 'started') for (let i = 0; i < 5; i++) io1.inject(ping(i));
    });
    const r = await done;
    c.close();
    expect(r).toMatchObject({ captured: 3, dropped: 0, reason: 'count' });
    expect(events[0]).toEqual({ type: 'started', bridge: 'br0', port: 'p1', direction: 'in', count: 3, duration: 0, snaplen: 262144 });
    const frames = events.slice(1) as Extract<CaptureEvent, { type: 'frame' }>[];
    expect(frames.map((f) => [f.type, f.dir, f.len])).toEqual([['frame', 'in', 60], ['frame', 'in', 60], ['frame', 'in', 60]]);
    expect(frames.map((f) => Buffer.from(f.data, 'base64').toString('hex'))).toEqual([0, 1, 2].map((i) => Buffer.from(ping(i)).toString('hex')));
    expect(Math.abs(frames[0]!.ts - Date.now())).toBeLessThan(5000);
    expect(p1.capture).toBeNull();
  });

  it('capture-stop ends a capture early; a disconnect detaches the hook', async () => {
    const c = await ControlClient.connect(sock);
    let started = false;
    const done = c.request<CaptureResult>('capture', { bridge: 'br0', port: 'p1' }, (e) => { if ((e as CaptureEvent).type === 'started') started = true; });
    await waitFor(() => started);
    expect(p1.capture).not.toBeNull();
    io1.inject(ping(1));
    expect(await c.request('capture-stop', {})).toEqual({ stopped: 1 });
    expect(await done).toMatchObject({ reason: 'stopped', captured: 1 });
    expect(p1.capture).toBeNull();
    // now leave without a word
    started = false;
    void c.request('capture', { bridge: 'br0', port: 'p1', duration: 60 }, () => { started = true; }).catch(() => {});
    await waitFor(() => started && p1.capture !== null);
    c.close();
    await waitFor(() => p1.capture === null);
  });

  it('capture rejects bad arguments before attaching anything', async () => {
    for (const [args, msg] of [
      [{ port: 'p1', direction: 'sideways' }, "invalid direction 'sideways': allowed in, out, both"],
      [{ port: 'p1', count: 0 }, "invalid count '0': expected an integer from 1 to 1000000000"],
      [{ port: 'p1', duration: -1 }, "invalid duration '-1'"],
      [{ port: 'nope' }, 'interface nope is not a port of bridge br0'],
    ] as const) {
      await expect(call(sock, 'capture', { bridge: 'br0', ...args })).rejects.toThrow(msg);
    }
    expect(p1.capture).toBeNull();
  });

  it('holds frames back while the client\'s socket is backed up (Session.backlog), then resumes', async () => {
    const events: CaptureEvent[] = [];
    const closers: (() => void)[] = [];
    const session = { backlog: 64 << 20, closed: false, event: (_id: number, e: unknown) => { events.push(e as CaptureEvent); }, onClose: (fn: () => void) => { closers.push(fn); } };
    const reply = dispatch(daemon, { id: 7, cmd: 'capture', args: { bridge: 'br0', port: 'p1', count: 2, direction: 'in' } }, session);
    for (let i = 0; i < 3; i++) io1.inject(ping(i));
    await new Promise((r) => setTimeout(r, 120));
    expect(events.map((e) => e.type)).toEqual(['started']);
    session.backlog = 0;
    expect(await reply).toMatchObject({ captured: 2, reason: 'count' });
    expect(events.map((e) => e.type)).toEqual(['started', 'frame', 'frame']);
    expect(p1.capture).toBeNull();
  });

  // ---- the CLI verbs, driven in process
  async function cli(...argv: string[]): Promise<{ out: string; err: string; error?: string }> {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerObserveCommands(program, (cmd, args) => call(sock, cmd, args), () => sock);
    let out = ''; let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
    try {
      await program.parseAsync(['node', 'softbr', ...argv]);
      return { out, err };
    } catch (x) {
      return { out, err, error: (x as Error).message };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('softbr trace prints the explanation, or JSON', async () => {
    const t = await cli('trace', 'br0', '--in', 'p1', '--src', A, '--dst', B);
    expect(t.error).toBeUndefined();
    expect(t.out).toMatch(/^trace br0: 02:00:00:00:00:0a > 02:00:00:00:00:0b ethertype 0x0800 in p1\n/);
    expect(t.out).toMatch(/verdict: flood → p2/);
    const j = await cli('trace', 'br0', '--in', 'p1', '--src', A, '--dst', B, '--vlan', '7', '--ethertype', '0x86dd', '--json');
    expect(JSON.parse(j.out)).toMatchObject({ frame: { vlan: 7, etherType: 0x86dd } });
  });

  it('softbr trace and capture name bad values and what is allowed', async () => {
    expect((await cli('trace', 'br0', '--in', 'p1', '--src', 'x', '--dst', B)).error).toBe("invalid MAC address 'x': expected six hex pairs like aa:bb:cc:dd:ee:ff");
    expect((await cli('trace', 'br0', '--in', 'p1', '--src', A, '--dst', B, '--vlan', 'ten')).error).toBe("invalid vlan 'ten': expected an integer from 0 to 4095");
    expect((await cli('trace', 'br0', '--in', 'p1', '--src', A, '--dst', B, '--ethertype', 'pv4')).error).toMatch(/^invalid ethertype 'pv4': expected 0x0000–0xffff .*ipv4, ip, arp, ipv6/);
    expect((await cli('trace', 'br0', '--src', A, '--dst', B)).error).toMatch(/required option '--in <port>' not specified/);
    expect((await cli('capture', 'br0', 'p1', '--direction', 'up')).error).toBe("invalid direction 'up': allowed in, out, both");
    expect((await cli('capture', 'br0', 'p1', '-c', '2.5')).error).toBe("invalid count '2.5': expected an integer from 1 to 1000000000");
    expect((await cli('capture', 'br0', 'p1', '--duration', 'long')).error).toBe("invalid duration 'long': expected a number from 0.001 to 31536000");
    expect((await cli('capture', 'br0', 'p1', '-w', join(dir, 'no/such/dir.pcap'))).error).toMatch(/^cannot write .*no\/such\/dir\.pcap: ENOENT/);
    expect((await cli('capture', 'bad name!', 'p1')).error).toMatch(/^invalid bridge name 'bad name!'/);
  });

  it('softbr capture -w writes a pcap file of the frames', async () => {
    const file = join(dir, 'cap.pcap');
    startPump();
    const r = await cli('capture', 'br0', 'p1', '-w', file, '-c', '4', '--direction', 'in');
    stopPump();
    expect(r.error).toBeUndefined();
    expect(r.err).toMatch(/^softbr: capturing on br0 port p1 \(in, until 4 frames\), link-type EN10MB \(Ethernet\), snapshot length 262144 bytes\n4 frames captured, 0 dropped by the capture buffer\n$/);
    const pcap = readPcap(new Uint8Array(readFileSync(file)));
    expect(pcap.records.length).toBe(4);
    expect(pcap.records.every((x) => x.inclLen === 60 && x.origLen === 60 && x.data[0] === 0x02)).toBe(true);
  });

  it('softbr capture without -w prints one line per frame', async () => {
    startPump();
    const r = await cli('capture', 'br0', 'p1', '-c', '2', '--direction', 'in');
    stopPump();
    const lines = r.out.trim().split('\n');
    expect(lines.length).toBe(2);
    for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{6} in  02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype IPv4 \(0x0800\), length 60: truncated IPv4$/);
  });

  it('softbr capture --duration ends by itself', async () => {
    const t0 = Date.now();
    const r = await cli('capture', 'br0', 'p2', '--duration', '0.2');
    expect(r.error).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(r.err).toMatch(/0 frames captured, 0 dropped by the capture buffer\n$/);
  });
});
