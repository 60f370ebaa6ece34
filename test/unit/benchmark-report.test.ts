// `softbr bench` from its arguments to its outputs, without a network: the argument checks (and
// the CLI's exit 2 naming the bad value), the JSON result built from samples (medians, ranges,
// ratios, noisy marks, notes), the Markdown table and the SVG chart.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { checkXml } from '../helpers/xml-check.js';
import { parseBenchOptions, DEFAULT_ROUNDS, DEFAULT_SECONDS } from '../../src/benchmark/options.js';
import { SWITCH_IDS, TEST_IDS, type SwitchId, type TestId } from '../../src/benchmark/catalog.js';
import { addNote, addSample, buildResult, findCell, newCollected, SKIPPED } from '../../src/benchmark/result.js';
import type { Sample } from '../../src/benchmark/measure.js';
import { formatReport, formatValue } from '../../src/benchmark/table.js';
import { renderSvg, escapeXml } from '../../src/benchmark/svg-chart.js';
import { Progress } from '../../src/benchmark/progress.js';
import { UserError } from '../../src/control/protocol.js';
import { main } from '../../src/cli/main.js';

describe('bench arguments', () => {
  it('defaults to every switch and test, 3 rounds of 10 s', () => {
    const o = parseBenchOptions({});
    expect(o).toEqual({ switches: [...SWITCH_IDS], tests: [...TEST_IDS], rounds: DEFAULT_ROUNDS, seconds: DEFAULT_SECONDS, json: false });
    expect([DEFAULT_ROUNDS, DEFAULT_SECONDS]).toEqual([3, 10]);
  });
  it('--json alone is stdout, --json FILE a file beside the table', () => {
    expect(parseBenchOptions({ json: true })).toMatchObject({ json: true });
    expect(parseBenchOptions({ json: true }).jsonFile).toBeUndefined();
    expect(parseBenchOptions({ json: 'r.json' })).toMatchObject({ json: false, jsonFile: 'r.json' });
  });
  it('--profile names the directory of the profiling pass', () => {
    expect(parseBenchOptions({ profile: 'prof' })).toMatchObject({ profile: 'prof' });
    expect(parseBenchOptions({}).profile).toBeUndefined();
  });
  it('keeps the order given, drops repeats', () => {
    const o = parseBenchOptions({ switches: 'vde,softbr-tap,vde', tests: 'ping, small', rounds: '1', seconds: '1.5', json: true, svg: 'out.svg' });
    expect(o).toEqual({ switches: ['vde', 'softbr-tap'], tests: ['ping', 'small'], rounds: 1, seconds: 1.5, json: true, svg: 'out.svg' });
  });
  it.each([
    [{ switches: 'softbr,kernel' }, /unknown switch 'softbr': allowed softbr-tap, softbr-tap-rw, softbr-tap-uring, softbr-tap-busy, softbr-veth, kernel, kernel-nooffload, vde, cforward/],
    [{ tests: 'small,udp' }, /unknown test 'udp': allowed small, large, tcp1, tcp4, ping/],
    [{ switches: '' }, /unknown switch '': allowed/],
    [{ rounds: '0' }, /invalid --rounds '0': allowed an integer from 1 to 100/],
    [{ rounds: '2.5' }, /invalid --rounds '2.5'/],
    [{ seconds: 'ten' }, /invalid --seconds 'ten': allowed a number from 0.5 to 3600/],
    [{ seconds: '0.1' }, /invalid --seconds '0.1'/],
    [{ svg: ' ' }, /invalid --svg/],
    [{ json: '' }, /invalid --json '': allowed a file name/],
    [{ profile: '' }, /invalid --profile '': allowed a file name/],
  ])('rejects %o', (raw, msg) => {
    expect(() => parseBenchOptions(raw)).toThrow(UserError);
    expect(() => parseBenchOptions(raw)).toThrow(msg);
  });

  describe('the CLI', () => {
    afterEach(() => { vi.restoreAllMocks(); });
    const run = async (...args: string[]) => {
      let err = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const code = await main(['node', 'softbr', 'bench', ...args]);
      return { code, err };
    };
    it('exits 2 naming the bad value and what is allowed', async () => {
      const r = await run('--switches', 'softbr-tap,ovs');
      expect(r.code).toBe(2);
      expect(r.err).toContain("unknown switch 'ovs': allowed softbr-tap");
      const r2 = await run('--rounds', 'many');
      expect(r2.code).toBe(2);
      expect(r2.err).toContain("invalid --rounds 'many'");
    });
    it('exits 2 on an unknown option, 0 on --help', async () => {
      expect((await run('--fast')).code).toBe(2);
      expect((await run('--help')).code).toBe(0);
    });
  });
});

