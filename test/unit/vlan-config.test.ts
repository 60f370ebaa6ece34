// Port VLANs in the YAML config: the schema's errors, the daemon applying them (and the kernel's
// default for a port without them), `config show` writing them back, and SIGHUP changing them.
import { describe, it, expect } from 'vitest';
import { Daemon } from '../../src/control/daemon.js';
import { parseConfig } from '../../src/control/config.js';
import { runningConfigYaml } from '../../src/control/running-config.js';
import { registerPortKind, definePortKind, type PortSpecBase } from '../../src/control/port-kinds/index.js';
import { MemoryPort } from '../../src/ports/memory.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { portVlans } from '../../src/bridge/port-vlans.js';

interface MemSpec extends PortSpecBase { kind: 'memv' }
registerPortKind(definePortKind<MemSpec>({
  kind: 'memv', word: 'memv', forms: [{ syntax: 'memv:NAME', help: 'an in-memory port (tests)' }], readme: [],
  parse: (body) => ({ kind: 'memv', name: body }),
  open: async (spec) => new MemoryPort({ name: spec.name }),
}));

const YAML = `bridges:
  br0:
    local: false
    vlanFiltering: true
    ports:
      - name: memv:a1
        vlans: [{vid: 10, pvid: true, untagged: true}]
      - name: memv:t1
        vlans:
          - {vid: 10}
          - {vid: 20}
      - memv:d1
`;

describe('VLANs in the config', () => {
  it('refuses bad VLAN lists naming the line and key', () => {
    const bad = (vl: string) => () => parseConfig(`bridges:\n  br0:\n    ports:\n      - name: memv:x\n        vlans: ${vl}\n`, 'c.yaml');
    expect(bad('[{vid: 0}]')).toThrow(/^c\.yaml:5: bridges\.br0\.ports\.0\.vlans\.0\.vid: must be 1–4094/);
    expect(bad('[{vid: 4095}]')).toThrow(/must be 1–4094/);
    expect(bad('[{vid: 10, pvid: true}, {vid: 20, pvid: true}]')).toThrow(/only one VLAN of a port can be its pvid/);
    expect(bad('[{vid: 10}, {vid: 10}]')).toThrow(/VLAN 10 is listed twice/);
    expect(bad('[{vid: 10, tagged: true}]')).toThrow(/unknown key 'tagged'/);
  });

  it('applies them, shows them, and a reload changes them', async () => {
    const d = new Daemon({ clock: new VirtualClock(), tickMs: 0, log: () => {} });
    await d.applyConfig(parseConfig(YAML, 'c.yaml'));
    const br = d.get('br0').bridge;
    expect(br.vlanFiltering).toBe(true);
    expect(portVlans(br.portByName('a1')!)).toEqual([{ vid: 10, pvid: true, untagged: true }]);
    expect(portVlans(br.portByName('t1')!)).toEqual([{ vid: 10, pvid: false, untagged: false }, { vid: 20, pvid: false, untagged: false }]);
    expect(portVlans(br.portByName('d1')!)).toEqual([{ vid: 1, pvid: true, untagged: true }]);
    const text = runningConfigYaml(d);
    const cfg = parseConfig(text, 'shown');
    expect(cfg.bridges[0]!.ports.map((p) => p.vlans)).toEqual([
      [{ vid: 10, pvid: true, untagged: true }],
      [{ vid: 10, pvid: false, untagged: false }, { vid: 20, pvid: false, untagged: false }],
      undefined,
    ]);
    const again = new Daemon({ clock: new VirtualClock(), tickMs: 0, log: () => {} });
    await again.applyConfig(cfg);
    expect(runningConfigYaml(again)).toBe(text);
    // SIGHUP: t1 loses 20, a1 goes back to the default, filtering off
    await d.applyConfig(parseConfig(YAML.replace('          - {vid: 20}\n', '').replace('        vlans: [{vid: 10, pvid: true, untagged: true}]\n', '').replace('vlanFiltering: true', 'vlanFiltering: false'), 'c.yaml'));
    expect(portVlans(br.portByName('t1')!)).toEqual([{ vid: 10, pvid: false, untagged: false }]);
    expect(portVlans(br.portByName('a1')!)).toEqual([{ vid: 1, pvid: true, untagged: true }]);
    expect(br.vlanFiltering).toBe(false);
    d.shutdown();
    again.shutdown();
  });
});
