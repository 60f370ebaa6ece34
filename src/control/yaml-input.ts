// Reading a YAML file against a zod schema, with errors that name file:line, the key and what is
// allowed: the one place that maps a YAML syntax error or a schema issue back to a line. The
// daemon's config and the lab files both read their YAML through it.
import { parseDocument, LineCounter, isNode, isMap, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { readFileSync } from 'node:fs';
import { UserError } from '../user-error.js';

export interface YamlInput<T> {
  data: T;
  /** The line of the node at path (or of its deepest existing ancestor), for later checks. */
  lineOf(path: readonly (string | number)[]): number;
  /** A UserError `file:line: key: message` for a check the schema cannot express. */
  error(path: readonly (string | number)[], message: string): UserError;
}

function describe(issue: z.core.$ZodIssue): string {
  const anyIssue = issue as { code: string; keys?: string[]; values?: unknown[]; expected?: string; issues?: { message: string }[] };
  if (anyIssue.code === 'invalid_key' && anyIssue.issues?.[0]) return anyIssue.issues[0].message;
  if (anyIssue.code === 'unrecognized_keys' && anyIssue.keys) return `unknown key${anyIssue.keys.length > 1 ? 's' : ''} ${anyIssue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (anyIssue.code === 'invalid_value' && anyIssue.values) return `must be one of ${anyIssue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (anyIssue.code === 'invalid_union') return 'not a valid value here';
  return issue.message;
}

function deepestLine(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

/** Parses and validates YAML text; throws a UserError naming file:line, the key and what is allowed. */
export function parseYamlAs<S extends z.ZodType>(schema: S, text: string, file: string): YamlInput<z.output<S>> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    throw new UserError(`${file}:${line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  const lineOf = (path: readonly (string | number)[]) => deepestLine(doc, lc, path);
  const error = (path: readonly (string | number)[], message: string) =>
    new UserError(`${file}:${lineOf(path)}: ${path.length ? path.join('.') : '(top level)'}: ${message}`);
  const res = schema.safeParse(doc.toJS() ?? {});
  if (!res.success) {
    const issue = res.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    // the line of the offending key itself for key errors, else of the deepest node that exists
    let line: number | undefined;
    const code = (issue as { code: string }).code;
    const keyName = code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys?.[0] : code === 'invalid_key' ? path[path.length - 1] : undefined;
    if (keyName !== undefined) {
      const parent = code === 'invalid_key' ? doc.getIn(path.slice(0, -1), true) : path.length ? doc.getIn(path, true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(keyName));
        if (pair && isNode(pair.key) && pair.key.range) line = lc.linePos(pair.key.range[0]).line;
      }
    }
    const key = path.length ? path.join('.') : '(top level)';
    throw new UserError(`${file}:${line ?? lineOf(path)}: ${key}: ${describe(issue)}`);
  }
  return { data: res.data, lineOf, error };
}

/** Reads a file for parseYamlAs; a file that cannot be read is the user's to fix. */
export function readYamlFile<S extends z.ZodType>(schema: S, file: string, what: string): YamlInput<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  return parseYamlAs(schema, text, file);
}
