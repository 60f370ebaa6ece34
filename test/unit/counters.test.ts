// Counter fields start as doubles (src/bridge/counters.ts): every counter of a port is in the list
// that gets this, and the counters still start at 0 (a +0 that toBe(0) accepts, not -0).
import { describe, it, expect } from 'vitest';
import { BridgePort, PORT_COUNTERS } from '../../src/bridge/port.js';
import { countersAsDoubles } from '../../src/bridge/counters.js';
import type { PortIO } from '../../src/bridge/port-io.js';

const io: PortIO = {
  kind: 'test', name: 'p', mac: 0x0200_0000_0001, mtu: 1500, speedMbps: 10000,
  send: () => true, flush: () => {}, start: () => {}, close: () => {},
};

describe('counters as doubles', () => {
  it('lists every rx/tx/drop counter of a port, each starting at +0', () => {
    const p = new BridgePort(1, io, 1, false);
    const counters = Object.keys(p).filter((k) => /^(rx|tx|drop)[A-Z]/.test(k) && typeof (p as unknown as Record<string, unknown>)[k] === 'number');
    expect([...PORT_COUNTERS].sort()).toEqual(counters.sort());
    for (const k of PORT_COUNTERS) expect(p[k]).toBe(0);
  });

  it('leaves the fields at 0 and counting', () => {
    const o = { a: 0, b: 7 };
    countersAsDoubles(o, ['a', 'b']);
    expect(o).toEqual({ a: 0, b: 0 });
    o.a += 2 ** 31;
    o.a++;
    expect(o.a).toBe(2 ** 31 + 1);
  });
});
