// The man page and the bash completion are generated from the CLI's commander definition: the
// files shipped in man/ and completion/ are what the code renders now (`npm run docs` rewrites
// them), the page renders with groff/man without warnings and names every verb, and the
// completion, run in a real bash with COMP_WORDS/COMP_CWORD, completes verbs, sub-verbs, options
// and file names after an option that takes one.
import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram, packageVersion } from '../../src/cli/main.js';
import { renderManPage, roff } from '../../src/cli/manpage.js';
import { renderBashCompletion } from '../../src/cli/completion.js';
import { verbs } from '../../src/cli/command-tree.js';
import { REPO } from '../helpers/softbr.js';

const MAN = join(REPO, 'man/softbr.8');
const COMPLETION = join(REPO, 'completion/softbr.bash');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

describe('man page softbr(8)', () => {
  it('is what the CLI definition renders (run `npm run docs` after changing a verb)', () => {
    expect(readFileSync(MAN, 'utf8')).toBe(renderManPage(buildProgram(), packageVersion()));
  });

  it('is installed with the package (package.json "man", and "files" ships man/)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { man: string[]; files: string[] };
    expect(pkg.man).toEqual(['man/softbr.8']);
    expect(pkg.files).toContain('man/');
    expect(pkg.files).toContain('completion/');
  });

  it('escapes roff: dashes, backslashes, leading dots, non-ASCII', () => {
    expect(roff('a-b')).toBe('a\\-b');
    expect(roff('.x\n\'y')).toBe('\\&.x\n\\&\'y');
    expect(roff('1–2 →')).toBe('1\\[u2013]2 \\[u2192]');
    expect(roff('c:\\d')).toBe('c:\\ed');
  });

  it.skipIf(!has('groff'))('renders with groff without warnings and lists every verb and option', () => {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', MAN], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const text = execFileSync('groff', ['-man', '-Tascii', '-P', '-cbou', MAN], { encoding: 'utf8' });
    for (const v of verbs(buildProgram())) {
      if (v.cmd.commands.length) continue;
      expect(text, v.path.join(' ')).toContain(`softbr ${v.path.join(' ')}`);
    }
    for (const o of ['--take-address', '--control-group', '--config', 'stream:[NAME=]/PATH']) expect(text).toContain(o);
  });

  it.skipIf(!has('man'))('man -l shows it', () => {
    const text = execFileSync('man', ['-l', '-P', 'cat', MAN], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100' } });
    expect(text).toMatch(/^SOFTBR\(8\)/m);
    expect(text).toContain('config save');
  });
});

describe('bash completion', () => {
  it('is what the CLI definition renders (run `npm run docs` after changing a verb)', () => {
    expect(readFileSync(COMPLETION, 'utf8')).toBe(renderBashCompletion(buildProgram()));
  });

  /** COMPREPLY for the words typed so far (the last one being completed), run in bash in dir. */
  function complete(words: string[], dir: string): string[] {
    if (words[0] === 'softbr') words = [join(dir, 'bin/softbr'), ...words.slice(1)];
    const script = `source ${JSON.stringify(COMPLETION)}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})\nCOMP_CWORD=${words.length - 1}\n_softbr\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['--norc', '-c', script], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  it.skipIf(!has('bash'))('completes verbs, sub-verbs, options and file names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'softbr-compl-'));
    try {
      writeFileSync(join(dir, 'softbr.yaml'), '');
      writeFileSync(join(dir, 'other.txt'), '');
      // stands in for the CLI asking a daemon for its bridges: prints \`softbr show\`'s table (and
      // says which socket it was asked on)
      mkdirSync(join(dir, 'bin'));
      writeFileSync(join(dir, 'bin/softbr'), `#!/bin/sh\n[ "$1" = --control ] && printf 'bridge name\\tbridge id\\t\\tSTP enabled\\tinterfaces\\nother0\\t\\t8000.020000000001\\tno\\t\\t\\n' && exit 0\nprintf 'bridge name\\tbridge id\\t\\tSTP enabled\\tinterfaces\\nbr0\\t\\t8000.020000000001\\tno\\t\\ttap1\\n\\t\\t\\t\\t\\t\\t\\ttap2\\nbr1\\t\\t8000.020000000002\\tno\\t\\t\\n'\n`, { mode: 0o755 });
      expect(complete(['softbr', 'ad'], dir)).toEqual(['addbr', 'addif']);
      expect(complete(['softbr', 'set'], dir)).toEqual(['setageing', 'setbridgeprio', 'setfd', 'sethello', 'setmaxage', 'setpathcost', 'setportedge', 'setportflag', 'setportmcheck', 'setportprio']);
      expect(complete(['softbr', 'fdb', ''], dir)).toEqual(['add', 'append', 'del', 'flush', 'show']);
      expect(complete(['softbr', 'config', 's'], dir)).toEqual(['save', 'show']);
      expect(complete(['softbr', 'fdb', 'show', '--'], dir)).toEqual(['--br', '--control', '--help', '--json', '--lab', '--pretty', '--statistics']);
      expect(complete(['softbr', 'addif', 'br0', 'eth0', '--t'], dir)).toEqual(['--take-address']);
      expect(complete(['softbr', 'daemon', '--control-g'], dir)).toEqual(['--control-group']);
      // after an option that takes a value: file names
      expect(complete(['softbr', 'daemon', '-c', 'sof'], dir)).toEqual(['softbr.yaml']);
      expect(complete(['softbr', '--control', '/x', 'showm'], dir)).toEqual(['showmacs']);
      // a verb's arguments are not verbs: `softbr show ad…` completes nothing here
      expect(complete(['softbr', 'show', 'ad'], dir)).toEqual([]);
      // <bridge> arguments: the daemon's bridges (not its ports), from the socket named on the line
      expect(complete(['softbr', 'addif', ''], dir)).toEqual(['br0', 'br1']);
      expect(complete(['softbr', 'fdb', 'flush', 'br'], dir)).toEqual(['br0', 'br1']);
      expect(complete(['softbr', '--control', '/x.sock', 'showmacs', ''], dir)).toEqual(['other0']);
      expect(complete(['softbr', 'addif', 'br0', 'other'], dir)).toEqual(['other.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
