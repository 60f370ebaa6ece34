// The config keys of port mirroring (`mirrors:`) and IGMP/MLD snooping (`mcastSnooping`,
// `mcastQuerier`, `mcastFloodUnknown`, a port's `mcastRouter`): accepted and normalised, and
// refused with the line, the key and what is allowed.
import { describe, it, expect } from 'vitest';
import { parseConfig } from '../../src/control/config.js';

const base = (extra: string, port = '      - tap:p1') => `bridges:
  br0:
    ports:
${port}
      - tap:p2
      - tap:p9
${extra}`;

describe('config: mirrors and snooping', () => {
  it('accepts sessions (from as a list or "a,b"; direction defaults to both) and the snooping keys', () => {
    const c = parseConfig(base(`    mirrors:
      - {name: span0, from: [p1, p2], to: p9}
      - {name: rx, from: "p1", direction: in, to: p2}
    mcastSnooping: true
    mcastQuerier: true
    mcastFloodUnknown: false`, '      - {name: "tap:p1", mcastRouter: 2}'));
    const b = c.bridges[0]!;
    expect(b.mirrors).toEqual([
      { name: 'span0', from: ['p1', 'p2'], direction: 'both', to: 'p9' },
      { name: 'rx', from: ['p1'], direction: 'in', to: 'p2' },
    ]);
    expect(b.mcastSnooping).toBe(true);
    expect(b.mcastQuerier).toBe(true);
    expect(b.mcastFloodUnknown).toBe(false);
    expect(b.ports[0]!.mcastRouter).toBe(2);
  });

  it('refuses a session naming a port the bridge does not have, a bad direction, a name twice, a bad router mode', () => {
    expect(() => parseConfig(base(`    mirrors:
      - {name: s, from: [p1, p7], to: p9}`))).toThrow(/config:\d+: bridges.br0.mirrors.0.from.*'p7' is not a port of br0 \(its ports: p1, p2, p9, br0\)/s);
    expect(() => parseConfig(base(`    mirrors:
      - {name: s, from: p1, direction: sideways, to: p9}`))).toThrow(/direction/);
    expect(() => parseConfig(base(`    mirrors:
      - {name: s, from: p1, to: p9}
      - {name: s, from: p2, to: p9}`))).toThrow(/mirror 's' listed twice/);
    expect(() => parseConfig(base('', '      - {name: "tap:p1", mcastRouter: 3}'))).toThrow(/mcast_router/);
  });
});
