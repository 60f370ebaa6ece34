// Every impairment effect on the virtual clock: delay accuracy, jitter distributions and
// correlation, random and Gilbert–Elliott loss against the setting, duplication, corruption,
// reordering, shaping and policing rates, a full delay line, reproducibility from a seed, and on
// a bridge: the timer wheel releases on time, one delayed port never holds up another, and
// delay-line slots are not reused before the driver's flush.
import { describe, it, expect } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { Impairer, OFFER_DROP, OFFER_PASS, OFFER_QUEUED } from '../../src/impair/impairer.js';
import { parseImpairWords } from '../../src/impair/spec.js';
import { CapturePort, frame } from '../helpers/capture-port.js';
import { parseMac } from '../../src/frame/mac.js';

const spec = (s: string) => parseImpairWords(s.split(' ')).spec;
const imp = (s: string, dir: 0 | 1 = 1, maxFrame = 1518) => new Impairer(spec(s), 1, dir, maxFrame, () => 1);
const FRAME = new Uint8Array(1000).map((_, i) => i & 0xff);

/** Offers one frame at each time of `times` and returns each frame's release time (NaN = dropped, -1 = passed at once). */
function releaseTimes(im: Impairer, times: number[]): number[] {
  const out: number[] = [];
  for (const t of times) {
    const r = im.offer(FRAME, 0, FRAME.length, t);
    if (r === OFFER_DROP) { out.push(NaN); continue; }
    if (r === OFFER_PASS) { out.push(-1); continue; }
    // the frame just queued is the tail; read it back by draining what is due up to its time
    out.push(NaN);
  }
  return out;
}

/** Drains a line, returning the due times in release order. */
function drain(im: Impairer): number[] {
  const d: number[] = [];
  while (im.count > 0) { d.push(im.headDue()); im.shift(0); }
  return d;
}

function stats(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  let cov = 0;
  for (let i = 1; i < xs.length; i++) cov += (xs[i]! - mean) * (xs[i - 1]! - mean);
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), lag1: cov / (xs.length - 1) / (sd * sd) };
}

/** Delays of n frames offered far enough apart (100 ms) that the FIFO never holds one back. */
function delays(s: string, n = 20000): number[] {
  const im = imp(s);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i * 100;
    expect(im.offer(FRAME, 0, FRAME.length, t)).toBe(OFFER_QUEUED);
    out.push(im.headDue() - t);
    im.shift(0);
  }
  return out;
}

describe('impairer: delay and jitter', () => {
  it('a fixed delay is exact', () => {
    const d = delays('delay 50ms', 100);
    expect(new Set(d)).toEqual(new Set([50]));
  });

  it('uniform jitter spreads over ±jitter with the uniform\'s deviation (jitter/√3)', () => {
    const s = stats(delays('delay 50ms jitter 10ms'));
    console.log(`uniform jitter: mean ${s.mean.toFixed(3)} ms, sd ${s.sd.toFixed(3)} (want ${(10 / Math.sqrt(3)).toFixed(3)}), range ${s.min.toFixed(2)}..${s.max.toFixed(2)}`);
    expect(Math.abs(s.mean - 50)).toBeLessThan(0.15);
    expect(Math.abs(s.sd - 10 / Math.sqrt(3))).toBeLessThan(0.1);
    expect(s.min).toBeGreaterThanOrEqual(40);
    expect(s.max).toBeLessThanOrEqual(60);
    expect(s.min).toBeLessThan(40.1);
    expect(s.max).toBeGreaterThan(59.9);
    expect(Math.abs(s.lag1)).toBeLessThan(0.03);
  });

  it('normal jitter has σ = jitter, about 68% within ±σ', () => {
    const d = delays('delay 50ms jitter 5ms distribution normal');
    const s = stats(d);
    const within = d.filter((x) => Math.abs(x - 50) <= 5).length / d.length;
    console.log(`normal jitter: mean ${s.mean.toFixed(3)} ms, sd ${s.sd.toFixed(3)} (want 5), within 1σ ${(within * 100).toFixed(1)}%`);
    expect(Math.abs(s.mean - 50)).toBeLessThan(0.15);
    expect(Math.abs(s.sd - 5)).toBeLessThan(0.15);
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.015);
  });

  it('correlation makes successive draws correlated by about the setting, keeping the spread', () => {
    const s = stats(delays('delay 50ms jitter 5ms distribution normal correlation 60%'));
    console.log(`correlated jitter: lag-1 correlation ${s.lag1.toFixed(3)} (want 0.6), sd ${s.sd.toFixed(3)}`);
    expect(Math.abs(s.lag1 - 0.6)).toBeLessThan(0.03);
    expect(Math.abs(s.sd - 5)).toBeLessThan(0.25);
  });

  it('jitter never reorders: release times only grow along the line', () => {
    const im = imp('delay 50ms jitter 20ms');
    for (let t = 0; t < 500; t++) im.offer(FRAME, 0, FRAME.length, t * 0.5);
    const d = drain(im);
    expect(d.length).toBe(500);
    for (let i = 1; i < d.length; i++) expect(d[i]!).toBeGreaterThanOrEqual(d[i - 1]!);
  });
});

