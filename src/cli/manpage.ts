// The softbr(8) man page, rendered as roff from the CLI's commander tree (the same definition
// `--help` prints) plus the port-kind registry; `npm run docs` writes it to man/softbr.8 and a
// unit test fails while the file differs from what this renders.
import type { Command, Option } from 'commander';
import { portKinds } from '../control/port-kinds/index.js';
import { DEFAULT_CONTROL_PATH } from '../control/protocol.js';
import { verbs, visibleOptions, argumentWords, type Verb } from './command-tree.js';

/** Escapes text for roff: backslashes, dashes, a leading dot or quote, and any non-ASCII character. */
export function roff(s: string): string {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x00-\x7f]/gu, (ch) => `\\[u${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`)
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

function optionItem(o: Option): string[] {
  const def = o.defaultValue !== undefined && !o.negate && typeof o.defaultValue !== 'boolean'
    ? ` (default: ${String(o.defaultValue)})` : '';
  const flags = o.flags.split(/([<[][^>\]]+[>\]])/).map((part) => (/^[<[]/.test(part) ? `\\fI${roff(part)}\\fR` : `\\fB${roff(part)}\\fR`)).join('');
  return ['.TP', flags, roff(o.description + def)];
}

function verbSection(v: Verb): string[] {
  const lines = ['.TP', `\\fBsoftbr ${roff(v.path.join(' '))}\\fR${argumentWords(v.cmd).map((a) => ` \\fI${roff(a)}\\fR`).join('')}`];
  lines.push(roff(v.cmd.description()));
  const opts = visibleOptions(v.cmd).filter((o) => o.long !== '--help');
  if (opts.length) lines.push('.RS', ...opts.flatMap(optionItem), '.RE');
  return lines;
}

export function renderManPage(program: Command, version: string): string {
  const [first, ...rest] = program.description().split('\n');
  const all = verbs(program).filter((v) => v.cmd.commands.length === 0 || v.cmd.registeredArguments.length > 0);
  const lines = [
    `.\\" softbr(8): generated from the CLI definition (src/cli) by \`npm run docs\`; edit it there.`,
    `.TH SOFTBR 8 "" "softbr ${roff(version)}" "System Administration"`,
    '.SH NAME',
    `softbr \\- ${roff(first!.replace(/^A /, 'a ').replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    '\\fBsoftbr\\fR [\\fB\\-\\-control\\fR \\fIpath\\fR] \\fIverb\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.br',
    '\\fBsoftbr daemon\\fR [\\fB\\-c\\fR \\fIfile\\fR]',
    '.SH DESCRIPTION',
    roff([first, ...rest].join('\n')),
    '.PP',
    'The daemon holds the bridges; every other verb is a client of its control socket. Verbs and tables follow',
    '.BR brctl (8)',
    'and',
    '.BR bridge (8).',
    '.SH GLOBAL OPTIONS',
    ...visibleOptions(program).flatMap(optionItem),
    '.SH COMMANDS',
    ...all.flatMap(verbSection),
    '.SH PORTS',
    'A \\fIport\\fR of \\fBaddif\\fR or of the config file is one of:',
    ...portKinds().flatMap((k) => k.forms).flatMap((f) => ['.TP', `\\fB${roff(f.syntax)}\\fR`, roff(f.help)]),
    '.SH FILES',
    '.TP',
    `\\fI${roff(DEFAULT_CONTROL_PATH)}\\fR`,
    'The daemon\'s control socket (mode 0600, or 0660 with the group of \\fB\\-\\-control\\-group\\fR).',
    '.TP',
    '\\fI/etc/softbr/softbr.yaml\\fR',
    'The config the systemd unit starts the daemon with; \\fBsoftbr config save\\fR writes the running state back to it.',
    '.SH ENVIRONMENT',
    '.TP',
    '\\fBSOFTBR_CONTROL\\fR',
    'Control socket path, as \\fB\\-\\-control\\fR.',
    '.TP',
    '\\fBNOTIFY_SOCKET\\fR',
    'Set by systemd for \\fBType=notify\\fR units: the daemon reports READY=1 once every configured bridge and port is up.',
    '.SH SIGNALS',
    'The daemon reloads its config on SIGHUP (applying the difference) and on SIGTERM or SIGINT closes every port, deletes the TAPs it created and exits 0.',
    '.SH EXIT STATUS',
    '0 on success, 2 on bad input (a usage error or a refusal by the daemon), 1 on anything else (no daemon, an internal error).',
    '.SH SEE ALSO',
    '.BR brctl (8),',
    '.BR bridge (8),',
    '.BR ip (8),',
    '.BR systemd.service (5)',
    '',
  ];
  return lines.join('\n');
}
