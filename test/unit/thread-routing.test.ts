// Where control requests go when bridges run on their own threads (thread-routing.ts), how list
// answers merge, and the config rules that threads need (thread: true, takeAddress refused, one
// device under one bridge only).
import { describe, it, expect } from 'vitest';
import { routeOf, mergeReplies, LIST_VERBS } from '../../src/control/thread-routing.js';
import { parseConfig } from '../../src/control/config.js';
import { UserError } from '../../src/control/protocol.js';
import { commandNames } from '../../src/control/commands.js';
import '../../src/control/handler.js';

const T = new Set(['brt']);

describe('routeOf', () => {
  it('sends everything to the main thread while no bridge has a thread (no change for anyone else)', () => {
    for (const cmd of commandNames()) {
      if (cmd === 'addbr') continue;
      expect(routeOf(cmd, { bridge: 'brt', port: 'x', dev: 'x' }, new Set()), cmd).toEqual({ to: 'local' });
    }
    expect(routeOf('addbr', { bridge: 'br0' }, new Set())).toEqual({ to: 'local' });
  });

  it('addbr --thread creates a thread; a bad value of thread is the user\'s error', () => {
    expect(routeOf('addbr', { bridge: 'br9', thread: true }, new Set())).toEqual({ to: 'create' });
    expect(routeOf('addbr', { bridge: 'br9', thread: false }, T)).toEqual({ to: 'local' });
    expect(() => routeOf('addbr', { bridge: 'br9', thread: 'maybe' }, T)).toThrow(UserError);
    expect(() => routeOf('addbr', { bridge: 'br9', thread: 'maybe' }, T)).toThrow(/thread 'maybe'/);
  });

  it('a verb naming a threaded bridge goes to its thread; delbr deletes it there; other bridges stay local', () => {
    expect(routeOf('showmacs', { bridge: 'brt' }, T)).toEqual({ to: 'bridge', bridge: 'brt' });
    expect(routeOf('addif', { bridge: 'brt', port: 'tap:x' }, T)).toEqual({ to: 'bridge', bridge: 'brt' });
    expect(routeOf('stp', { bridge: 'brt', on: 'on' }, T)).toEqual({ to: 'bridge', bridge: 'brt' });
    expect(routeOf('capture', { bridge: 'brt' }, T)).toEqual({ to: 'bridge', bridge: 'brt' });
    expect(routeOf('show', { bridge: 'brt' }, T)).toEqual({ to: 'bridge', bridge: 'brt' });
    expect(routeOf('delbr', { bridge: 'brt' }, T)).toEqual({ to: 'delete', bridge: 'brt' });
    expect(routeOf('delbr', { bridge: 'br0' }, T)).toEqual({ to: 'local' });
    expect(routeOf('showmacs', { bridge: 'br0' }, T)).toEqual({ to: 'local' });
    // a bad bridge argument stays local, where the daemon names what is wrong
    expect(routeOf('showmacs', { bridge: 7 }, T)).toEqual({ to: 'local' });
  });

  it('fdb and vlan verbs that name a device go to whichever bridge has it', () => {
    expect(routeOf('fdb-add', { mac: '02:00:00:00:00:01', port: 'tap1' }, T)).toEqual({ to: 'device', name: 'tap1' });
    expect(routeOf('fdb-del', { mac: '02:00:00:00:00:01', port: 'tap1' }, T)).toEqual({ to: 'device', name: 'tap1' });
    expect(routeOf('vlan-add', { dev: 'brt', vid: 5 }, T)).toEqual({ to: 'device', name: 'brt' });
    expect(routeOf('vlan-show', { dev: 'tap1' }, T)).toEqual({ to: 'device', name: 'tap1' });
    expect(routeOf('vlan-show', {}, T)).toEqual({ to: 'all' });
  });

  it('list verbs without a bridge ask every bridge', () => {
    for (const cmd of LIST_VERBS) expect(routeOf(cmd, {}, T), cmd).toEqual({ to: 'all' });
    expect(routeOf('monitor', { bridge: 'br0' }, T)).toEqual({ to: 'local' });
    // every list verb is a real verb
    for (const cmd of LIST_VERBS) expect(commandNames()).toContain(cmd);
  });
});

