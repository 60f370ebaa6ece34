// The live web view in a real headless Chromium (Debian's, driven by playwright-core), during the
// stp-loop lab: the blocked port is drawn blocked (graph node and ports table) and changes when a
// link is cut; a newly pinged host's MAC appears in the MAC table within a second. Saves a
// screenshot to test-artifacts/web-view.png. Also: anything but GET/HEAD of a known path is 404/405.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { canUseNetns } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';
import { REPO, SoftbrDaemon } from '../helpers/softbr.js';
import { ControlClient } from '../../src/control/client.js';
import { lab, labOk, onLab, remains, state } from '../helpers/labs.js';
import type { LabState } from '../../src/lab/builder/state.js';

const CHROMIUM = '/usr/bin/chromium';
const usable = canUseNetns() && existsSync(CHROMIUM);
if (!usable) console.warn('web view e2e SKIPPED: needs root, namespaces and Debian chromium');

const ARTIFACTS = join(REPO, 'test-artifacts');
const BLOCKING_RGB = 'rgb(198,40,40)';

describe.skipIf(!usable)('web view in headless Chromium during stp-loop (root)', () => {
  let st: LabState;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    await labOk('up', join(REPO, 'examples/stp-loop/lab.yaml'), '--web', '127.0.0.1:0');
    st = state('stp-loop');
    profile = mkdtempSync(join(tmpdir(), 'softbr-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 850 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await ctx.newPage();
    await page.goto(`${st.web}/`);
  });

  afterAll(async () => {
    await ctx?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await lab('down', 'stp-loop');
    if (st) expect(await remains(st)).toEqual([]);
  });

  /** Port key → [state in the graph's data, the node's drawn colour, the table row's state and class]. */
  const drawn = () => page.evaluate(() => {
    const v = (window as unknown as { softbr: { cy: { nodes(s: string): { map<T>(f: (n: { data(k: string): string; style(k: string): string }) => T): T[] } } } }).softbr;
    const out: Record<string, { state: string; color: string; row?: string; rowBlocked?: boolean }> = {};
    if (!v.cy) return out;
    for (const n of v.cy.nodes('[kind="port"]').map((x) => x)) {
      const key = `${n.data('bridge')}/${n.data('port')}`;
      const tr = document.querySelector(`#ports tr[data-port="${CSS.escape(key)}"]`) as HTMLElement | null;
      out[key] = { state: n.data('state'), color: n.style('background-color').replace(/\s/g, ''), row: tr?.dataset['state'], rowBlocked: tr?.classList.contains('blocked') };
    }
    return out;
  });

  it('draws the one blocked port as blocked, and as forwarding once a link is cut', async () => {
    await page.waitForFunction(() => {
      const v = (window as unknown as { softbr: { state?: { bridges: { ports: { state: string }[] }[] } } }).softbr;
      const s = v.state?.bridges.flatMap((b) => b.ports.map((p) => p.state)) ?? [];
      return s.length === 8 && s.every((x) => x === 'forwarding' || x === 'blocking') && s.filter((x) => x === 'blocking').length === 1;
    }, undefined, { timeout: 20_000, polling: 100 });
    const before = await drawn();
    const blocked = Object.entries(before).filter(([, d]) => d.state === 'blocking');
    expect(blocked).toHaveLength(1);
    const [key, d] = blocked[0]!;
    expect(d).toEqual({ state: 'blocking', color: BLOCKING_RGB, row: 'blocking', rowBlocked: true });
    expect(Object.values(before).filter((x) => x.color === BLOCKING_RGB)).toHaveLength(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'web-view.png') });

    const port = key.split('/')[1]!;
    const other = st.links.find((l) => l.ports.length === 2 && !l.ports.some((p) => p.port === port))!;
    await labOk('cut', 'stp-loop', ...other.ends);
    await page.waitForFunction((k) => {
      const v = (window as unknown as { softbr: { cy: { getElementById(id: string): { data(k: string): string } } } }).softbr;
      return v.cy.getElementById(`p:${k}`).data('state') === 'forwarding';
    }, key, { timeout: 20_000, polling: 100 });
    const after = (await drawn())[key]!;
    expect(after.state).toBe('forwarding');
    expect(after.color).not.toBe(BLOCKING_RGB);
    expect(after.rowBlocked).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'web-view-healed.png') });
  });

  it('shows a newly pinged host\'s MAC within a second', async () => {
    const mac = (await labOk('exec', 'stp-loop', 'h3', '--', 'cat', '/sys/class/net/eth0/address')).trim();
    await labOk('exec', 'stp-loop', 'h3', '--', 'ip', 'neigh', 'flush', 'all');
    // forget it first, so the row that appears is the new learning
    for (const b of st.bridges) await onLab('stp-loop', 'fdb', 'flush', b);
    await page.fill('#mac-filter', mac);
    await page.waitForFunction((m) => !document.querySelector(`#macs-rows [data-mac="${m}"]`), mac, { timeout: 3000, polling: 50 });
    // the ping straight through ip netns exec (what lab exec runs), so the second starts with it
    // and not with a CLI process starting up
    const t0 = Date.now();
    const ping = sh('ip', ['netns', 'exec', st.hosts['h3']!.ns!, 'ping', '-c', '1', '-W', '2', '10.5.0.1']);
    await page.waitForSelector(`#macs-rows [data-mac="${mac}"]`, { timeout: 1000 });
    const ms = Date.now() - t0;
    await ping;
    console.log(`web view: ${mac} shown ${ms} ms after the ping started`);
    expect(ms).toBeLessThan(1000);
  });

  it('answers 405 to other methods on its paths and 404 elsewhere', async () => {
    expect((await fetch(`${st.web}/api/state`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${st.web}/`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${st.web}/nope`)).status).toBe(404);
    expect((await fetch(`${st.web}/api/fdb?bridge=nope`)).status).toBe(404);
    const s = await (await fetch(`${st.web}/api/state`)).json() as { bridges: { name: string }[]; topology: { name: string } };
    expect(s.bridges.map((b) => b.name)).toEqual(['s1', 's2', 's3']);
    expect(s.topology.name).toBe('stp-loop');
  });
});

