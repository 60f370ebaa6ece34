// The web view's event log behind /api/events: answers at once when there is news, wakes a
// waiting poll on the next event, times out empty, keeps only the last events.
import { describe, it, expect } from 'vitest';
import { EventLog } from '../../src/web/event-log.js';

const ev = (mac: string) => ({ type: 'learned' as const, bridge: 'br0', mac, vid: 0, port: 'p1', time: 0 });

describe('web event log', () => {
  it('answers at once with what came after since, in order', async () => {
    const log = new EventLog();
    log.push(ev('a'));
    log.push(ev('b'));
    const r = await log.after(-1, 10);
    expect(r.seq).toBe(2);
    expect(r.events.map((e) => (e as { mac: string }).mac)).toEqual(['a', 'b']);
    expect((await log.after(1, 10)).events.map((e) => e.seq)).toEqual([2]);
  });

  it('a poll with nothing new waits for the next event, or times out empty', async () => {
    const log = new EventLog();
    log.push(ev('a'));
    const waiting = log.after(1, 5000);
    setTimeout(() => log.push(ev('b')), 20);
    const t0 = Date.now();
    const r = await waiting;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.events.map((e) => (e as { mac: string }).mac)).toEqual(['b']);
    expect(await log.after(2, 30)).toEqual({ seq: 2, events: [] });
  });

  it('keeps the last 1000 events', async () => {
    const log = new EventLog();
    for (let i = 0; i < 1500; i++) log.push(ev(String(i)));
    const r = await log.after(-1, 10);
    expect(r.events).toHaveLength(1000);
    expect(r.events[0]!.seq).toBe(501);
  });
});
