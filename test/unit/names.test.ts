// The bridge/port name rule is one rule: the engine, the CLI's argument check, the config
// schema and the port specs accept and refuse the same names, with the same words.
import { describe, it, expect } from 'vitest';
import { isName, isInterfaceName, NAME_RULE, NAME_MAX } from '../../src/bridge/names.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { bridgeName } from '../../src/control/args.js';
import { parseConfig } from '../../src/control/config.js';
import { portSpec } from '../../src/control/port-kinds/index.js';

const good = ['br0', 'a', 'x'.repeat(NAME_MAX), 'lan-1.2_b', '...'];
const bad = ['', 'x'.repeat(NAME_MAX + 1), 'br 0', 'br/0', 'br:0', 'br@0', '.', '..', 'brü'];

describe('names', () => {
  it('says the rule it checks', () => {
    expect(NAME_RULE).toBe("1–15 letters, digits, '_', '.', '-'");
    for (const n of good) expect(isName(n)).toBe(true);
    for (const n of bad) expect(isName(n)).toBe(false);
  });

  it('interface names also allow : and @, within the same length', () => {
    expect(isInterfaceName('eth0:1')).toBe(true);
    expect(isInterfaceName('veth1@if7')).toBe(true);
    expect(isInterfaceName('x'.repeat(NAME_MAX + 1))).toBe(false);
    expect(isInterfaceName('..')).toBe(false);
    expect(isInterfaceName('a/b')).toBe(false);
  });

  it.each(bad.filter((n) => n !== ''))('%j is refused alike by the engine, the CLI, the config and stream:NAME=', (n) => {
    const clock = new VirtualClock();
    expect(() => new Bridge({ name: n, clock })).toThrow(`bridge name '${n}': ${NAME_RULE}`);
    expect(() => bridgeName(n)).toThrow(`invalid bridge name '${n}': ${NAME_RULE}`);
    expect(() => parseConfig(`bridges:\n  ${JSON.stringify(n)}: {}\n`, 'c.yaml')).toThrow(`bridge name: ${NAME_RULE}`);
    expect(() => portSpec(`stream:${n}=/tmp/x.sock`)).toThrow(n.includes('/') ? /absolute socket path/ : `port name '${n}' must be ${NAME_RULE}`);
  });

  it.each(good)('%j is accepted alike by all of them', (n) => {
    expect(new Bridge({ name: n, clock: new VirtualClock() }).name).toBe(n);
    expect(bridgeName(n)).toBe(n);
    expect(parseConfig(`bridges:\n  ${JSON.stringify(n)}: {}\n`, 'c.yaml').bridges[0]!.name).toBe(n);
    expect(portSpec(`stream:${n}=/tmp/x.sock`).name).toBe(n);
  });
});
