// Bash completion for softbr, rendered from the CLI's commander tree (the definition `--help`
// prints): verbs and sub-verbs, each verb's options, file names after options that take a
// value, and the running daemon's bridge names where a verb takes a <bridge> (asked with
// `softbr show`, so nothing is offered when no daemon answers). `npm run docs` writes it to completion/softbr.bash; a unit test keeps the file in sync.
import type { Command } from 'commander';
import { verbs, visibleOptions, takesValue, optionWords } from './command-tree.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function renderBashCompletion(program: Command): string {
  const nodes: { key: string; cmd: Command }[] = [{ key: 'softbr', cmd: program }, ...verbs(program).map((v) => ({ key: ['softbr', ...v.path].join(' '), cmd: v.cmd }))];
  // the program's own options (--control) work after any verb; --help and --version are each verb's own
  const globals = visibleOptions(program).filter((o) => o.long !== '--help' && o.long !== '--version');
  const options = (c: Command) => [...new Set([...visibleOptions(c), ...(c === program ? [] : globals)])];
  const table = (name: string, value: (c: Command) => string[]) =>
    [`  declare -A ${name}=(`, ...nodes.map((n) => `    [${q(n.key)}]=${q(value(n.cmd).join(' '))}`), '  )'];
  return [
    '# bash completion for softbr: generated from its command-line definition (src/cli) by',
    '# `npm run docs`; edit it there. Install as /usr/share/bash-completion/completions/softbr.',
    '_softbr() {',
    ...table('subs', (c) => c.commands.map((s) => s.name())),
    ...table('opts', (c) => options(c).flatMap(optionWords)),
    ...table('valued', (c) => options(c).filter(takesValue).flatMap(optionWords)),
    ...table('argv', (c) => c.registeredArguments.map((a) => a.name())),
    '  local cur=${COMP_WORDS[COMP_CWORD]} path=softbr w i skip=0 args=0 ctl=()',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w=${COMP_WORDS[i]}',
    '    if ((skip)); then skip=0; [[ ${COMP_WORDS[i - 1]} == --control ]] && ctl=(--control "$w"); continue; fi',
    '    if [[ $w == -* ]]; then',
    '      # a value option (of this verb or a global one) eats the next word',
    '      [[ " ${valued[$path]} " == *" $w "* ]] && skip=1',
    '      continue',
    '    fi',
    '    if ((args == 0)) && [[ " ${subs[$path]} " == *" $w "* ]]; then path="$path $w"; else args=$((args + 1)); fi',
    '  done',
    '  if ((skip)); then',
    '    mapfile -t COMPREPLY < <(compgen -f -- "$cur")',
    '  elif [[ $cur == -* ]]; then',
    '    mapfile -t COMPREPLY < <(compgen -W "${opts[$path]}" -- "$cur")',
    '  elif ((args == 0)) && [[ -n ${subs[$path]} ]]; then',
    '    mapfile -t COMPREPLY < <(compgen -W "${subs[$path]}" -- "$cur")',
    '  elif local names=(${argv[$path]}); [[ ${names[args]:-} == bridge ]]; then',
    '    # first column of `softbr show`, without its header and continuation lines',
    '    mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" "${ctl[@]}" show 2>/dev/null | awk -F \'\\t\' \'NR > 1 && $1 != "" { print $1 }\')" -- "$cur")',
    '  else',
    '    mapfile -t COMPREPLY < <(compgen -f -- "$cur")',
    '  fi',
    '}',
    'complete -F _softbr softbr',
    '',
  ].join('\n');
}
