// Bridge.receive() details that come from the FDB's fast path: MACs read as (hi16, lo32)
// integers, and entries that expire before tick() ages them (learn() ages them itself).
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import type { BridgeEvent } from '../../src/bridge/events.js';
import { MAC_BROADCAST, parseMac, formatMac } from '../../src/frame/mac.js';
import { capturePorts, frame } from '../helpers/capture-port.js';

const T = 300_000;

function setup(n: number) {
  const clock = new VirtualClock(1_000);
  const br = new Bridge({ name: 'br0', clock, mac: parseMac('02:00:00:00:bb:00') });
  const { ports, log } = capturePorts(n);
  ports.forEach((p) => br.addPort(p));
  const events: BridgeEvent[] = [];
  br.on((e) => events.push(e));
  return { br, clock, p: ports, log, events };
}

describe('Bridge fast path: MACs as integers', () => {
  it('learns and forwards MACs whose low 32 bits are negative as int32 and ones with a zero top', () => {
    const { br, p, log } = setup(3);
    const macs = ['02:00:80:00:00:01', '02:00:ff:ff:ff:ff', '00:00:5e:00:00:01', '7e:ff:ff:ff:ff:fe'].map(parseMac);
    macs.forEach((m, i) => p[i % 3]!.inject(frame(MAC_BROADCAST, m)));
    expect(br.learned).toBe(4);
    for (const [i, m] of macs.entries()) {
      log.clear();
      p[(i + 1) % 3]!.inject(frame(m, parseMac('02:00:00:00:00:99')));
      expect(log.ports(), formatMac(m)).toEqual([`p${(i % 3) + 1}`]);
    }
  });

  it('a group or all-zero source is malformed; a source with only its low bytes set is not', () => {
    const { br, p } = setup(2);
    p[0]!.inject(frame(MAC_BROADCAST, '01:00:5e:00:00:01'), frame(MAC_BROADCAST, '00:00:00:00:00:00'), frame(MAC_BROADCAST, 'ff:ff:ff:ff:ff:ff'));
    expect(br.ports[1]!.dropMalformed).toBe(3);
    p[0]!.inject(frame(MAC_BROADCAST, '00:00:00:00:00:01'), frame(MAC_BROADCAST, '00:01:00:00:00:00'));
    expect(br.ports[1]!.dropMalformed).toBe(3);
    expect(br.learned).toBe(2);
  });

  it('01:80:c2:00:00:0X: group forward mask by X; 01:80:c2:00:00:10 is ordinary multicast', () => {
    const clock = new VirtualClock(0);
    const br = new Bridge({ name: 'br0', clock, mac: parseMac('02:00:00:00:bb:00'), groupFwdMask: 1 << 14 });
    const { ports, log } = capturePorts(3);
    ports.forEach((x) => br.addPort(x));
    ports[0]!.inject(frame('01:80:c2:00:00:0e', '02:00:00:00:00:01'));
    expect(log.ports().sort()).toEqual(['p2', 'p3']);
    log.clear();
    ports[0]!.inject(frame('01:80:c2:00:00:0d', '02:00:00:00:00:01'), frame('01:80:c2:00:00:01', '02:00:00:00:00:01'));
    expect(log.ports()).toEqual([]);
    expect(br.ports[1]!.dropLinkLocal).toBe(2);
    ports[0]!.inject(frame('01:80:c2:00:00:10', '02:00:00:00:00:01'));
    expect(log.ports().sort()).toEqual(['p2', 'p3']);
  });
});

describe('Bridge fast path: entries that expire before tick()', () => {
  it('a source whose entry expired unseen is counted and reported as aged, then learned anew', () => {
    const { br, clock, p, events } = setup(3);
    const A = parseMac('02:00:00:00:00:0a');
    p[0]!.inject(frame(MAC_BROADCAST, A));
    clock.advance(T); // no tick: the entry expires without age() seeing it
    p[1]!.inject(frame(MAC_BROADCAST, A));
    const seen = events.filter((e) => e.type === 'aged' || e.type === 'learned' || e.type === 'moved');
    expect(seen.map((e) => e.type)).toEqual(['learned', 'aged', 'learned']);
    expect(seen[1]).toMatchObject({ mac: formatMac(A), vid: 0, port: 'p1' });
    expect(seen[2]).toMatchObject({ mac: formatMac(A), port: 'p2' });
    expect(br.aged).toBe(1);
    expect(br.learned).toBe(2);
    expect(br.moved).toBe(0);
    br.tick();
    expect(br.aged).toBe(1); // not counted twice
    clock.advance(T);
    br.tick();
    expect(br.aged).toBe(2);
  });

  it('counts it even when the new learn is refused (port limit) and without listeners', () => {
    const clock = new VirtualClock(0);
    const br = new Bridge({ name: 'br0', clock, mac: parseMac('02:00:00:00:bb:00'), perPortLimit: 1 });
    const { ports } = capturePorts(2);
    ports.forEach((x) => br.addPort(x));
    ports[0]!.inject(frame(MAC_BROADCAST, '02:00:00:00:00:0a'));
    ports[1]!.inject(frame(MAC_BROADCAST, '02:00:00:00:00:0b'));
    clock.advance(T - 1);
    ports[1]!.inject(frame(MAC_BROADCAST, '02:00:00:00:00:0b')); // keeps p2 full
    clock.advance(1);
    ports[1]!.inject(frame(MAC_BROADCAST, '02:00:00:00:00:0a')); // a's entry (p1) expired; p2 is full
    expect(br.aged).toBe(1);
    expect(br.ports[2]!.dropLimit).toBe(1);
  });
});