const cpu = (sw: number | null, others = 0) => ({ switchPct: sw, softirqPct: 5, othersPct: others });
const frames = (delivered: number, others = 0): Sample => ({
  metrics: { delivered, offered: 1_000_000, tapDrops: 1_000_000 - delivered, rxDrops: 0 }, cpu: cpu(90, others), noisy: others > 10,
});
const pingS = (avg: number): Sample => ({ metrics: { min: avg / 2, avg, p99: avg * 3, max: avg * 5, lost: 0 }, cpu: cpu(10), noisy: false });

function sampleRun() {
  const c = newCollected();
  const add = (s: SwitchId, t: TestId, x: Sample) => addSample(c, s, t, x);
  for (const v of [300_000, 310_000, 290_000]) add('softbr-tap', 'small', frames(v));
  for (const v of [150_000, 160_000, 155_000]) add('cforward', 'small', frames(v));
  add('vde', 'small', frames(100_000)); add('vde', 'small', frames(120_000, 50)); add('vde', 'small', frames(110_000));
  for (const v of [0.2, 0.1, 0.3]) add('softbr-tap', 'ping', pingS(v));
  for (const v of [0.4, 0.4, 0.4]) add('vde', 'ping', pingS(v));
  for (const v of [0.1, 0.1, 0.1]) add('cforward', 'ping', pingS(v));
  for (const v of [400_000, 410_000, 420_000]) add('kernel', 'small', { ...frames(v), cpu: cpu(null) });
  addNote(c, 'cforward', 'ping', 'round 2 failed: boom');
  addNote(c, 'kernel', 'ping', `${SKIPPED}needs ping (Debian iputils-ping)`);
  c.skippedSwitches.set('softbr-veth', 'needs nothing, test only');
  const options = parseBenchOptions({ switches: 'softbr-tap,softbr-veth,kernel,vde,cforward', tests: 'small,ping', rounds: '3', seconds: '2' });
  const machine = { cpuModel: 'Test CPU <model> & co', cores: 2, kernel: '6.1.0', node: 'v20.0.0', loadBefore: [0.1, 0.2, 0.3] as [number, number, number] };
  return buildResult({ version: '9.9.9', startedAt: new Date('2026-01-01T00:00:00Z'), durationSeconds: 12, prefix: 'bn000001', machine, options }, c);
}

describe('bench result (the --json object)', () => {
  const r = sampleRun();
  it('describes the machine and the run', () => {
    expect(r.tool).toBe('softbr bench');
    expect(r.machine).toMatchObject({ cpuModel: 'Test CPU <model> & co', cores: 2, kernel: '6.1.0', node: 'v20.0.0' });
    expect(r.options).toEqual({ switches: ['softbr-tap', 'softbr-veth', 'kernel', 'vde', 'cforward'], tests: ['small', 'ping'], rounds: 3, seconds: 2 });
    expect(r.switches.find((s) => s.id === 'softbr-veth')?.skipped).toBe('needs nothing, test only');
    expect(r.tests.map((t) => t.primary)).toEqual(['delivered', 'avg']);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // plain data, survives JSON
  });
  it('summarizes each metric over the rounds', () => {
    const c = findCell(r, 'softbr-tap', 'small')!;
    expect(c.rounds).toBe(3);
    expect(c.metrics.delivered).toEqual({ median: 300_000, min: 290_000, max: 310_000, samples: [300_000, 310_000, 290_000] });
    expect(c.cpu?.switch?.median).toBe(90);
    expect(findCell(r, 'kernel', 'small')!.cpu?.switch).toBeNull();
  });
  it('ratios of medians to the C forwarder and to vde_switch', () => {
    expect(findCell(r, 'softbr-tap', 'small')!.ratios.cforward).toBeCloseTo(300 / 155, 10);
    expect(findCell(r, 'softbr-tap', 'small')!.ratios.vde).toBeCloseTo(300 / 110, 10);
    expect(findCell(r, 'softbr-tap', 'ping')!.ratios.vde).toBeCloseTo(0.2 / 0.4, 10);
    expect(findCell(r, 'vde', 'small')!.ratios.vde).toBe(1);
  });
  it('a cell with one noisy round is noisy, and so is the run', () => {
    expect(findCell(r, 'vde', 'small')!.noisy).toBe(true);
    expect(findCell(r, 'softbr-tap', 'small')!.noisy).toBe(false);
    expect(r.noisy).toBe(true);
  });
  it('keeps notes, also of cells that never ran', () => {
    expect(findCell(r, 'cforward', 'ping')!.notes).toEqual(['round 2 failed: boom']);
    const k = findCell(r, 'kernel', 'ping')!;
    expect(k.rounds).toBe(0);
    expect(k.cpu).toBeNull();
    expect(k.ratios).toEqual({});
  });
});