describe('impairer: loss, duplication, corruption, reordering', () => {
  it('random loss matches the setting', () => {
    const im = imp('loss 1% seed 7');
    const n = 200_000;
    for (let i = 0; i < n; i++) im.offer(FRAME, 0, 64, i);
    const ratio = im.lost / n;
    console.log(`random loss 1%: measured ${(ratio * 100).toFixed(3)}% of ${n}`);
    // binomial σ = √(0.01·0.99/200000) = 0.022 %; 5σ
    expect(Math.abs(ratio - 0.01)).toBeLessThan(0.0011);
  });

  it('Gilbert–Elliott: the loss ratio is p/(p+r) and bursts last 1/r frames on average', () => {
    const im = imp('loss 2% burst 5 seed 3');
    const n = 500_000;
    const bursts: number[] = [];
    let run = 0;
    for (let i = 0; i < n; i++) {
      const lost = im.offer(FRAME, 0, 64, i) === OFFER_DROP;
      if (lost) run++;
      else if (run > 0) { bursts.push(run); run = 0; }
    }
    const ratio = im.lost / n;
    const mean = bursts.reduce((a, b) => a + b, 0) / bursts.length;
    console.log(`Gilbert-Elliott loss 2% burst 5: loss ${(ratio * 100).toFixed(3)}%, mean burst ${mean.toFixed(3)} frames over ${bursts.length} bursts`);
    expect(Math.abs(ratio - 0.02)).toBeLessThan(0.002);
    expect(Math.abs(mean - 5)).toBeLessThan(0.25);
    // geometric: P(burst = 1) = r = 0.2
    expect(Math.abs(bursts.filter((b) => b === 1).length / bursts.length - 0.2)).toBeLessThan(0.02);
  });

  it('the same seed gives the same drops; another seed other drops', () => {
    const lostAt = (seed: number) => {
      const im = imp(`loss 5% duplicate 5% seed ${seed}`);
      const out: number[] = [];
      for (let i = 0; i < 2000; i++) out.push(im.offer(FRAME, 0, 64, i) === OFFER_DROP ? 1 : im.passCopies);
      return out.join('');
    };
    expect(lostAt(42)).toBe(lostAt(42));
    expect(lostAt(42)).not.toBe(lostAt(43));
  });

  it('duplication sends the share asked for twice', () => {
    const im = imp('duplicate 10% seed 1');
    let copies = 0;
    let passed = 0;
    for (let i = 0; i < 100_000; i++) { if (im.offer(FRAME, 0, 64, i) === OFFER_PASS) passed++; copies += im.passCopies; }
    expect(passed).toBe(100_000);
    expect(Math.abs(im.duplicated / 100_000 - 0.1)).toBeLessThan(0.005);
    expect(copies).toBe(100_000 + im.duplicated);
  });

  it('corruption flips exactly one bit after the Ethernet header and keeps the length', () => {
    const im = imp('corrupt 100%');
    for (let i = 0; i < 200; i++) {
      expect(im.offer(FRAME, 0, 100, i)).toBe(OFFER_QUEUED);
      const off = im.headOff();
      expect(im.headLen()).toBe(100);
      let bits = 0;
      for (let k = 0; k < 100; k++) {
        const x = im.buf[off + k]! ^ FRAME[k]!;
        if (k < 14) expect(x).toBe(0);
        bits += x.toString(2).split('1').length - 1;
      }
      expect(bits).toBe(1);
      im.shift(0);
    }
    expect(im.corrupted).toBe(200);
  });

  it('reorder sends that share at once, ahead of the delayed frames', () => {
    const im = imp('delay 10ms reorder 25% seed 5');
    const r = releaseTimes(im, Array.from({ length: 10000 }, (_, i) => i));
    const passed = r.filter((x) => x === -1).length;
    expect(Math.abs(passed / 10000 - 0.25)).toBeLessThan(0.015);
    expect(im.reordered).toBe(passed);
  });
});

