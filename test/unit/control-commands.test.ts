// The daemon's command table and its errors, over a real control socket in process: every verb
// has one handler, unknown verbs and bad input are the user's errors (the CLI exits 2 with the
// message), anything else is an internal error (the client is pointed to the daemon log, which
// has the stack; the CLI exits 1).
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { Daemon } from '../../src/control/daemon.js';
import { serveControl } from '../../src/control/server.js';
import { controlHandler } from '../../src/control/handler.js';
import { registerCommand, commandNames } from '../../src/control/commands.js';
import { call, ControlError } from '../../src/control/client.js';
import { UserError } from '../../src/control/protocol.js';
import { main } from '../../src/cli/main.js';
import { Bridge } from '../../src/bridge/bridge.js';
import type { PortIO, RxSink } from '../../src/bridge/port-io.js';
import { parseMac } from '../../src/frame/mac.js';
import { REPO } from '../helpers/softbr.js';

class TestPort implements PortIO {
  readonly kind = 'test';
  readonly mtu = 1500;
  readonly speedMbps = 10000;
  constructor(readonly name: string, readonly mac: number) {}
  send(): boolean { return true; }
  flush(): void {}
  start(_sink: RxSink): void {}
  close(): void {}
}

/** Error text of a rejected call, with the class it came as. */
async function failure(p: Promise<unknown>): Promise<{ cls: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { cls: e instanceof UserError ? 'UserError' : e instanceof ControlError ? 'ControlError' : (e as Error).constructor.name, message: (e as Error).message };
  }
  throw new Error('the call succeeded');
}

