// STP events as the monitor shows them: the engine's port numbers become port names, a root
// change says which port leads to the new root, and every event keeps the engine's own time.
import { describe, it, expect } from 'vitest';
import { Sim } from '../../src/lab/sim.js';
import { formatEvent, type EventLike } from '../../src/cli/format/event.js';

describe('bridge STP events', () => {
  it('a bridge that hears a better root reports the change with the port name and simulated time', () => {
    const sim = new Sim();
    sim.bridge('A', { priority: 4096 });
    const b = sim.bridge('B', { priority: 32768 });
    const link = sim.link('A', 'B');
    const events: EventLike[] = [];
    b.on((e) => events.push(e as EventLike));
    sim.run(40_000);
    const rc = events.filter((e) => e.type === 'root-change');
    expect(rc.length).toBeGreaterThan(0);
    const last = rc[rc.length - 1]!;
    const port = link.portAt('B').name;
    expect(last).toMatchObject({ bridge: 'B', rootPort: port, cost: 2 });
    expect(String(last['root'])).toMatch(/^1000\./);
    expect(typeof last['stpTimeMs']).toBe('number');
    expect(last['stpTimeMs']).toBeLessThanOrEqual(40_000);
    expect(formatEvent(last)).toBe(`B: root is now ${String(last['root'])} via ${port} cost 2`);
    const enabled = events.find((e) => e.type === 'stp' && e['what'] === 'stp-enabled');
    if (enabled) expect(formatEvent(enabled)).toBe('B: stp stp-enabled');
    for (const e of events.filter((x) => x.type === 'stp' && 'port' in x)) expect(typeof e['port']).toBe('string');
  });
});
