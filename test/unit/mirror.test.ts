// Port mirroring on capture ports and a virtual clock: which frames a session copies by
// direction, that the analyser takes no part in forwarding, the per-flush budget (copies dropped
// and counted, the mirrored traffic untouched), the refusals, and cleanup when ports go.
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { MIRROR_BUDGET, mirrorDirection } from '../../src/bridge/mirror.js';
import { parseMac, MAC_BROADCAST } from '../../src/frame/mac.js';
import { capturePorts, frame } from '../helpers/capture-port.js';

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');
const Z = parseMac('02:00:00:00:00:0f');

function setup() {
  const br = new Bridge({ name: 'br0', clock: new VirtualClock(1000), mac: parseMac('02:00:00:00:bb:00') });
  const { ports, log } = capturePorts(4);
  const bp = ports.map((p) => br.addPort(p));
  const [p1, p2, p3, an] = ports as [typeof ports[0], typeof ports[0], typeof ports[0], typeof ports[0]];
  // A behind p1, B behind p2
  p1.inject(frame(MAC_BROADCAST, A));
  p2.inject(frame(MAC_BROADCAST, B));
  log.clear();
  for (const p of ports) p.take();
  return { br, ports, bp, p1, p2, p3, an, log };
}

describe('port mirroring', () => {
  it('direction both: the analyser gets what p1 receives and what it sends, nothing else', () => {
    const { br, p1, p2, p3, an } = setup();
    br.addMirror('span0', ['p1'], 'both', 'p4');
    p1.inject(frame(B, A)); // in on p1, out on p2
    p2.inject(frame(A, B)); // in on p2, out on p1
    p3.inject(frame(B, Z)); // neither in nor out of p1
    const got = an.take().map((f) => [f.bytes[5], f.bytes[11]]);
    expect(got).toEqual([[0x0b, 0x0a], [0x0a, 0x0b]]);
    expect(br.mirrors.get('span0')!.copies).toBe(2);
    expect(br.mirrorList()[0]).toMatchObject({ name: 'span0', from: ['p1'], direction: 'both', to: 'p4', copies: 2, dropped: 0 });
  });

  it('direction in copies only received frames, out only sent ones', () => {
    const { br, p1, p2, an } = setup();
    br.addMirror('rx', ['p1'], 'in', 'p4');
    p1.inject(frame(B, A));
    p2.inject(frame(A, B));
    expect(an.take().map((f) => f.bytes[11])).toEqual([0x0a]);
    br.deleteMirror('rx');
    br.addMirror('tx', ['p1'], 'out', 'p4');
    p1.inject(frame(B, A));
    p2.inject(frame(A, B));
    expect(an.take().map((f) => f.bytes[11])).toEqual([0x0b]);
  });

  it('two sources: a frame between them is copied once in and once out', () => {
    const { br, p1, an } = setup();
    br.addMirror('s', ['p1', 'p2'], 'both', 'p4');
    p1.inject(frame(B, A));
    expect(an.take()).toHaveLength(2);
  });

  it('the analyser forwards nothing, learns nothing and gets no floods; after del it is a port again', () => {
    const { br, bp, p1, p2, an } = setup();
    br.addMirror('s', ['p2'], 'in', 'p4');
    an.inject(frame(MAC_BROADCAST, Z), frame(A, Z));
    expect(p1.take()).toHaveLength(0);
    expect(br.fdb.lookup(0, Z, 1000)).toBe(-1);
    expect(bp[3]!.dropAnalyser).toBe(2);
    p1.inject(frame(MAC_BROADCAST, A)); // a flood: p2 and p3, never the analyser (p1 is no source)
    expect(an.take()).toHaveLength(0);
    expect(p2.take()).toHaveLength(1);
    br.deleteMirror('s');
    expect(bp[3]!.analyser).toBe(false);
    p1.inject(frame(MAC_BROADCAST, A));
    expect(an.take()).toHaveLength(1);
    an.inject(frame(A, Z));
    expect(p1.take()).toHaveLength(1);
  });

  it('past the budget of one flush, copies are dropped and counted; the mirrored frames all go out', () => {
    const { br, bp, p1, p2, an } = setup();
    br.addMirror('s', ['p1'], 'both', 'p4');
    const n = MIRROR_BUDGET + 40;
    const batch = Array.from({ length: n }, () => frame(B, A));
    p1.inject(...batch);
    expect(p2.take()).toHaveLength(n);
    expect(an.take()).toHaveLength(MIRROR_BUDGET);
    expect(bp[3]!.dropMirror).toBe(40);
    expect(bp[3]!.drops().mirror_drop).toBe(40);
    expect(br.mirrors.get('s')!.dropped).toBe(40);
    // the next batch has a fresh budget
    p1.inject(frame(B, A));
    expect(an.take()).toHaveLength(1);
  });

  it('an analyser that refuses or is down: copies counted as dropped, forwarding unaffected', () => {
    const { br, bp, p1, p2, an } = setup();
    br.addMirror('s', ['p1'], 'in', 'p4');
    an.failSend = true;
    p1.inject(frame(B, A));
    expect(p2.take()).toHaveLength(1);
    expect(bp[3]!.dropMirror).toBe(1);
    an.failSend = false;
    an.linkDown();
    p1.inject(frame(B, A));
    expect(p2.take()).toHaveLength(1);
    expect(bp[3]!.dropMirror).toBe(2);
  });

  it('refuses bad sessions and changes nothing', () => {
    const { br, ports } = setup();
    expect(() => br.addMirror('s', ['p1'], 'both', 'p1')).toThrow(/both a source and the analyser/);
    expect(() => br.addMirror('s', ['nope'], 'both', 'p4')).toThrow(/'nope' is not on bridge br0/);
    expect(() => br.addMirror('s', [], 'both', 'p4')).toThrow(/at least one source/);
    expect(() => br.addMirror('bad name', ['p1'], 'both', 'p4')).toThrow(/invalid mirror name 'bad name'/);
    expect(br.mirrors.size).toBe(0);
    expect(ports.every((p) => br.portByName(p.name)!.capture === null)).toBe(true);
    br.addMirror('s', ['p1'], 'both', 'p4');
    expect(() => br.addMirror('s', ['p2'], 'both', 'p4')).toThrow(/already exists/);
    expect(() => br.addMirror('t', ['p4'], 'both', 'p3')).toThrow(/analyser of mirror s/);
    expect(() => br.addMirror('t', ['p2'], 'both', 'p1')).toThrow(/source of mirror s/);
    expect(() => br.deleteMirror('zz')).toThrow(/no mirror zz \(it has s\)/);
    expect(() => mirrorDirection('sideways')).toThrow(/'sideways': expected in, out, both/);
  });

  it('removing a source or the analyser ends its sessions and frees the hooks', () => {
    const { br, p1 } = setup();
    br.addMirror('s', ['p1'], 'both', 'p4');
    br.addMirror('t', ['p2'], 'both', 'p3');
    br.removePort('p4');
    br.removePort('p2');
    expect(br.mirrors.size).toBe(0);
    expect(br.portByName('p1')!.capture).toBeNull();
    expect(br.portByName('p3')!.analyser).toBe(false);
    p1.inject(frame(MAC_BROADCAST, A));
  });
});