describe('impairer: rate limits', () => {
  it('shaping: the burst goes at once, then frames leave at the rate', () => {
    // 8 Mbit/s = 1 byte per µs: a 1000-byte frame costs 1 ms; burst 10 ms = 10 000 bytes
    const im = imp('rate 8mbit');
    const out: number[] = [];
    for (let i = 0; i < 100; i++) {
      const r = im.offer(FRAME, 0, 1000, 0);
      out.push(r === OFFER_PASS ? 0 : NaN);
    }
    const due = drain(im);
    expect(out.slice(0, 1)).toEqual([0]);
    // frames 0..10 within the burst (tat - tau ≤ 0), then one per ms
    const all = [...out.filter((x) => x === 0), ...due];
    expect(all.length).toBe(100);
    expect(all.filter((t) => t === 0).length).toBe(11);
    expect(all[99]).toBeCloseTo(89, 9);
    expect(im.shaped).toBe(89);
  });

  it('shaping holds the long-run rate in bits/s and frames/s', () => {
    for (const [s, perSec] of [['rate 100mbit', 100e6 / 8 / 1514], ['rate 5kpps', 5000]] as const) {
      const im = imp(`${s} limit 65536`);
      let last = 0;
      for (let i = 0; i < 20000; i++) {
        im.offer(FRAME, 0, 1514, i * 0.01); // offered far above the rate
        while (im.count > 0 && im.headDue() <= i * 0.01) { last = im.headDue(); im.shift(0); }
      }
      for (const d of drain(im)) last = d;
      const rate = 20000 / (last / 1000);
      // the burst went out at once: the rest at the rate
      expect(Math.abs(rate / perSec - 1)).toBeLessThan(0.03);
    }
  });

  it('policing (ingress) drops what exceeds the rate and passes about the rate', () => {
    const im = imp('rate 8mbit', 0);
    let passed = 0;
    // 2000 frames of 1000 bytes in 1 s: twice the 1000 frames/s the rate allows
    for (let i = 0; i < 2000; i++) if (im.offer(FRAME, 0, 1000, i * 0.5) === OFFER_PASS) passed++;
    expect(im.count).toBe(0);
    expect(Math.abs(passed - 1010)).toBeLessThanOrEqual(2);
    expect(im.policed).toBe(2000 - passed);
  });

  it('a full line drops and counts impair_queue_full', () => {
    const im = imp('delay 50ms limit 10');
    let queued = 0;
    for (let i = 0; i < 15; i++) if (im.offer(FRAME, 0, 100, 0) === OFFER_QUEUED) queued++;
    expect(queued).toBe(10);
    expect(im.queueFull).toBe(5);
  });

  it('refuses a delay line larger than its memory bound', () => {
    expect(() => imp('delay 1ms limit 65536', 1, 65536 + 18)).toThrow(/MiB a delay line may take/);
  });
});

// ---------------------------------------------------------------- on a bridge

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');
const C = parseMac('02:00:00:00:00:0c');

/** A driver that keeps references until flush, as the PortIO contract allows, and copies then. */
class LazyPort extends CapturePort {
  private held: [Uint8Array, number, number][] = [];
  readonly times: number[] = [];
  readonly copies: Uint8Array[] = [];
  constructor(name: string, private clock: VirtualClock) { super(name); }
  override send(buf: Uint8Array, off: number, len: number): boolean { this.held.push([buf, off, len]); return true; }
  override flush(): void {
    for (const [b, o, l] of this.held) { this.copies.push(b.slice(o, o + l)); this.times.push(this.clock.now()); }
    this.held = [];
    super.flush();
  }
}

function bridge3() {
  const clock = new VirtualClock(1000);
  const br = new Bridge({ name: 'br0', clock });
  const ports = ['p1', 'p2', 'p3'].map((n) => new LazyPort(n, clock));
  const bp = ports.map((p) => br.addPort(p));
  const timers: number[] = [];
  br.timerRequest = (due) => { timers.push(due); };
  /** Advances the clock to each requested timer in turn until none is left or `until` is reached. */
  const runTimers = (until: number) => {
    for (;;) {
      const due = timers.filter((t) => t <= until).sort((a, b) => a - b)[0];
      if (due === undefined) { clock.set(Math.max(clock.now(), until)); br.runImpairTimers(); return; }
      timers.splice(timers.indexOf(due), 1);
      clock.set(Math.max(clock.now(), due));
      br.runImpairTimers();
    }
  };
  // teach the bridge where B and C live
  ports[1]!.inject(frame(A, B));
  ports[2]!.inject(frame(A, C));
  for (const p of ports) { p.copies.length = 0; p.times.length = 0; }
  return { clock, br, ports, bp, timers, runTimers };
}