describe.skipIf(!usable)('web view at scale: 100 ports and 10k MACs (root)', () => {
  it('loads, draws every port, renders only the visible MAC rows and scrolls to the last one', async () => {
    const d = new SoftbrDaemon('w');
    await d.start({ args: ['--metrics', '127.0.0.1:0'] });
    const profile = mkdtempSync(join(tmpdir(), 'softbr-chromium-'));
    let ctx: BrowserContext | undefined;
    try {
      await d.ok('addbr', 'sbw0', '--no-local');
      // stream ports are unix sockets in the daemon's private directory: no kernel objects at all
      const c = await ControlClient.connect(d.control);
      try {
        for (let i = 0; i < 100; i++) await c.request('addif', { bridge: 'sbw0', port: `stream:p${i}=${join(d.dir, `p${i}.sock`)}` });
        const hex = (n: number) => n.toString(16).padStart(2, '0');
        await Promise.all(Array.from({ length: 10_000 }, (_, i) => c.request('fdb-add', { mac: `02:00:00:${hex(i >> 16)}:${hex((i >> 8) & 255)}:${hex(i & 255)}`, port: `p${i % 100}` })));
      } finally {
        c.close();
      }
      const web = /web view on (http:\/\/\S+)\//.exec(d.log)![1]!;
      ctx = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 850 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const page = await ctx.newPage();
      const t0 = Date.now();
      await page.goto(`${web}/`);
      // 10 000 static entries and each port's own (local) address
      await page.waitForFunction(() => document.querySelector('#mac-count')?.textContent === '(10100)', undefined, { timeout: 15_000, polling: 100 });
      const loadMs = Date.now() - t0;
      expect(await page.locator('#ports tbody tr').count()).toBe(100);
      expect(await page.evaluate(() => (window as unknown as { softbr: { cy: { nodes(s: string): { length: number } } } }).softbr.cy.nodes('[kind="port"]').length)).toBe(100);
      // virtualised: a screenful of rows exists, not 10 000
      const rendered = await page.locator('#macs-rows .mac-row').count();
      expect(rendered).toBeGreaterThan(5);
      expect(rendered).toBeLessThan(100);
      // scrolling to the end brings the table's last row into the DOM, and to a row in the middle that one
      const last = await page.evaluate(() => {
        const m = document.querySelector('#macs')!;
        m.scrollTop = m.scrollHeight;
        const v = (window as unknown as { softbr: { shown: { mac: string }[] } }).softbr;
        return v.shown[v.shown.length - 1]!.mac;
      });
      await page.waitForSelector(`#macs-rows [data-mac="${last}"]`, { timeout: 2000 });
      await page.evaluate(() => {
        const v = (window as unknown as { softbr: { shown: { mac: string }[] } }).softbr;
        document.querySelector('#macs')!.scrollTop = v.shown.findIndex((r) => r.mac === '02:00:00:00:13:88') * 20;
      });
      await page.waitForSelector('#macs-rows [data-mac="02:00:00:00:13:88"]', { timeout: 2000 });
      // a move: one MAC speaks on p1, then on p2 (as a guest would through QEMU's stream socket);
      // the table highlights its row
      const mover = '02:aa:00:00:00:01';
      const frame = Buffer.alloc(64);
      Buffer.from('ffffffffffff02aa000000010800', 'hex').copy(frame);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(frame.length);
      await page.fill('#mac-filter', mover);
      // both stay connected: a port whose guest leaves goes down and forgets its MACs
      const guests = [];
      try {
        for (const port of ['p1', 'p2']) {
          const s = connect(join(d.dir, `${port}.sock`));
          guests.push(s);
          await new Promise((r) => s.once('connect', r));
          s.write(Buffer.concat([len, frame]));
          await new Promise((r) => setTimeout(r, 300));
        }
        await page.waitForSelector(`#macs-rows .mac-row.moved[data-mac="${mover}"]`, { timeout: 3000 });
        expect(await page.locator(`#macs-rows [data-mac="${mover}"] span:nth-child(3)`).textContent()).toBe('p2');
      } finally {
        for (const s of guests) s.destroy();
      }
      await page.fill('#mac-filter', '');
      // the page keeps up: a state poll of 100 ports and an FDB fetch of 10k rows stay fast
      const tState = Date.now();
      await (await fetch(`${web}/api/state`)).json();
      const tFdb = Date.now();
      const fdb = await (await fetch(`${web}/api/fdb?bridge=sbw0`)).json() as { rows: unknown[] };
      const tEnd = Date.now();
      expect(fdb.rows.length).toBe(10_100);
      console.log(`web view at scale: page with 10000 MACs in ${loadMs} ms; /api/state ${tFdb - tState} ms, /api/fdb (10k rows) ${tEnd - tFdb} ms; ${rendered} MAC rows in the DOM`);
      expect(tEnd - tFdb).toBeLessThan(2000);
    } finally {
      await ctx?.close();
      rmSync(profile, { recursive: true, force: true });
      await d.stop();
    }
  });
});