describe('bench table', () => {
  const r = sampleRun();
  const text = formatReport(r);
  const rows = text.split('\n').filter((l) => l.startsWith('| '));
  it('formats rates, Gbit/s and ms readably', () => {
    expect(formatValue(1_234_567, 'frames/s')).toBe('1.23M');
    expect(formatValue(302_123, 'frames/s')).toBe('302k');
    expect(formatValue(5_432, 'frames/s')).toBe('5.4k');
    expect(formatValue(2.334, 'Gbit/s')).toBe('2.33');
    expect(formatValue(0.2144, 'ms')).toBe('0.214');
    expect(formatValue(NaN, 'ms')).toBe('–');
  });
  it('one Markdown row per measured switch with median (min–max), p99 for ping, * for noisy', () => {
    expect(rows[0]).toBe('| switch (2 ports) | 60 B frames delivered/s | ping avg ms |');
    expect(rows[1]).toBe('| --- | --- | --- |');
    expect(rows[2]).toBe('| softbr, TAP ports | 300k (290k–310k) | 0.200 (0.100–0.300) p99 0.600 |');
    expect(text).not.toMatch(/^\| softbr, veth/m); // skipped switch has no row
    expect(rows.find((l) => l.startsWith('| vde_switch'))).toContain('110k (100k–120k)*');
    expect(rows.find((l) => l.startsWith('| kernel bridge'))).toMatch(/\| skipped \|$/);
    expect(text).toContain('* = noisy');
  });
  it('CPU, ratios and notes follow', () => {
    expect(text).toContain('| kernel bridge, veth, offloads on | n/a (softirq 5) |');
    expect(text).toMatch(/\| softbr, TAP ports \| 1\.94× \| 2\.73× \| 2\.00× \| 0\.50× \|/);
    expect(text).toContain('- softbr-veth: skipped, needs nothing, test only'.replace('softbr-veth', 'softbr, veth ports (AF_PACKET)'));
    expect(text).toContain('- cforward ping: round 2 failed: boom');
    expect(text).toContain("- softbr-tap small: sender's queue dropped 700k frames/s");
  });
});

describe('bench SVG chart', () => {
  const r = sampleRun();
  const svg = renderSvg(r);
  it('is well-formed XML with the SVG namespace and escaped text', () => {
    expect(checkXml(svg)).toBe('svg');
    expect(() => checkXml(svg.replace('</svg>', ''))).toThrow(/unclosed <svg>/);
    expect(() => checkXml('<svg><text>a & b</text></svg>')).toThrow(/bad text/);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('Test CPU &lt;model&gt; &amp; co');
    expect(escapeXml(`a<"b'>&`)).toBe('a&lt;&quot;b&apos;&gt;&amp;');
  });
  it('one bar per measured switch and test, longest for the largest median', () => {
    const bars = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="16"/g)].map((m) => Number(m[1]));
    // small: softbr-tap, kernel, vde, cforward; ping: softbr-tap, vde, cforward (kernel ping never ran)
    expect(bars.length).toBe(7);
    expect(Math.max(...bars.slice(0, 4))).toBeLessThanOrEqual(420);
    expect(bars[1]).toBeGreaterThan(bars[0]!); // kernel 410k > softbr 300k
    expect(svg).toContain('not measured');
  });
});

describe('bench progress', () => {
  it('plain lines when stderr is not a terminal', () => {
    let s = '';
    const p = new Progress(2, { isTTY: false, write: (x: string) => { s += x; } });
    p.step('a'); p.note('hello'); p.step('b'); p.finish();
    expect(s).toBe('softbr bench: [1/2] a\nsoftbr bench: hello\nsoftbr bench: [2/2] b\n');
  });
  it('a redrawn bar on a terminal, cleared at the end', () => {
    let s = '';
    const p = new Progress(4, { isTTY: true, columns: 80, write: (x: string) => { s += x; } });
    p.step('one'); p.step('two'); p.step('three');
    expect(s).toContain('\r\x1b[K[############............] 3/4 three');
    p.finish();
    expect(s.endsWith('\r\x1b[K')).toBe(true);
    expect(s).not.toContain('\n');
  });
  it('a terminal that reports no width still gets the whole line', () => {
    let s = '';
    new Progress(1, { isTTY: true, columns: 0, write: (x: string) => { s += x; } }).step('abc');
    expect(s).toMatch(/ 1\/1 abc$/);
  });
});
