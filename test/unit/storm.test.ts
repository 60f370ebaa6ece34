// Storm control on the virtual clock: the token bucket alone (rate, burst, refill, a clock that
// stands still or goes back), then through a bridge: floods over a port's limit are dropped and
// counted as `storm` per class and on the port, known unicast and other ports are untouched, and
// bad limits change nothing.
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { StormControl, STORM_BURST_MS, STORM_RATE_MAX } from '../../src/bridge/storm.js';
import { CLASS_BROADCAST, CLASS_MULTICAST, CLASS_UNKNOWN_UNICAST } from '../../src/bridge/egress.js';
import { MAC_BROADCAST, parseMac } from '../../src/frame/mac.js';
import { capturePorts, frame } from '../helpers/capture-port.js';
import { stormRatesArg, stormRateArg } from '../../src/control/args.js';
import { parseConfig } from '../../src/control/config.js';

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');
const MCAST = parseMac('01:00:5e:00:00:fb');

/** How many of n frames of class cls at time now the bucket admits. */
function admitted(s: StormControl, cls: number, now: number, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (s.admit(cls, now)) k++;
  return k;
}

describe('StormControl: token bucket per flood class', () => {
  it('passes a burst of 100 ms worth, then exactly the rate', () => {
    const s = new StormControl([0, 1000, 0], 0);
    expect(admitted(s, CLASS_BROADCAST, 0, 500)).toBe(1000 * STORM_BURST_MS / 1000);
    expect(s.dropped[CLASS_BROADCAST]).toBe(400);
    // 1 s later: 1000 frames' worth, but the bucket holds 100
    expect(admitted(s, CLASS_BROADCAST, 1000, 5000)).toBe(100);
    // steady: 10 ms steps of 50 frames each → 10 admitted per step = 1000 pps
    let k = 0;
    for (let t = 1010; t <= 2000; t += 10) k += admitted(s, CLASS_BROADCAST, t, 50);
    expect(k).toBe(1000);
  });

  it('classes are independent; a class without a limit admits everything', () => {
    const s = new StormControl([10, 0, 20], 0);
    expect(admitted(s, CLASS_UNKNOWN_UNICAST, 0, 100)).toBe(1);
    expect(admitted(s, CLASS_BROADCAST, 0, 100)).toBe(100);
    expect(admitted(s, CLASS_MULTICAST, 0, 100)).toBe(2);
    expect(Array.from(s.dropped)).toEqual([99, 0, 98]);
  });

  it('a clock that stands still or goes back adds no tokens', () => {
    const s = new StormControl([0, 100, 0], 5000);
    expect(admitted(s, CLASS_BROADCAST, 5000, 100)).toBe(10);
    expect(admitted(s, CLASS_BROADCAST, 4000, 100)).toBe(0);
    expect(admitted(s, CLASS_BROADCAST, 5000, 100)).toBe(0);
    expect(admitted(s, CLASS_BROADCAST, 5100, 100)).toBe(10);
  });

  it('a low rate still passes one frame at a time at that rate', () => {
    const s = new StormControl([0, 2, 0], 0);
    expect(admitted(s, CLASS_BROADCAST, 0, 10)).toBe(1);
    expect(admitted(s, CLASS_BROADCAST, 250, 10)).toBe(0);
    expect(admitted(s, CLASS_BROADCAST, 500, 10)).toBe(1);
  });

  it('a bad rate is refused and changes nothing', () => {
    const s = new StormControl([0, 100, 0], 0);
    for (const bad of [[-1, 0, 0], [0, 1.5, 0], [0, 0, STORM_RATE_MAX + 1], [0, NaN, 0]]) {
      expect(() => s.set(bad, 0)).toThrow(/storm control rate/);
    }
    expect(s.rateOf(CLASS_BROADCAST)).toBe(100);
    expect(s.rateOf(CLASS_UNKNOWN_UNICAST)).toBe(0);
  });
});

