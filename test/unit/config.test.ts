// The daemon's YAML config: defaults, normalisation, and errors that name the line, the key and
// what is allowed.
import { describe, it, expect } from 'vitest';
import { parseConfig } from '../../src/control/config.js';
import { UserError } from '../../src/control/protocol.js';

const err = (text: string): string => {
  try {
    parseConfig(text, 'c.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('config was accepted');
};

describe('config', () => {
  it('an empty file is an empty config', () => {
    expect(parseConfig('', 'c.yaml')).toEqual({ control: undefined, metrics: undefined, bridges: [] });
  });

  it('fills the kernel defaults and normalises ports', () => {
    const c = parseConfig('bridges:\n  br0:\n    ports:\n      - tap:tap0\n      - name: veth1\n        hairpin: true\n', 'c.yaml');
    expect(c.bridges).toEqual([{
      name: 'br0', mac: undefined, local: true, ageing: 300, maxEntries: undefined, limitPolicy: undefined, maxLearnedPerPort: undefined,
      vlanFiltering: false,
      stp: { enabled: false, protocol: 'stp', priority: 32768, hello: 2, maxAge: 20, forwardDelay: 15 },
      ports: [{ name: 'tap:tap0' }, { name: 'veth1', hairpin: true }],
      static: [],
    }]);
  });

  it('static FDB entries name a port of their bridge (or the bridge, for its host port)', () => {
    const ok = parseConfig('bridges:\n  br0:\n    ports: [tap:tap0]\n    static:\n      - {mac: 02:00:00:00:00:AA, port: tap0}\n      - {mac: 02:00:00:00:00:bb, port: br0, vlan: 10}\n', 'c.yaml');
    expect(ok.bridges[0]!.static).toEqual([{ mac: '02:00:00:00:00:aa', port: 'tap0', vlan: 0 }, { mac: '02:00:00:00:00:bb', port: 'br0', vlan: 10 }]);
    expect(() => parseConfig('bridges:\n  br0:\n    ports: [tap:tap0]\n    static:\n      - {mac: 02:00:00:00:00:aa, port: tap9}\n', 'c.yaml'))
      .toThrow(/^c\.yaml:5: bridges\.br0\.static\.0\.port: 'tap9' is not a port of br0 \(its ports: tap0, br0\)/);
    expect(() => parseConfig('bridges:\n  br0:\n    static:\n      - {mac: 02:00:00:00:00:aa, port: br0, vlan: 5000}\n', 'c.yaml')).toThrow(/vlan: must be 0–4095/);
    expect(() => parseConfig('bridges:\n  br0:\n    static:\n      - {mac: nope, port: br0}\n', 'c.yaml')).toThrow(/mac: expected a MAC address/);
  });

  it('stp: true and an stp block both turn STP on', () => {
    expect(parseConfig('bridges:\n  b:\n    stp: true\n', 'c.yaml').bridges[0]!.stp.enabled).toBe(true);
    expect(parseConfig('bridges:\n  b:\n    stp:\n      priority: 4096\n', 'c.yaml').bridges[0]!.stp).toMatchObject({ enabled: true, priority: 4096 });
    expect(parseConfig('bridges:\n  b:\n    stp:\n      enabled: false\n      hello: 1\n', 'c.yaml').bridges[0]!.stp).toMatchObject({ enabled: false, hello: 1 });
  });

  it('stp: rstp, a protocol key and a port edge key select RSTP', () => {
    expect(parseConfig('bridges:\n  b:\n    stp: rstp\n', 'c.yaml').bridges[0]!.stp).toMatchObject({ enabled: true, protocol: 'rstp' });
    expect(parseConfig('bridges:\n  b:\n    stp:\n      protocol: rstp\n', 'c.yaml').bridges[0]!.stp).toMatchObject({ enabled: true, protocol: 'rstp' });
    expect(parseConfig('bridges:\n  b:\n    stp: true\n', 'c.yaml').bridges[0]!.stp.protocol).toBe('stp');
    expect(parseConfig('bridges:\n  b:\n    ports:\n      - name: tap:t0\n        edge: true\n', 'c.yaml').bridges[0]!.ports[0]).toEqual({ name: 'tap:t0', edge: true });
    expect(err('bridges:\n  b:\n    stp:\n      protocol: mstp\n')).toMatch(/^c\.yaml:4: bridges\.b\.stp\.protocol: .*"stp", "rstp"/);
  });

  it.each([
    ['bridges:\n  br0:\n    ageing: soon\n', /^c\.yaml:3: bridges\.br0\.ageing: expected a number \(seconds, 0 = hub mode\)/],
    ['bridges:\n  br0:\n    ageing: -5\n', /^c\.yaml:3: bridges\.br0\.ageing: must be 0–1000000/],
    ['bridges:\n  br0:\n    stp:\n      forwardDelay: 1\n', /^c\.yaml:4: bridges\.br0\.stp\.forwardDelay: must be 2–30 \(forward delay, seconds\)/],
    ['bridges:\n  br0:\n    stp:\n      maxAge: 41\n', /^c\.yaml:4: bridges\.br0\.stp\.maxAge: must be 6–40/],
    ['bridges:\n  br0:\n    limitPolicy: lru\n', /^c\.yaml:3: bridges\.br0\.limitPolicy: must be one of "evict-oldest", "refuse-new"/],
    ['bridges:\n  br0:\n    portz: []\n', /^c\.yaml:3: bridges\.br0: unknown key 'portz'/],
    ['bridges:\n  br0:\n    mac: 02:00:00:00:00\n', /^c\.yaml:3: bridges\.br0\.mac: expected a MAC address like 02:00:00:00:00:01/],
    ['bridges:\n  "this-is-too-long-a-name":\n    ageing: 1\n', /^c\.yaml:\d: bridges\.this-is-too-long-a-name: bridge name: 1–15 letters/],
    ['bridges:\n  br0:\n    ports:\n      - name: tap:t0\n        cost: 0\n', /^c\.yaml:5: bridges\.br0\.ports\.0\.cost: /],
    ['bridges:\n  br0:\n    ports:\n      - tap:t0\n      - tap:t0\n', /^c\.yaml:4: bridges\.br0\.ports: port 'tap:t0' listed twice/],
    ['bridges:\n  br0: [\n', /^c\.yaml:\d: YAML syntax error/],
    ['bridge:\n  br0: {}\n', /^c\.yaml:1: \(top level\): unknown key 'bridge'/],
  ])('rejects %j', (text, msg) => {
    expect(err(text)).toMatch(msg);
  });
});
