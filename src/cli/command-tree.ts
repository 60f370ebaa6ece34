// The CLI's commander tree, walked for the documents generated from it (the man page and the
// bash completion), so that `--help`, `man softbr` and Tab all describe one definition.
import type { Command, Option } from 'commander';

export interface Verb {
  /** Words after `softbr`: ['addif'], ['fdb', 'show']. */
  path: string[];
  cmd: Command;
}

/** Every command below program, depth first in definition order (groups like `fdb` included). */
export function verbs(program: Command): Verb[] {
  const outList: Verb[] = [];
  const walk = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      const p = [...path, sub.name()];
      outList.push({ path: p, cmd: sub });
      walk(sub, p);
    }
  };
  walk(program, []);
  return outList;
}

/** The options a user can type (commander's own -h/--help included, hidden ones not). */
export function visibleOptions(cmd: Command): Option[] {
  return cmd.createHelp().visibleOptions(cmd);
}

/** Whether an option consumes the next word as its value. */
export function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

/** The option's spellings: ['-c', '--config']. */
export function optionWords(o: Option): string[] {
  return [o.short, o.long].filter((w): w is string => w !== undefined);
}

/** `<bridge> <port...>` as commander prints it in usage lines. */
export function argumentWords(cmd: Command): string[] {
  return cmd.registeredArguments.map((a) => {
    const n = a.name() + (a.variadic ? '...' : '');
    return a.required ? `<${n}>` : `[${n}]`;
  });
}