describe('storm control through a bridge', () => {
  function setup() {
    const clock = new VirtualClock(1_000);
    const br = new Bridge({ name: 'br0', clock });
    const { ports, log } = capturePorts(3);
    const bp = ports.map((p) => br.addPort(p));
    return { br, clock, ports, bp, log };
  }
  const bcast = (src: number) => frame(MAC_BROADCAST, src);

  it('is off by default: a port has no limiter and floods everything', () => {
    const { br, ports, bp, log } = setup();
    expect(bp.every((p) => p.storm === null)).toBe(true);
    for (let i = 0; i < 1000; i++) ports[0]!.inject(bcast(A));
    expect(log.frames.length).toBe(2000);
    expect(bp[0]!.drops().storm).toBe(0);
    expect(br.stormRates(bp[0]!)).toEqual({});
  });

  it('caps the broadcasts a port floods at its rate, counts the rest as storm, leaves other ports alone', () => {
    const { br, clock, ports, bp, log } = setup();
    br.setStorm('p1', { broadcast: 100 });
    expect(br.stormRates(bp[0]!)).toEqual({ broadcast: 100 });
    // 10 s of a 10,000 pps storm in 10 ms batches of 100 frames
    for (let step = 0; step < 1000; step++) {
      clock.advance(10);
      ports[0]!.inject(...Array.from({ length: 100 }, () => bcast(A)));
    }
    const out = log.frames.filter((f) => f.port === 'p2').length;
    // the full bucket (10) on the first batch, then 100 per second for the 9.99 s after it
    expect(out).toBe(10 + 999);
    expect(bp[0]!.dropStorm).toBe(100_000 - out);
    expect(bp[0]!.drops().storm).toBe(100_000 - out);
    expect(bp[0]!.storm!.dropped[CLASS_BROADCAST]).toBe(100_000 - out);
    // p2 is not limited: its broadcasts all go out
    log.clear();
    for (let i = 0; i < 500; i++) ports[1]!.inject(bcast(B));
    expect(log.frames.length).toBe(1000);
    // nor is known unicast from the limited port, nor multicast (no limit set for it)
    log.clear();
    for (let i = 0; i < 300; i++) ports[0]!.inject(frame(B, A));
    for (let i = 0; i < 300; i++) ports[0]!.inject(frame(MCAST, A));
    expect(log.frames.filter((f) => f.port === 'p2').length).toBe(600);
    expect(br.flooded).toBe(out + 500 + 300);
  });

  it('limits unknown unicast and counts only what it lets through as flooded', () => {
    const { br, ports, bp } = setup();
    br.setStorm('p1', { 'unknown-unicast': 50 });
    const unknown = parseMac('02:00:00:00:00:99');
    for (let i = 0; i < 100; i++) ports[0]!.inject(frame(unknown, A));
    expect(br.unknownUnicastFlooded).toBe(5);
    expect(bp[0]!.dropStorm).toBe(95);
  });

  it('a change keeps the port\'s drop count; lifting every limit removes the limiter', () => {
    const { br, ports, bp } = setup();
    br.setStorm('p1', { broadcast: 10 });
    for (let i = 0; i < 10; i++) ports[0]!.inject(bcast(A));
    expect(bp[0]!.dropStorm).toBe(9);
    br.setStorm('p1', { broadcast: 10, multicast: 20 });
    expect(br.stormRates(bp[0]!)).toEqual({ broadcast: 10, multicast: 20 });
    br.setStorm('p1', {});
    expect(bp[0]!.storm).toBeNull();
    expect(bp[0]!.dropStorm).toBe(9);
  });

  it('bad limits are refused and change nothing', () => {
    const { br, bp } = setup();
    br.setStorm('p1', { broadcast: 10 });
    expect(() => br.setStorm('p1', { broadcast: -5 })).toThrow(/storm control rate -5/);
    expect(() => br.setStorm('p1', { ['bogus' as 'broadcast']: 5 })).toThrow(/class 'bogus'/);
    expect(() => br.setStorm('nope', { broadcast: 5 })).toThrow(/nope/);
    expect(br.stormRates(bp[0]!)).toEqual({ broadcast: 10 });
  });
});

describe('storm-control arguments', () => {
  it('reads N, Npps and off', () => {
    expect(stormRateArg('1000pps', 'broadcast')).toBe(1000);
    expect(stormRateArg('25', 'broadcast')).toBe(25);
    expect(stormRateArg('off', 'broadcast')).toBe(0);
    expect(stormRatesArg(['broadcast', '1000pps', 'unknown-unicast', 'off'])).toEqual({ broadcast: 1000, 'unknown-unicast': 0 });
    expect(stormRatesArg({ multicast: '5pps' })).toEqual({ multicast: 5 });
  });

  it('names the bad value and what is allowed', () => {
    expect(() => stormRateArg('10kpps', 'broadcast')).toThrow(/invalid broadcast storm rate '10kpps': expected N or Npps/);
    expect(() => stormRateArg('-1', 'multicast')).toThrow(/'-1'/);
    expect(() => stormRateArg(String(STORM_RATE_MAX + 1), 'multicast')).toThrow(/1 to 100000000/);
    expect(() => stormRatesArg(['anycast', '10'])).toThrow(/unknown storm-control class 'anycast': allowed unknown-unicast, broadcast, multicast/);
    expect(() => stormRatesArg(['broadcast'])).toThrow(/needs a rate/);
  });
});

describe('storm control in the config', () => {
  const yaml = (storm: string) => `bridges:\n  br0:\n    ports:\n      - name: tap:t1\n        storm: ${storm}\n`;
  it('a port\'s storm key becomes its rates by class; 0 is no limit', () => {
    const c = parseConfig(yaml('{ broadcast: 1000, multicast: 0, unknownUnicast: 50 }'));
    expect(c.bridges[0]!.ports[0]!.storm).toEqual({ broadcast: 1000, 'unknown-unicast': 50 });
  });
  it('a bad limit names the line, the key and what is allowed', () => {
    expect(() => parseConfig(yaml('{ broadcast: -1 }'), 'softbr.yaml')).toThrow(/softbr\.yaml:5: .*storm\.broadcast: must be 0–100000000 \(broadcast frames per second, 0 = no limit\)/);
    expect(() => parseConfig(yaml('{ anycast: 5 }'), 'softbr.yaml')).toThrow(/softbr\.yaml:5: .*anycast/);
    expect(() => parseConfig(yaml('{ broadcast: 1.5 }'), 'softbr.yaml')).toThrow(/softbr\.yaml:5: .*storm\.broadcast/);
  });
});
