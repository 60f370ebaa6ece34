// The impairment words (softbr impair / softbr rate / the config's impair strings): what they
// parse to, that formatting reads back to the same spec, and that bad input names the bad word
// or value and what is allowed.
import { describe, it, expect } from 'vitest';
import {
  parseImpairWords, parseRateWords, formatImpairWords, parseRate, parseBurst, parseTime, rateBurst,
} from '../../src/impair/spec.js';

const words = (s: string) => s.split(' ');

describe('impair words', () => {
  it('reads netem\'s words, positional delay form included', () => {
    const a = parseImpairWords(words('delay 50ms jitter 5ms distribution normal correlation 25% loss 1% duplicate 0.5% reorder 1% corrupt 0.1% rate 10mbit limit 500 seed 42')).spec;
    expect(a).toMatchObject({ delayMs: 50, jitterMs: 5, distribution: 'normal', correlation: 0.25, loss: 0.01, duplicate: 0.005, reorder: 0.01, corrupt: 0.001, limit: 500, seed: 42 });
    expect(a.rate).toEqual({ per: 'bit', value: 10e6, burst: null });
    const b = parseImpairWords(words('delay 100ms 10ms 25%')).spec;
    expect(b).toMatchObject({ delayMs: 100, jitterMs: 10, correlation: 0.25 });
  });

  it('loss gemodel takes netem\'s defaults; loss N% burst LEN is a Gilbert model with that ratio and mean burst', () => {
    expect(parseImpairWords(words('loss gemodel 1%')).spec.ge).toEqual({ p: 0.01, r: 0.99, lossBad: 1, lossGood: 0 });
    expect(parseImpairWords(words('loss gemodel 1% 30% 90% 0.1%')).spec.ge).toEqual({ p: 0.01, r: 0.3, lossBad: 0.9, lossGood: 0.001 });
    const ge = parseImpairWords(words('loss 2% burst 5')).spec.ge!;
    expect(ge.r).toBeCloseTo(0.2, 12);
    expect(ge.p / (ge.p + ge.r)).toBeCloseTo(0.02, 12);
  });

  it('formats back to the same spec', () => {
    for (const s of [
      'delay 50ms jitter 5ms distribution normal correlation 25% loss 1% duplicate 0.5% reorder 1% corrupt 0.1% rate 10mbit burst 125k limit 500 seed 42',
      'loss gemodel 1% 30% 100% 0%', 'loss 2% burst 4', 'delay 200us', 'delay 2s jitter 1.5s', 'rate 1500kpps burst 64', 'rate 12345bit', 'rate 100mbit burst 1500b',
    ]) {
      const spec = parseImpairWords(words(s)).spec;
      expect(parseImpairWords(words(formatImpairWords(spec))).spec).toEqual(spec);
    }
    expect(formatImpairWords(parseImpairWords(words('delay 50ms 5ms')).spec)).toBe('delay 50ms jitter 5ms');
  });

  it('rates and sizes in tc\'s units; the default burst is rate × 10 ms, at least one frame', () => {
    expect(parseRate('1gbit').value).toBe(1e9);
    expect(parseRate('10mbps').value).toBe(80e6);
    expect(parseRate('10kpps')).toEqual({ per: 'frame', value: 10000, burst: null });
    expect(parseBurst('125k', 'bit')).toBe(128000);
    expect(parseBurst('1mb', 'bit')).toBe(1 << 20);
    expect(parseBurst('32', 'frame')).toBe(32);
    expect(rateBurst(parseRate('100mbit'), 1518)).toBe(125000);
    expect(rateBurst(parseRate('1mbit'), 1518)).toBe(1518);
    expect(rateBurst(parseRate('10kpps'), 1518)).toBe(100);
    expect(parseTime('1.5s', 'delay')).toBe(1500);
  });

  it('softbr rate words: RATE [burst SIZE] [limit N] | off', () => {
    expect(parseRateWords(['off'])).toBeNull();
    expect(parseRateWords(words('100mbit burst 125k limit 2000'))).toEqual({ rate: { per: 'bit', value: 1e8, burst: 128000 }, limit: 2000 });
    expect(() => parseRateWords(words('100mbit delay 5ms'))).toThrow(/only a rate, a burst and a limit/);
  });

  it('bad words and values are named with what is allowed', () => {
    const bad: [string, RegExp][] = [
      ['delay 50', /invalid delay '50': expected a time such as 50ms.*units us, ms, s/],
      ['delay 50ms jitter 60ms', /jitter 60ms is larger than the delay 50ms/],
      ['jitter 5ms', /jitter needs a delay/],
      ['loss 1', /invalid loss '1': expected a percentage from 0% to 100%/],
      ['loss 120%', /invalid loss '120%'/],
      ['loss gemodel 1% 0%', /bad state would never end/],
      ['reorder 5%', /reorder needs a delay/],
      ['rate 10mb', /invalid rate '10mb': expected a number with a unit.*mbit/],
      ['rate 10mbit burst 5x', /invalid burst '5x'/],
      ['limit 0', /invalid limit '0': expected a whole number from 1 to 65536/],
      ['distribution pareto', /invalid distribution 'pareto': expected uniform or normal/],
      ['delay 5ms delay 6ms', /'delay' is given twice/],
      ['slow 5ms', /unknown word 'slow': expected delay TIME/],
      ['delay', /'delay' needs a time/],
      ['delay 50ms jitter 5ms correlation 100%', /correlation '100%'/],
      ['burst 5', /'burst' belongs after 'rate RATE'/],
    ];
    for (const [s, re] of bad) expect(() => parseImpairWords(words(s)), s).toThrow(re);
  });
});
