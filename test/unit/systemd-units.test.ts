// The systemd units in examples/systemd pass `systemd-analyze verify` (without systemd as PID 1
// it still parses and checks unit files), with no warning at all, and say what the README says
// they do: notify readiness, SIGHUP reload, restart on failure, the journal, two capabilities.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO } from '../helpers/softbr.js';
import { UNITS, verifyUnits } from '../helpers/systemd-units.js';

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;

describe('systemd units', () => {
  it.skipIf(!hasAnalyze)('pass systemd-analyze verify without a warning', () => {
    const man = mkdtempSync(join(tmpdir(), 'softbr-man-'));
    try {
      mkdirSync(join(man, 'man8'));
      symlinkSync(join(REPO, 'man/softbr.8'), join(man, 'man8/softbr.8'));
      const r = verifyUnits(BIN, man);
      expect(r.output).toBe('');
      expect(r.code).toBe(0);
    } finally {
      rmSync(man, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasAnalyze)('verify catches a broken unit (the check can fail)', () => {
    const r = verifyUnits('/nonexistent/softbr', '/nonexistent');
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('/nonexistent/softbr');
  });

  it('are notify services that reload on SIGHUP, restart on failure and log to the journal', () => {
    for (const f of ['softbr.service', 'softbr@.service']) {
      const u = readFileSync(join(UNITS, f), 'utf8');
      for (const line of ['Type=notify', 'NotifyAccess=all', 'ExecReload=/bin/kill -HUP $MAINPID', 'Restart=on-failure', 'StandardError=journal', 'RuntimeDirectory=softbr']) {
        expect(u, `${f}: ${line}`).toContain(`\n${line}\n`);
      }
      expect(u).toMatch(/\nExecStart=\/usr\/local\/bin\/softbr .*daemon -c \/etc\/softbr\/%?[a-z]+\.yaml/);
    }
    expect(readFileSync(join(UNITS, 'unprivileged.conf'), 'utf8')).toContain('\nAmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW\n');
  });
});
