// The per-MAC event budget on the virtual clock: a random-source flood hands listeners at most
// MAC_EVENTS_PER_SECOND learned/evicted events a second plus one summary of the rest, the
// bridge's counters still count every frame's outcome, and once the flood stops events flow again.
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { EventBudget, MAC_EVENTS_PER_SECOND, SUMMARY_MS } from '../../src/bridge/event-budget.js';
import type { BridgeEvent } from '../../src/bridge/events.js';
import { parseMac } from '../../src/frame/mac.js';
import { capturePorts, frame } from '../helpers/capture-port.js';
import { formatEvent, type EventLike } from '../../src/cli/format/event.js';

describe('EventBudget', () => {
  it('lets a second’s worth through at once, then the rate; counts and summarises the rest', () => {
    const b = new EventBudget(10);
    let ok = 0;
    for (let i = 0; i < 25; i++) if (b.take(0)) ok++;
    expect(ok).toBe(10);
    expect(b.suppressed).toBe(15);
    expect(b.summary(0)).toBe(15);
    expect(b.summary(1)).toBe(0);
    // 100 ms refills one token at 10/s
    expect(b.take(100)).toBe(true);
    expect(b.take(100)).toBe(false);
    // a second summary only after SUMMARY_MS
    expect(b.summary(SUMMARY_MS - 1)).toBe(0);
    expect(b.summary(SUMMARY_MS)).toBe(1);
    // a clock that goes back does not refill the bucket; time after the latest reading does
    expect(b.take(50)).toBe(false);
    expect(b.take(1100)).toBe(true);
  });
});

describe('a random-source MAC flood through a bridge', () => {
  it('reports at most the budget of per-MAC events per second, one summary a second, and counts every learn', () => {
    const clock = new VirtualClock(1_000);
    const br = new Bridge({ name: 'br0', clock, maxEntries: 5_000, policy: 'evict-oldest' });
    const { ports } = capturePorts(2);
    for (const p of ports) br.addPort(p);
    const events: BridgeEvent[] = [];
    br.on((e) => events.push(e));
    const dst = parseMac('02:00:00:00:00:0b');
    // 5 s of 20,000 new source MACs a second, in 10 ms batches of 200, ticking 10× a second
    let src = 0x020000100000;
    for (let step = 0; step < 500; step++) {
      clock.advance(10);
      ports[0]!.inject(...Array.from({ length: 200 }, () => frame(dst, src++)));
      if (step % 10 === 9) br.tick();
    }
    const perMac = events.filter((e) => e.type === 'learned' || e.type === 'evicted');
    const summaries = events.filter((e) => e.type === 'mac-events-suppressed');
    // 100,000 learned + 95,000 evicted happened; listeners got the burst plus 5 s at the rate
    expect(br.learned).toBe(100_000);
    expect(br.evicted).toBe(95_000);
    expect(perMac.length).toBeLessThanOrEqual(MAC_EVENTS_PER_SECOND * 6);
    expect(perMac.length).toBeGreaterThanOrEqual(MAC_EVENTS_PER_SECOND * 5);
    expect(summaries.length).toBeGreaterThanOrEqual(4);
    expect(summaries.length).toBeLessThanOrEqual(6);
    let reported = 0;
    for (const s of summaries) if (s.type === 'mac-events-suppressed') reported += s.count;
    // nothing is lost silently: shown + summarised (+ what waits for the next summary) = all
    br.tick();
    clock.advance(SUMMARY_MS);
    br.tick();
    for (const s of events.filter((e) => e.type === 'mac-events-suppressed').slice(summaries.length)) if (s.type === 'mac-events-suppressed') reported += s.count;
    expect(perMac.length + reported).toBe(100_000 + 95_000);
    expect(formatEvent(summaries[0] as unknown as EventLike)).toMatch(/^br0: \d+ MAC events not shown \(over 1000 per second\)$/);
    // after the flood, one new MAC is reported again
    clock.advance(2_000);
    events.length = 0;
    ports[0]!.inject(frame(dst, 0x02aabbccddee));
    expect(events.filter((e) => e.type === 'learned')).toHaveLength(1);
  });
});
