// End-to-end: bridges on their own worker threads (addbr --thread, `thread: true`) in the real
// daemon, beside a main-thread bridge: hosts in namespaces ping through each, the verbs that
// name the threaded bridge or its ports reach its thread, list verbs and /metrics show every
// bridge once, the web view's API shows the threaded bridge as it shows the main-thread one (state,
// MAC table, events), config save/restart/SIGHUP keep and change it, refusals change nothing, and
// delbr and SIGTERM leave no TAP behind.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SoftbrDaemon, type TapHost } from '../helpers/softbr.js';
import { ControlClient } from '../../src/control/client.js';
import { freePort } from '../helpers/prom.js';
import { until } from '../helpers/wait.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';

const root = isRoot();
const lab = new Lab('q');
const P = lab.prefix;
const TB = `${P}t`; // on its own thread
const MB = `${P}m`; // on the main thread

async function links(): Promise<string[]> {
  const r = await sh('ip', ['-o', 'link', 'show'], { allowFail: true });
  return r.stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter((n) => n.startsWith(P));
}

describe.skipIf(!root)('bridges on their own threads', () => {
  const d = new SoftbrDaemon(P);
  let metricsUrl = '';
  const hosts = new Map<string, TapHost[]>();

  const addHosts = async (br: string, tag: string, net: string) => {
    const list: TapHost[] = [];
    for (let i = 1; i <= 2; i++) {
      const tap = lab.name(`${tag}${i}`);
      await d.ok('addif', br, `tap:${tap}`);
      const ns = await lab.addNamespace(`${tag}n${i}`);
      await lab.plug(tap, ns, { rename: 'eth0', cidr: `${net}.${i}/24` });
      list.push({ ns, ip: `${net}.${i}`, mac: await lab.macOf(ns, 'eth0'), tap });
    }
    hosts.set(br, list);
  };
  const ping = (from: TapHost, to: TapHost) => lab.exec(from.ns, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '-q', to.ip], { allowFail: true });

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    await d.start({ args: ['--metrics', `127.0.0.1:${port}`] });
    await d.ok('addbr', TB, '--thread');
    await d.ok('addbr', MB);
    await addHosts(TB, 'a', '10.213.0');
    await addHosts(MB, 'b', '10.214.0');
  });

  afterAll(async () => {
    await d.stop();
    await lab.cleanup();
  });

  it('hosts ping each other through the threaded bridge and through the main-thread one', async () => {
    for (const br of [TB, MB]) {
      const [h1, h2] = hosts.get(br)!;
      const r = await ping(h1!, h2!);
      expect(r.code, `${br}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    // the threaded bridge learned its hosts on its own thread; showmacs asks that thread
    const macs = JSON.parse(await d.ok('showmacs', TB, '--json')) as { mac: string; isLocal: boolean }[];
    for (const h of hosts.get(TB)!) expect(macs.some((m) => m.mac === h.mac && !m.isLocal), h.mac).toBe(true);
    for (const h of hosts.get(MB)!) expect(macs.some((m) => m.mac === h.mac), `${h.mac} is not ${TB}'s`).toBe(false);
  });

  it('show, link show and fdb show list both bridges, each once, in name order', async () => {
    const show = JSON.parse(await d.ok('show', '--json')) as { name: string; interfaces: string[] }[];
    expect(show.map((b) => b.name)).toEqual([MB, TB]);
    expect(show.find((b) => b.name === TB)!.interfaces.sort()).toEqual(hosts.get(TB)!.map((h) => h.tap).sort());
    const linkRows = JSON.parse(await d.ok('link', 'show', '--json')) as { ifname: string; master: string }[];
    expect(linkRows.filter((l) => l.master === TB).map((l) => l.ifname).sort()).toEqual(hosts.get(TB)!.map((h) => h.tap).sort());
    expect(linkRows.filter((l) => l.master === MB)).toHaveLength(2);
    const fdb = await d.ok('fdb', 'show');
    for (const h of [...hosts.get(TB)!, ...hosts.get(MB)!]) expect(fdb).toContain(`${h.mac} dev ${h.tap} master `);
  });

  it('the web view shows the threaded bridge as it shows the main-thread one: ports and counters, MAC table, events; a deleted one goes', async () => {
    const base = metricsUrl.replace(/\/metrics$/, '');
    type State = { bridges: { name: string; ports: { name: string; host: boolean; rxFrames: number; txFrames: number }[] }[] };
    const state = async () => await (await fetch(`${base}/api/state`)).json() as State;
    const frames = (st: State, br: string) => {
      const b = st.bridges.find((x) => x.name === br);
      return b === undefined ? -1 : b.ports.reduce((n, p) => n + p.rxFrames + p.txFrames, 0);
    };
    const before = await state();
    // both, in name order as `show` lists them, each with its host port and its two TAPs
    expect(before.bridges.map((b) => b.name)).toEqual([MB, TB]);
    for (const br of [TB, MB]) {
      const ports = before.bridges.find((b) => b.name === br)!.ports;
      expect(ports.map((p) => p.name).sort(), br).toEqual([br, ...hosts.get(br)!.map((h) => h.tap)].sort());
      expect(ports.find((p) => p.name === br)!.host, br).toBe(true);
    }

    // the event log's position now: what comes after it is this test's
    const seq0 = (await (await fetch(`${base}/api/events?since=-1`)).json() as { seq: number }).seq;
    await d.ok('fdb', 'flush', TB);
    for (const br of [TB, MB]) {
      const [h1, h2] = hosts.get(br)!;
      expect((await ping(h1!, h2!)).code, br).toBe(0);
    }

    // counters moved on both bridges, the threaded one's read on its thread
    const after = await state();
    for (const br of [TB, MB]) expect(frames(after, br), br).toBeGreaterThan(frames(before, br));

    // the threaded bridge's MAC table, made on its thread: both hosts, on their TAPs
    const fdb = await fetch(`${base}/api/fdb?bridge=${TB}`);
    expect(fdb.status).toBe(200);
    const rows = (await fdb.json() as { bridge: string; rows: [string, string, string, number][] }).rows;
    for (const h of hosts.get(TB)!) expect(rows.find((r) => r[0] === h.mac), h.mac).toEqual([h.mac, h.tap, 'learned', expect.any(Number)]);

    // its events reach the web event log: the host learned again after the flush
    const [h1] = hosts.get(TB)!;
    const events: { type: string; bridge: string; mac?: string; port?: string }[] = [];
    let seq = seq0;
    const deadline = Date.now() + 10_000;
    const learned = () => events.some((e) => e.type === 'learned' && e.bridge === TB && e.mac === h1!.mac && e.port === h1!.tap);
    while (!learned() && Date.now() < deadline) {
      try {
        const r = await (await fetch(`${base}/api/events?since=${seq}`, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) })).json() as { seq: number; events: typeof events };
        events.push(...r.events);
        seq = r.seq;
      } catch {
        break; // the deadline passed while the poll waited
      }
    }
    expect(learned(), JSON.stringify(events)).toBe(true);

    // a threaded bridge made now is shown at once; deleted, it is gone from the view
    const XB = `${P}x`;
    await d.ok('addbr', XB, '--thread');
    expect((await state()).bridges.map((b) => b.name)).toEqual([MB, TB, XB]);
    expect((await fetch(`${base}/api/fdb?bridge=${XB}`)).status).toBe(200);
    await d.ok('delbr', XB);
    expect((await state()).bridges.map((b) => b.name)).toEqual([MB, TB]);
    expect((await fetch(`${base}/api/fdb?bridge=${XB}`)).status).toBe(404);
  });

  it('ports come and go on the threaded bridge, and its STP verbs reach it', async () => {
    const extra = lab.name('ax');
    await d.ok('addif', TB, `tap:${extra}`);
    expect(await links()).toContain(extra);
    expect(await d.ok('show', TB)).toContain(extra);
    await d.ok('delif', TB, extra);
    expect(await links()).not.toContain(extra);
    expect(await d.ok('show', TB)).not.toContain(extra);

    await d.ok('stp', TB, 'on');
    await d.ok('setbridgeprio', TB, '4096');
    await d.ok('setpathcost', TB, hosts.get(TB)![0]!.tap, '77');
    const stp = JSON.parse(await d.ok('showstp', TB, '--json')) as { bridgeId: string; ports: { name: string; pathCost: number }[] };
    expect(stp.bridgeId).toMatch(/^1000\./);
    expect(stp.ports.find((p) => p.name === hosts.get(TB)![0]!.tap)!.pathCost).toBe(77);
    const show = JSON.parse(await d.ok('show', '--json')) as { name: string; stpEnabled: boolean }[];
    expect(show.find((b) => b.name === TB)!.stpEnabled).toBe(true);
    expect(show.find((b) => b.name === MB)!.stpEnabled).toBe(false);
    await d.ok('stp', TB, 'off');
  });

  it('capture and monitor stream from the thread; fdb and vlan verbs find the thread by its port', async () => {
    const [h1, h2] = hosts.get(TB)!;
    // capture: frames of the threaded bridge's port, streamed from its thread
    const cap = d.cli('capture', TB, h1!.tap, '-c', '3');
    await new Promise((r) => setTimeout(r, 300));
    await ping(h1!, h2!);
    const c = await cap;
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split('\n').filter((l) => l.trim() !== '').length).toBeGreaterThanOrEqual(3);
    expect(c.stdout).toContain(h2!.ip);

    // monitor of every bridge: one hello naming both, then the threaded bridge's events
    const events: { type: string; bridge?: string; bridges?: string[]; mac?: string }[] = [];
    const mon = await ControlClient.connect(d.control);
    try {
      void mon.request('monitor', {}, (ev) => { events.push(ev as (typeof events)[number]); }).catch(() => { /* closed below */ });
      expect(await until(() => events.some((e) => e.type === 'hello'), 5000)).toBe(true);
      await d.ok('fdb', 'flush', TB);
      await ping(h1!, h2!);
      expect(await until(() => events.some((e) => e.bridge === TB && e.mac === h1!.mac), 5000), JSON.stringify(events)).toBe(true);
      const hellos = events.filter((e) => e.type === 'hello');
      expect(hellos).toHaveLength(1);
      expect(hellos[0]!.bridges!.sort()).toEqual([MB, TB]);
    } finally {
      mon.close();
    }

    // dev PORT: the entry goes to the bridge that has the port, on its thread
    await d.ok('fdb', 'add', '02:00:00:aa:bb:01', 'dev', h2!.tap, 'static');
    const fdb = JSON.parse(await d.ok('fdb', 'show', '--json')) as { mac: string; ifname: string; master?: string; state: string }[];
    expect(fdb.find((r) => r.mac === '02:00:00:aa:bb:01')).toMatchObject({ ifname: h2!.tap, master: TB, state: 'static' });
    await d.ok('fdb', 'del', '02:00:00:aa:bb:01', 'dev', h2!.tap);
    await d.ok('vlan', 'add', 'vid', '7', 'dev', h2!.tap);
    expect(await d.ok('vlan', 'show', 'dev', h2!.tap)).toMatch(/\b7\b/);
    await d.ok('vlan', 'del', 'vid', '7', 'dev', h2!.tap);
    const r = await d.cli('fdb', 'add', '02:00:00:aa:bb:02', 'dev', `${P}none`, 'static');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a port of any softbr bridge');
  });

  it('a user error on the thread comes back as the same user error (exit 2)', async () => {
    const r = await d.cli('setportprio', TB, `${P}nope`, '3');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is not a port of bridge ${TB}`);
  });

  it('refusals name what is wrong and change nothing', async () => {
    const before = await d.ok('show', '--json');
    const linksBefore = (await links()).sort();
    const cases: [string[], string][] = [
      // a port of the main-thread bridge cannot join the threaded one, nor the other way round
      [['addif', TB, `tap:${hosts.get(MB)![0]!.tap}`], `already a member of bridge ${MB}`],
      [['addif', MB, `tap:${hosts.get(TB)![0]!.tap}`], `already a member of bridge ${TB}`],
      [['addif', MB, `tap:${TB}`], `${TB} is a bridge`],
      [['addbr', TB], `bridge ${TB} already exists`],
      [['addbr', MB, '--thread'], `bridge ${MB} already exists`],
      [['addif', TB, '--take-address', 'lo'], '--take-address'],
    ];
    for (const [args, msg] of cases) {
      const r = await d.cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(msg);
    }
    expect(await d.ok('show', '--json')).toBe(before);
    expect((await links()).sort()).toEqual(linksBefore);
  });

  it('/metrics has each bridge\'s series exactly once', async () => {
    const text = await (await fetch(metricsUrl)).text();
    const series = text.split('\n').filter((l) => l.startsWith('softbr_'));
    const names = series.map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(new Set(names).size, 'no series twice').toBe(names.length);
    const help = text.split('\n').filter((l) => l.startsWith('# HELP softbr_rx_frames_total'));
    expect(help).toHaveLength(1);
    for (const br of [TB, MB]) {
      const rx = series.find((l) => l.startsWith(`softbr_rx_frames_total{bridge="${br}"}`));
      expect(rx, br).toBeDefined();
      expect(Number(rx!.split(' ').pop())).toBeGreaterThan(0);
    }
    // the process metrics are there once too
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE process_cpu_seconds_total'))).toHaveLength(1);
  });

  it('config save writes thread: true; a restart from it brings the threaded bridge back; SIGHUP changes it; delbr and SIGTERM leave nothing', async () => {
    // d's directory goes with it when it stops; the file lives in the second daemon's
    const d2 = new SoftbrDaemon(`${P}2`);
    const file = join(d2.dir, 'saved.yaml');
    await d.ok('config', 'save', file);
    const saved = readFileSync(file, 'utf8');
    expect(saved).toMatch(new RegExp(`${TB}:\\n(    .*\\n)*    thread: true\\n`));
    expect(saved).not.toMatch(new RegExp(`${MB}:\\n(    .*\\n)*    thread: true\\n`));

    expect(await d.stop()).toBe(0);
    // the threads deleted their TAPs before the daemon exited
    expect(await links()).toEqual([]);

    try {
      await d2.start({ configFile: file });
      const show = JSON.parse(await d2.ok('show', '--json')) as { name: string; interfaces: string[] }[];
      expect(show.map((b) => b.name)).toEqual([MB, TB]);
      expect(show.find((b) => b.name === TB)!.interfaces.sort()).toEqual(hosts.get(TB)!.map((h) => h.tap).sort());
      expect(await d2.ok('config', 'show')).toMatch(new RegExp(`${TB}:\\n(    .*\\n)*    thread: true\\n`));

      /** Writes text over the config file, sends SIGHUP and returns what the daemon logged for it. */
      const reload = async (text: string, was: string): Promise<string> => {
        expect(text).not.toBe(was);
        writeFileSync(file, text);
        const at = d2.log.length;
        d2.proc!.kill('SIGHUP');
        expect(await until(() => d2.log.slice(at).includes('SIGHUP: reloaded'), 10_000), d2.log).toBe(true);
        return d2.log.slice(at);
      };

      // SIGHUP: a new ageing and one more port for the threaded bridge
      const extra = lab.name('ay');
      const next = saved.replace(new RegExp(`(  ${TB}:\\n(    .*\\n)*?)    ageing: 300\\n`), '$1    ageing: 123\n')
        .replace(new RegExp(`(  ${TB}:\\n(    .*\\n)*?    ports:\\n)`), `$1      - tap:${extra}\n`);
      expect(await reload(next, saved)).toContain(`${TB}: ageing 123`);
      expect(await d2.ok('show', TB)).toContain(extra);
      expect(await d2.ok('config', 'show')).toMatch(new RegExp(`${TB}:\\n(    .*\\n)*    ageing: 123\\n`));

      // one SIGHUP moves that port from the threaded bridge to the main-thread one: the thread lets
      // go of it before the main thread opens it
      const moved = next.replace(`      - tap:${extra}\n`, '')
        .replace(new RegExp(`(  ${MB}:\\n(    .*\\n)*?    ports:\\n)`), `$1      - tap:${extra}\n`);
      const movedLog = await reload(moved, next);
      expect(movedLog).toContain(`${TB}: removed port ${extra}`);
      expect(movedLog).toContain(`${MB}: added port ${extra}`);
      expect(await d2.ok('show', MB)).toContain(extra);
      expect(await d2.ok('show', TB)).not.toContain(extra);

      // delbr: the thread deletes the bridge with its TAPs (the host port included)
      await d2.ok('delbr', TB);
      const left = await links();
      expect(left.filter((n) => n === TB || hosts.get(TB)!.some((h) => h.tap === n))).toEqual([]);
      expect(left).toContain(extra); // on the main-thread bridge now
      expect((JSON.parse(await d2.ok('show', '--json')) as { name: string }[]).map((b) => b.name)).toEqual([MB]);
      // a new threaded bridge of the same name can be made at once
      await d2.ok('addbr', TB, '--thread');
    } finally {
      const code = await d2.stop();
      expect(code, d2.log).toBe(0);
    }
    expect(await links()).toEqual([]);
  });
});
