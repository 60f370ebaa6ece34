// `config show`: the running state of a daemon as config YAML, on in-memory ports and a virtual
// clock. What is printed parses with the one config schema and carries every setting a restart
// must keep (flags and STP values that differ from the defaults, static entries, limits), and
// applying it to a daemon gives back the same text; a reload moves a port between bridges in either
// order.
import { describe, it, expect } from 'vitest';
import { Daemon } from '../../src/control/daemon.js';
import { parseConfig } from '../../src/control/config.js';
import { runningConfigYaml } from '../../src/control/running-config.js';
import { registerPortKind, definePortKind, type PortSpecBase } from '../../src/control/port-kinds/index.js';
import { MemoryPort } from '../../src/ports/memory.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { parseMac } from '../../src/frame/mac.js';

// a port kind that opens in memory, so the daemon's own addPort/applyConfig run unchanged
interface MemSpec extends PortSpecBase { kind: 'mem' }
registerPortKind(definePortKind<MemSpec>({
  kind: 'mem', word: 'mem', forms: [{ syntax: 'mem:NAME', help: 'an in-memory port (tests)' }], readme: [],
  parse: (body) => ({ kind: 'mem', name: body }),
  open: async (spec) => new MemoryPort({ name: spec.name }),
}));

describe('running state as config', () => {
  it('prints what the daemon runs, and a daemon built from it prints the same', async () => {
    const d = new Daemon({ clock: new VirtualClock(), tickMs: 0, log: () => {} });
    const m = await d.addBridge({ name: 'br0', local: false, mac: '02:00:00:00:00:01', ageing: 120, maxEntries: 5000, limitPolicy: 'refuse-new', maxLearnedPerPort: 7 });
    const p1 = await d.addPort(m, { name: 'mem:p1' });
    await d.addPort(m, { name: 'mem:p2', hairpin: true, cost: 9, priority: 40, learning: false });
    m.bridge.stp.enable();
    m.bridge.stp.setBridgePriority(4096);
    m.bridge.addStatic(parseMac('02:00:00:00:00:99'), p1!.name, 0);
    const text = runningConfigYaml(d);
    const cfg = parseConfig(text, 'shown');
    expect(cfg.bridges).toHaveLength(1);
    expect(cfg.bridges[0]).toMatchObject({
      name: 'br0', mac: '02:00:00:00:00:01', local: false, ageing: 120, maxEntries: 5000, limitPolicy: 'refuse-new', maxLearnedPerPort: 7,
      stp: { enabled: true, priority: 4096, hello: 2, maxAge: 20, forwardDelay: 15 },
      static: [{ mac: '02:00:00:00:00:99', port: 'p1', vlan: 0 }],
    });
    expect(cfg.bridges[0]!.ports).toEqual([
      { name: 'mem:p1', mac: expect.stringMatching(/^[0-9a-f:]{17}$/) },
      { name: 'mem:p2', hairpin: true, cost: 9, priority: 40, learning: false, mac: expect.stringMatching(/^[0-9a-f:]{17}$/) },
    ]);

    const again = new Daemon({ clock: new VirtualClock(), tickMs: 0, log: () => {} });
    await again.applyConfig(cfg);
    expect(runningConfigYaml(again)).toBe(text);
    // reload with the static entry gone removes it, and only it
    await again.applyConfig({ ...cfg, bridges: [{ ...cfg.bridges[0]!, static: [] }] });
    expect(runningConfigYaml(again)).not.toContain('static');
    d.shutdown();
    again.shutdown();
  });

  it('a reload moves a port to a bridge listed before the one that had it: every bridge lets go first', async () => {
    const d = new Daemon({ clock: new VirtualClock(), tickMs: 0, log: () => {} });
    const yaml = (a: string[], b: string[]) => `bridges:\n  bra:\n    local: false\n    ports: [${a.join(', ')}]\n  brb:\n    local: false\n    ports: [${b.join(', ')}]\n`;
    await d.applyConfig(parseConfig(yaml(['mem:a1'], ['mem:b1', 'mem:x']), 'c.yaml'));
    expect(d.ownerOf('x')).toBe('brb');
    const done = await d.applyConfig(parseConfig(yaml(['mem:a1', 'mem:x'], ['mem:b1']), 'c.yaml'));
    expect(done).toEqual(['brb: removed port x', 'bra: added port x']);
    expect(d.ownerOf('x')).toBe('bra');
    expect(d.get('brb').bridge.portByName('x')).toBeUndefined();
    d.shutdown();
  });
});
