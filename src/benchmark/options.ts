// `softbr bench` arguments: the raw strings commander hands over, checked and turned into
// BenchOptions. A bad value throws UserError naming the value and what is allowed (the CLI exits 2).
import { UserError } from '../control/protocol.js';
import { SWITCH_IDS, TEST_IDS, type SwitchId, type TestId } from './catalog.js';

export interface BenchOptions {
  switches: SwitchId[];
  tests: TestId[];
  rounds: number;
  seconds: number;
  /** the JSON on stdout instead of the table */
  json: boolean;
  /** the JSON written to this file, the table on stdout */
  jsonFile?: string;
  svg?: string;
  /** after the rounds, one pass of each frame test under perf, its reports in this directory */
  profile?: string;
}

export interface RawBenchOptions {
  switches?: string;
  tests?: string;
  rounds?: string;
  seconds?: string;
  /** --json alone (true) or --json FILE */
  json?: boolean | string;
  svg?: string;
  profile?: string;
}

export const DEFAULT_ROUNDS = 3;
export const DEFAULT_SECONDS = 10;
export const MAX_ROUNDS = 100;
export const MAX_SECONDS = 3600;

function list<T extends string>(raw: string | undefined, allowed: readonly T[], what: string): T[] {
  if (raw === undefined) return [...allowed];
  const items = raw.split(',').map((s) => s.trim());
  const out: T[] = [];
  for (const it of items) {
    if (!(allowed as readonly string[]).includes(it)) {
      throw new UserError(`unknown ${what} '${it}': allowed ${allowed.join(', ')}`);
    }
    if (!out.includes(it as T)) out.push(it as T);
  }
  return out;
}

function number(raw: string | undefined, def: number, what: string, min: number, max: number, integer: boolean): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UserError(`invalid ${what} '${raw}': allowed ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

function fileName(raw: string | undefined, what: string): string | undefined {
  if (raw !== undefined && raw.trim() === '') throw new UserError(`invalid ${what} '${raw}': allowed a file name`);
  return raw;
}

export function parseBenchOptions(raw: RawBenchOptions): BenchOptions {
  const svg = fileName(raw.svg, '--svg');
  const profile = fileName(raw.profile, '--profile');
  const jsonFile = fileName(typeof raw.json === 'string' ? raw.json : undefined, '--json');
  return {
    switches: list(raw.switches, SWITCH_IDS, 'switch'),
    tests: list(raw.tests, TEST_IDS, 'test'),
    rounds: number(raw.rounds, DEFAULT_ROUNDS, '--rounds', 1, MAX_ROUNDS, true),
    seconds: number(raw.seconds, DEFAULT_SECONDS, '--seconds', 0.5, MAX_SECONDS, false),
    json: raw.json === true,
    ...(jsonFile === undefined ? {} : { jsonFile }),
    ...(svg === undefined ? {} : { svg }),
    ...(profile === undefined ? {} : { profile }),
  };
}
