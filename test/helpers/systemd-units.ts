// Runs `systemd-analyze verify` on the shipped units (examples/systemd) in a scratch folder:
// softbr.service, an instance of softbr@.service, and softbr.service with the unprivileged.conf
// drop-in appended (verify does not read drop-in folders beside a unit file). ExecStart is pointed
// at the softbr under test and MANPATH at its man page, because verify checks both exist.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './softbr.js';

export const UNITS = join(REPO, 'examples/systemd');
export const INSTALLED_SOFTBR = '/usr/local/bin/softbr';

export function verifyUnits(softbr: string, manpath: string): { code: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'softbr-units-'));
  try {
    const unit = (f: string) => readFileSync(join(UNITS, f), 'utf8').split(INSTALLED_SOFTBR).join(softbr);
    writeFileSync(join(dir, 'softbr.service'), unit('softbr.service'));
    writeFileSync(join(dir, 'softbr@.service'), unit('softbr@.service'));
    symlinkSync('softbr@.service', join(dir, 'softbr@lab.service'));
    writeFileSync(join(dir, 'softbr-unprivileged.service'), unit('softbr.service') + readFileSync(join(UNITS, 'unprivileged.conf'), 'utf8'));
    const r = spawnSync('systemd-analyze', ['verify', './softbr.service', './softbr@lab.service', './softbr-unprivileged.service'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, MANPATH: manpath, SYSTEMD_LOG_LEVEL: 'notice' },
    });
    return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