describe('mergeReplies', () => {
  it('orders rows by bridge, each source keeping its own order within a bridge', () => {
    const local = [{ name: 'b', bridgeId: 'x', stpEnabled: false, interfaces: [] }, { name: 'd', bridgeId: 'x', stpEnabled: false, interfaces: [] }];
    const thread = [{ name: 'c', bridgeId: 'y', stpEnabled: true, interfaces: ['p'] }];
    expect((mergeReplies('show', [local, thread]) as { name: string }[]).map((r) => r.name)).toEqual(['b', 'c', 'd']);
    const fdb = mergeReplies('fdb-show', [
      [{ mac: '1', ifname: 'p1', master: 'z', flags: [], state: '' }, { mac: '2', ifname: 'p0', master: 'z', flags: [], state: '' }],
      [{ mac: '3', ifname: 'q', master: 'a', flags: [], state: '' }],
    ]) as { mac: string }[];
    expect(fdb.map((r) => r.mac)).toEqual(['3', '1', '2']);
    expect((mergeReplies('storm-show', [[{ bridge: 'm', port: 'x' }], [{ bridge: 'k', port: 'y' }]]) as { bridge: string }[]).map((r) => r.bridge)).toEqual(['k', 'm']);
  });

  it('adds up counts and merges the parts of mdb show', () => {
    expect(mergeReplies('ping', [{ pid: 42, bridges: 2 }, { pid: 42, bridges: 1 }, { pid: 42, bridges: 1 }])).toEqual({ pid: 42, bridges: 4 });
    expect(mergeReplies('capture-stop', [{ stopped: 1 }, { stopped: 2 }])).toEqual({ stopped: 3 });
    const v = (dev: string) => ({ entries: [{ dev, port: 'p', grp: '239.1.1.1', state: 'temp', vid: 0, timer: 1, host: false }], routers: [], bridges: [{ dev, index: 0, snooping: true, querier: false, floodUnknown: false, querierPresent: false }] });
    const m = mergeReplies('mdb-show', [v('y'), v('x')]) as ReturnType<typeof v>;
    expect(m.bridges.map((b) => b.dev)).toEqual(['x', 'y']);
    expect(m.entries.map((b) => b.dev)).toEqual(['x', 'y']);
  });

  it('refuses a verb it has no merge for (a bug, not a silent concatenation)', () => {
    expect(() => mergeReplies('showmacs', [[], []])).toThrow(/no merge for 'showmacs'/);
  });
});

describe('config for bridge threads', () => {
  it('reads thread: true and leaves it out when absent', () => {
    const c = parseConfig('bridges:\n  br0:\n    thread: true\n    ports: [tap:t0]\n  br1:\n    ports: [tap:t1]\n');
    expect(c.bridges.find((b) => b.name === 'br0')!.thread).toBe(true);
    expect('thread' in c.bridges.find((b) => b.name === 'br1')!).toBe(false);
  });

  it('refuses takeAddress on a threaded bridge, naming the option and why', () => {
    expect(() => parseConfig('bridges:\n  br0:\n    thread: true\n    ports:\n      - name: eth9\n        takeAddress: true\n'))
      .toThrow(/takeAddress.*own thread/);
    expect(() => parseConfig('bridges:\n  br0:\n    ports:\n      - name: eth9\n        takeAddress: true\n')).not.toThrow();
  });

  it('refuses one device under two bridges, and a bridge as a port of another', () => {
    expect(() => parseConfig('bridges:\n  br0:\n    ports: [tap:t0]\n  br1:\n    thread: true\n    ports: [t0]\n')).toThrow(/'t0' is also a port of bridge br0/);
    expect(() => parseConfig('bridges:\n  br0:\n  br1:\n    ports: [tap:br0]\n')).toThrow(/'br0' is a bridge/);
  });
});