const payload = (i: number) => new Uint8Array(46).fill(i & 0xff);
/** Which payload(i) a (possibly corrupted: one bit flipped) frame carries: the value of most of its payload bytes. */
const which = (f: Uint8Array) => (f[14] === f[15] ? f[14] : f[16]);

describe('impairments on a bridge', () => {
  it('egress delay: released by the wheel on time, asked for with one timer; other ports are not held up', () => {
    const { clock, br, ports, bp, timers, runTimers } = bridge3();
    br.setImpairment(bp[1]!, 1, spec('delay 50ms'));
    ports[0]!.inject(frame(B, A, { payload: payload(1) }), frame(C, A, { payload: payload(2) }));
    expect(ports[2]!.times).toEqual([1000]); // to p3 at once
    expect(ports[1]!.times).toEqual([]);
    expect(timers).toEqual([1050]);
    clock.advance(20);
    ports[0]!.inject(frame(B, A, { payload: payload(3) }));
    expect(timers).toEqual([1050]); // the line's head is unchanged: no new timer
    runTimers(1049);
    expect(ports[1]!.times).toEqual([]);
    runTimers(1100);
    expect(ports[1]!.times).toEqual([1050, 1070]);
    expect(ports[1]!.copies.map((f) => f[14])).toEqual([1, 3]);
    expect(bp[1]!.impairOut!.delayed).toBe(2);
  });

  it('ingress delay: frames enter the pipeline late, then are forwarded; slots are not reused before the flush', () => {
    const { br, ports, bp, runTimers } = bridge3();
    br.setImpairment(bp[0]!, 0, spec('delay 10ms limit 4'));
    br.setImpairment(bp[1]!, 1, spec('corrupt 100%'));
    for (let i = 0; i < 4; i++) ports[0]!.inject(frame(B, A, { payload: payload(10 + i) }));
    ports[0]!.inject(frame(B, A, { payload: payload(99) })); // the line holds 4
    expect(bp[0]!.drops().impair_queue_full).toBe(1);
    runTimers(1010);
    // each released frame was copied into p2's corrupting line (due at once) and flushed from there
    expect(ports[1]!.copies.map(which)).toEqual([10, 11, 12, 13]);
    expect(ports[1]!.copies.every((f) => f.length === 60)).toBe(true);
    expect(bp[1]!.impairOut!.corrupted).toBe(4);
    // refilling the lines later does not touch what was sent
    for (let i = 0; i < 4; i++) ports[0]!.inject(frame(B, A, { payload: payload(20 + i) }));
    runTimers(1030);
    expect(ports[1]!.copies.map(which)).toEqual([10, 11, 12, 13, 20, 21, 22, 23]);
  });

  it('the shaped port\'s frames leave at the rate; a port beside it is not slowed', () => {
    const { br, ports, bp, runTimers } = bridge3();
    br.setImpairment(bp[1]!, 1, spec('rate 8mbit burst 1k'));
    const big = new Uint8Array(986);
    for (let i = 0; i < 20; i++) ports[0]!.inject(frame(B, A, { payload: big }), frame(C, A, { payload: big }));
    expect(ports[2]!.times.length).toBe(20);
    runTimers(1100);
    const t = ports[1]!.times;
    expect(t.length).toBe(20);
    // 1000-byte frames at 1 byte/µs after the burst (at least one 1518-byte frame): one per ms
    expect(t[1]).toBe(t[0]);
    for (let i = 3; i < 20; i++) expect(t[i]! - t[i - 1]!).toBeCloseTo(1, 9);
  });

  it('clearing an impairment empties its line and takes it off the wheel', () => {
    const { br, ports, bp, runTimers } = bridge3();
    br.setImpairment(bp[1]!, 1, spec('delay 50ms'));
    ports[0]!.inject(frame(B, A));
    br.setImpairment(bp[1]!, 1, null);
    runTimers(1100);
    expect(ports[1]!.times).toEqual([]);
    ports[0]!.inject(frame(B, A));
    expect(ports[1]!.times).toEqual([1100]);
    expect(bp[1]!.impairOut).toBeNull();
  });
});
