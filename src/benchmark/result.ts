// The result of a run as one JSON-ready object: the machine, the options, per switch × test the
// median/min/max of every metric over the rounds, notes for what was skipped or failed, and the
// ratios of each switch's primary metric to the reference switches'. Pure: built from samples.
import { REFERENCES, SWITCHES, TESTS, type SwitchId, type TestId } from './catalog.js';
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';
import type { Sample } from './measure.js';
import { summarize, type Summary } from './stats.js';

export interface Cell {
  switch: SwitchId;
  test: TestId;
  /** metric name → summary over the rounds that succeeded */
  metrics: Record<string, Summary>;
  /** % of one core: the switch's processes (absent for the kernel bridge), softirq, others */
  cpu: { switch: Summary | null; softirq: Summary; others: Summary } | null;
  rounds: number;
  noisy: boolean;
  /** why rounds are missing (tool missing, start failed, test failed) */
  notes: string[];
  /** primary metric / the reference switch's, when both were measured */
  ratios: Partial<Record<(typeof REFERENCES)[number], number>>;
}

export interface BenchResult {
  tool: 'softbr bench';
  version: string;
  startedAt: string;
  durationSeconds: number;
  prefix: string;
  machine: MachineInfo;
  options: Pick<BenchOptions, 'switches' | 'tests' | 'rounds' | 'seconds'>;
  noisy: boolean;
  switches: { id: SwitchId; label: string; skipped?: string }[];
  tests: { id: TestId; label: string; primary: string; unit: string; lowerIsBetter: boolean }[];
  cells: Cell[];
}

/** What the runner collected: samples and notes per switch × test. */
export interface Collected {
  samples: Map<string, Sample[]>;
  notes: Map<string, string[]>;
  skippedSwitches: Map<SwitchId, string>;
}

/** How a note for a test that could not run here begins. */
export const SKIPPED = 'skipped, ';

export const cellKey = (s: SwitchId, t: TestId) => `${s}/${t}`;

export function newCollected(): Collected {
  return { samples: new Map(), notes: new Map(), skippedSwitches: new Map() };
}

export function addSample(c: Collected, s: SwitchId, t: TestId, x: Sample): void {
  const k = cellKey(s, t);
  const l = c.samples.get(k);
  if (l) l.push(x); else c.samples.set(k, [x]);
}

export function addNote(c: Collected, s: SwitchId, t: TestId, note: string): void {
  const k = cellKey(s, t);
  const l = c.notes.get(k) ?? [];
  if (!l.includes(note)) l.push(note);
  c.notes.set(k, l);
}

function summarizeSamples(samples: readonly Sample[]): Pick<Cell, 'metrics' | 'cpu'> | undefined {
  if (samples.length === 0) return undefined;
  const metrics: Record<string, Summary> = {};
  for (const name of Object.keys(samples[0]!.metrics)) metrics[name] = summarize(samples.map((x) => x.metrics[name] ?? NaN));
  const sw = samples.map((x) => x.cpu.switchPct);
  return {
    metrics,
    cpu: {
      switch: sw.every((v): v is number => v !== null) ? summarize(sw) : null,
      softirq: summarize(samples.map((x) => x.cpu.softirqPct)),
      others: summarize(samples.map((x) => x.cpu.othersPct)),
    },
  };
}

export interface ResultHeader {
  version: string; startedAt: Date; durationSeconds: number; prefix: string; machine: MachineInfo; options: BenchOptions;
}

export function buildResult(h: ResultHeader, c: Collected): BenchResult {
  const { switches, tests } = h.options;
  const cells: Cell[] = [];
  for (const s of switches) {
    for (const t of tests) {
      const samples = c.samples.get(cellKey(s, t)) ?? [];
      const sum = summarizeSamples(samples);
      if (!sum) continue;
      cells.push({ switch: s, test: t, ...sum, rounds: samples.length, noisy: samples.some((x) => x.noisy), notes: c.notes.get(cellKey(s, t)) ?? [], ratios: {} });
    }
  }
  // cells with no successful round still carry their notes
  for (const s of switches) {
    for (const t of tests) {
      const notes = c.notes.get(cellKey(s, t));
      if (notes && !cells.some((x) => x.switch === s && x.test === t)) {
        cells.push({ switch: s, test: t, metrics: {}, cpu: null, rounds: 0, noisy: false, notes, ratios: {} });
      }
    }
  }
  for (const cell of cells) {
    const p = TESTS[cell.test].primary;
    const mine = cell.metrics[p]?.median;
    for (const ref of REFERENCES) {
      const theirs = cells.find((x) => x.switch === ref && x.test === cell.test)?.metrics[p]?.median;
      if (mine !== undefined && theirs !== undefined && theirs > 0) cell.ratios[ref] = mine / theirs;
    }
  }
  return {
    tool: 'softbr bench',
    version: h.version,
    startedAt: h.startedAt.toISOString(),
    durationSeconds: h.durationSeconds,
    prefix: h.prefix,
    machine: h.machine,
    options: { switches, tests, rounds: h.options.rounds, seconds: h.options.seconds },
    noisy: cells.some((x) => x.noisy),
    switches: switches.map((id) => ({ id, label: SWITCHES[id].label, ...(c.skippedSwitches.has(id) ? { skipped: c.skippedSwitches.get(id)! } : {}) })),
    tests: tests.map((id) => ({ ...TESTS[id] })),
    cells,
  };
}

export function findCell(r: BenchResult, s: SwitchId, t: TestId): Cell | undefined {
  return r.cells.find((x) => x.switch === s && x.test === t);
}