describe('control command table and errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softbr-commands-'));
  const sock = join(dir, 'control.sock');
  const daemon = new Daemon({ tickMs: 0, log: () => {} });
  const bridge = new Bridge({ name: 'br0', clock: daemon.clock, mac: parseMac('02:00:00:00:00:f0') });
  let log: string[] = [];
  let server: Server;

  beforeAll(async () => {
    bridge.addPort(new TestPort('p1', parseMac('02:00:00:00:01:01')));
    daemon.bridges.set('br0', { bridge, specs: new Map(), endpoints: new Map(), given: new Map(), taken: new Map() });
    server = await serveControl(sock, controlHandler(daemon), { log: (m) => { log.push(m); } });
  });
  afterAll(() => {
    server.close();
    daemon.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has one handler for every verb of the protocol', () => {
    expect(commandNames()).toEqual([
      'addbr', 'addif', 'capture', 'capture-stop', 'config-show', 'delbr', 'delif', 'fdb-add', 'fdb-append', 'fdb-del', 'fdb-flush', 'fdb-show',
      'hairpin', 'impair', 'link-show', 'mcast-flood-unknown', 'mcast-querier', 'mcast-router', 'mcast-snooping', 'mdb-show',
      'mirror-add', 'mirror-del', 'mirror-show', 'monitor', 'ping', 'rate', 'setageing', 'setbridgeprio', 'setfd', 'setflag', 'sethello',
      'setmaxage', 'setpathcost', 'setportedge', 'setportmcheck', 'setportprio', 'show', 'showmacs', 'showstp', 'storm-set', 'storm-show', 'stp', 'trace',
      'vlan-add', 'vlan-del', 'vlan-filtering', 'vlan-show',
    ]);
    expect(() => registerCommand('show', () => null)).toThrow("control command 'show' is registered twice");
  });

  it('the README lists exactly the registered commands', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const list = /Commands: ([a-z, -]+)\./.exec(readme.replace(/\s+/g, ' '))?.[1];
    expect(list?.split(', ').sort()).toEqual(commandNames());
  });

  it('an unknown command is the user\'s error, named as before', async () => {
    expect(await failure(call(sock, 'frobnicate'))).toEqual({ cls: 'UserError', message: "unknown command 'frobnicate'" });
  });

  it('setflag knows its flag words and nothing else (not even an object\'s own properties)', async () => {
    const p1 = bridge.portByName('p1')!;
    await call(sock, 'setflag', { bridge: 'br0', port: 'p1', flag: 'mcast_flood', on: 'off' });
    expect(p1.floodMulticast).toBe(false);
    await call(sock, 'setflag', { bridge: 'br0', port: 'p1', flag: 'mcast_flood', on: 'on' });
    expect(p1.floodMulticast).toBe(true);
    expect(await failure(call(sock, 'setflag', { bridge: 'br0', port: 'p1', flag: 'toString', on: 'on' })))
      .toEqual({ cls: 'UserError', message: "unknown port flag 'toString': allowed learning, flood, mcast_flood, bcast_flood, hairpin" });
  });

  it('stp on|rstp|off picks the protocol; setportedge and setportmcheck; bad values change nothing', async () => {
    await call(sock, 'stp', { bridge: 'br0', on: 'rstp' });
    expect([bridge.stp.protocol, bridge.stp.enabled]).toEqual(['rstp', true]);
    const showstp = async () => (await call(sock, 'showstp', { bridge: 'br0' })) as { protocol: string; ports: { name: string; role: string; protocol: string; edge: boolean; operEdge: boolean }[] };
    expect((await showstp()).protocol).toBe('rstp');
    await call(sock, 'setportedge', { bridge: 'br0', port: 'p1', on: 'on' });
    expect((await showstp()).ports[0]).toMatchObject({ name: 'p1', role: 'designated', protocol: 'rstp', edge: true, operEdge: true });
    await call(sock, 'setportmcheck', { bridge: 'br0', port: 'p1' });
    expect(await failure(call(sock, 'stp', { bridge: 'br0', on: 'rapid' })))
      .toEqual({ cls: 'UserError', message: "invalid stp state 'rapid': expected on (802.1D), rstp or off" });
    expect(await failure(call(sock, 'setportedge', { bridge: 'br0', port: 'p1', on: 'maybe' })))
      .toEqual({ cls: 'UserError', message: "invalid edge port 'maybe': expected on or off" });
    expect([bridge.stp.protocol, bridge.stp.enabled]).toEqual(['rstp', true]);
    await call(sock, 'stp', { bridge: 'br0', on: 'on' });
    expect([bridge.stp.protocol, bridge.stp.enabled]).toEqual(['stp', true]);
    // the edge flag survives the change of protocol (802.1D has no edge ports, so it waits)
    expect(await failure(call(sock, 'setportmcheck', { bridge: 'br0', port: 'p1' })))
      .toEqual({ cls: 'UserError', message: 'bridge br0 runs 802.1D: a migration check needs RSTP (softbr stp br0 rstp)' });
    await call(sock, 'stp', { bridge: 'br0', on: 'rstp' });
    expect((await showstp()).ports[0]).toMatchObject({ edge: true, operEdge: true });
    await call(sock, 'stp', { bridge: 'br0', on: 'off' });
    expect([bridge.stp.protocol, bridge.stp.enabled]).toEqual(['rstp', false]);
    await call(sock, 'setportedge', { bridge: 'br0', port: 'p1', on: 'off' });
    await call(sock, 'stp', { bridge: 'br0', on: 'on' });
    await call(sock, 'stp', { bridge: 'br0', on: 'off' });
  });

  it('a registered command answers until it is removed again', async () => {
    const remove = registerCommand('test-echo', ({ args }) => args);
    try {
      expect(await call(sock, 'test-echo', { a: 1 })).toEqual({ a: 1 });
    } finally {
      remove();
    }
    expect(commandNames()).not.toContain('test-echo');
    expect(await failure(call(sock, 'test-echo'))).toEqual({ cls: 'UserError', message: "unknown command 'test-echo'" });
  });

  it('a UserError reaches the client as it stands, and nothing is logged', async () => {
    log = [];
    const remove = registerCommand('test-refuse', () => { throw new UserError('no, because'); });
    try {
      expect(await failure(call(sock, 'test-refuse'))).toEqual({ cls: 'UserError', message: 'no, because' });
    } finally {
      remove();
    }
    expect(log).toEqual([]);
  });

  it('any other error is internal: the client is pointed to the log, which has the stack', async () => {
    log = [];
    const remove = registerCommand('test-boom', async () => { await Promise.resolve(); throw new TypeError('boom'); });
    try {
      expect(await failure(call(sock, 'test-boom'))).toEqual({ cls: 'ControlError', message: 'internal error: boom (see the daemon log)' });
    } finally {
      remove();
    }
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^internal error in 'test-boom': TypeError: boom\n\s+at .*control-commands\.test\.ts/);
  });

  // ---- the CLI's exit codes

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = ''; let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
    try {
      const code = await main(['node', 'softbr', '--control', sock, ...argv]);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it.each([
    // checked by the CLI before it connects
    [['setbridgeprio', 'br0', '70000'], "invalid bridge priority '70000': expected an integer from 0 to 65535"],
    [['fdb', 'add', 'zz', 'dev', 'p1'], "invalid MAC address 'zz': expected six hex pairs like aa:bb:cc:dd:ee:ff"],
    [['setportflag', 'br0', 'p1', 'sticky', 'on'], "unknown port flag 'sticky': allowed learning, flood, mcast_flood, bcast_flood, hairpin"],
    // refused by the daemon
    [['delbr', 'nobr'], 'bridge nobr does not exist'],
    [['sethello', 'br0', '11'], "invalid hello time '11': expected a number from 1 to 10"],
    [['fdb', 'add', '01:00:5e:00:00:01', 'dev', 'p1'], '01:00:5e:00:00:01 is a multicast address; only unicast MACs can be static FDB entries'],
    // refused by the bridge itself
    [['fdb', 'del', '02:00:00:00:01:01', 'dev', 'p1'], '02:00:00:00:01:01 is a local address of br0; it cannot be deleted'],
    [['fdb', 'flush', 'br0', '--port', 'nope'], "port 'nope' is not on bridge br0"],
  ])('softbr %j: bad input exits 2 with the message', async (args, message) => {
    log = [];
    const r = await cli(...args);
    expect({ code: r.code, err: r.err, out: r.out }).toEqual({ code: 2, err: `softbr: ${message}\n`, out: '' });
    expect(log).toEqual([]);
  });

  it('an internal error in the daemon exits 1 and says where to look; the daemon logs the stack', async () => {
    log = [];
    const spy = vi.spyOn(daemon, 'linkRows').mockImplementation(() => { throw new Error('views broke'); });
    try {
      const r = await cli('link', 'show');
      expect({ code: r.code, err: r.err }).toEqual({ code: 1, err: 'softbr: internal error: views broke (see the daemon log)\n' });
    } finally {
      spy.mockRestore();
    }
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^internal error in 'link-show': Error: views broke\n\s+at /);
    expect((await cli('link', 'show')).code).toBe(0);
  });
});
