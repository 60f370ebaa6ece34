// The web view's bridges when some run on other threads: the views of every thread merge into one
// list in bridge-name order (as `show` merges), a thread's last MAC table served again ages by the
// time since it was read, a thread that does not answer in time costs at most the timeout and
// gives its last answer (answerOrLast, shared with /metrics), and the routes say 404 for no such
// bridge and 503 for a thread that has not answered yet.
import { describe, it, expect } from 'vitest';
import { Daemon } from '../../src/control/daemon.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { parseConfig } from '../../src/control/config.js';
import { serveMetrics } from '../../src/metrics/server.js';
import { answerOrLast } from '../../src/control/bridge-threads.js';
import { bridgeViews, fdbView, fdbViewAt, mergeBridgeViews, type BridgeView, type FdbView } from '../../src/web/snapshot.js';

const view = (name: string, bridgeId = 'x'): BridgeView => ({
  name, bridgeId, stp: false, isRoot: true, root: bridgeId, rootPort: 0, ageingSec: 300, macs: 0, ports: [], at: 0,
});

describe('mergeBridgeViews', () => {
  it('puts the main thread\'s and the threads\' bridges in one bridge-name order', () => {
    const merged = mergeBridgeViews([[view('br-m'), view('a-m')], [view('br-t')], [view('0t')], []]);
    expect(merged.map((b) => b.name)).toEqual(['0t', 'a-m', 'br-m', 'br-t']);
  });

  it('keeps the order of equal names (a source\'s own order), and copies', () => {
    const first = [view('b', '1'), view('a')];
    const merged = mergeBridgeViews([first, [view('b', '2')]]);
    expect(merged.map((b) => `${b.name}${b.bridgeId}`)).toEqual(['ax', 'b1', 'b2']);
    expect(first.map((b) => b.name)).toEqual(['b', 'a']);
  });
});

describe('fdbViewAt', () => {
  const v: FdbView = { bridge: 'br0', ageingSec: 300, at: 10_000, rows: [['02:00:00:00:00:01', 'p1', 'learned', 4], ['02:00:00:00:00:02', 'p1', 'static', 0], ['02:00:00:00:00:03', 'br0', 'local', 0]] };

  it('ages learned entries by the time since the view was read, and only those', () => {
    const later = fdbViewAt(v, 12_500);
    expect(later.at).toBe(12_500);
    expect(later.rows).toEqual([['02:00:00:00:00:01', 'p1', 'learned', 6.5], ['02:00:00:00:00:02', 'p1', 'static', 0], ['02:00:00:00:00:03', 'br0', 'local', 0]]);
    expect(v.rows[0]![3]).toBe(4);
  });

  it('leaves a fresh view (or a clock read earlier than it) as it is', () => {
    expect(fdbViewAt(v, 10_000)).toBe(v);
    expect(fdbViewAt(v, 9_000)).toBe(v);
  });
});

describe('answerOrLast', () => {
  it('keeps and gives a timely answer', async () => {
    const last = new Map<string, number>();
    expect(await answerOrLast(async () => 1, last, 't', 200, () => undefined)).toBe(1);
    expect(last.get('t')).toBe(1);
  });

  it('a thread that does not answer costs the timeout and gives its last answer, or nothing', async () => {
    const last = new Map<string, number>([['t', 7]]);
    const never = () => new Promise<number>(() => undefined);
    const t0 = Date.now();
    expect(await answerOrLast(never, last, 't', 100, () => undefined)).toBe(7);
    expect(await answerOrLast(never, last, 'u', 100, () => undefined)).toBeUndefined();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1000);
  });

  it('a failed ask is reported and gives the last answer', async () => {
    const last = new Map<string, number>([['t', 7]]);
    const errors: string[] = [];
    expect(await answerOrLast(async () => { throw new Error('the thread exited'); }, last, 't', 100, (e) => errors.push(e.message))).toBe(7);
    expect(errors).toEqual(['the thread exited']);
  });
});

describe('web routes with bridges elsewhere', () => {
  it('/api/state lists every source\'s bridges in name order; /api/fdb is 404 for no bridge, 503 for a thread not answering', async () => {
    const clock = new VirtualClock(1000);
    const main = new Daemon({ clock, log: () => undefined });
    const other = new Daemon({ clock, log: () => undefined });
    await main.applyConfig(parseConfig('bridges:\n  brm:\n    local: false\n  bra:\n    local: false\n'));
    await other.applyConfig(parseConfig('bridges:\n  brb:\n    local: false\n    ageing: 120\n'));
    const srv = await serveMetrics(main, '127.0.0.1:0', {
      views: {
        bridges: async () => mergeBridgeViews([bridgeViews(main), bridgeViews(other)]),
        fdb: async (name) => (name === 'slow' ? null : fdbView(main, name) ?? fdbView(other, name)),
      },
    });
    const base = srv.url.replace(/\/metrics$/, '');
    try {
      const st = await (await fetch(`${base}/api/state`)).json() as { bridges: BridgeView[] };
      expect(st.bridges.map((b) => b.name)).toEqual(['bra', 'brb', 'brm']);
      expect(st.bridges.find((b) => b.name === 'brb')!.ageingSec).toBe(120);
      const fdb = await fetch(`${base}/api/fdb?bridge=brb`);
      expect(fdb.status).toBe(200);
      expect((await fdb.json() as FdbView).bridge).toBe('brb');
      const none = await fetch(`${base}/api/fdb?bridge=nope`);
      expect(none.status).toBe(404);
      expect(await none.json()).toEqual({ error: 'no bridge nope' });
      const slow = await fetch(`${base}/api/fdb?bridge=slow`);
      expect(slow.status).toBe(503);
      expect(await slow.json()).toEqual({ error: 'bridge slow: its thread has not answered yet' });
    } finally {
      await srv.close();
      main.shutdown();
      other.shutdown();
    }
  });
});
