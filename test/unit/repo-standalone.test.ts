// The repository stands alone: no tracked file may read or name anything beside the clone (the
// team's reference folder one level up) or a path of one particular machine (a home or work
// folder). A user clones the project with nothing next to it, so such a path is a latent failure.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Spelled in pieces so that this file does not match itself.
const FORBIDDEN: { what: string; re: RegExp }[] = [
  { what: 'the folder beside the clone', re: new RegExp(['\\.\\.', 'shared'].join('/')) },
  { what: 'a machine work folder', re: new RegExp(`(^|[\\s'"\`(=:])/${'wo'}rk/`) },
  { what: 'a home folder', re: new RegExp(`(^|[\\s'"\`(=:])/(${'ho'}me|${'Us'}ers)/[A-Za-z0-9_.-]+`) },
  { what: "root's home folder", re: new RegExp(`(^|[\\s'"\`(=:])/${'ro'}ot/`) },
];

/** Offending lines of one text, as `file:line: what`. */
export function findOutsidePaths(file: string, text: string): string[] {
  const hits: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const f of FORBIDDEN) if (f.re.test(line)) hits.push(`${file}:${i + 1}: names ${f.what}: ${line.trim().slice(0, 120)}`);
  });
  return hits;
}

describe('repository stands alone', () => {
  it('the checks catch each kind of outside path', () => {
    const samples = ['see ' + '../' + 'shared/DESIGN.md', "const d = '/" + "work/main/x'", 'cd /' + 'home/alice/src', 'ls /' + 'root/.cache'];
    for (const s of samples) expect(findOutsidePaths('x', s)).toHaveLength(1);
    // ordinary paths are fine
    for (const s of ['/run/softbr/control.sock', 'src/native/addon.cc', '/usr/bin/chromium', 'http://localhost/work/x']) {
      expect(findOutsidePaths('x', s)).toEqual([]);
    }
  });

  it('no tracked file names a path outside the repository', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot }).toString().split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    const hits: string[] = [];
    for (const f of files) {
      let buf: Buffer;
      try { buf = readFileSync(path.join(repoRoot, f)); } catch { continue; } // deleted in the work tree
      if (buf.includes(0)) continue; // binary
      hits.push(...findOutsidePaths(f, buf.toString('utf8')));
    }
    expect(hits).toEqual([]);
  });
});
