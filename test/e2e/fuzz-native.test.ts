// The bounded CI run of the native addon's coverage-guided fuzzer: scripts/fuzz.sh builds each
// target in test/fuzz/ with libFuzzer + ASan + UBSan and runs each for 10 seconds; any crash,
// out-of-bounds access or undefined behaviour fails the test (the long run is in scripts/soak.sh).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers/softbr.js';

const hasClang = spawnSync('sh', ['-c', 'command -v clang++ || command -v clang++-16 || command -v clang++-14'], { encoding: 'utf8' }).status === 0;

describe('native fuzz targets (libFuzzer, bounded)', () => {
  // clang comes with scripts/setup.sh; without it this fails rather than skipping the check
  it('scripts/fuzz.sh 10 finds no crash in any target', () => {
    expect(hasClang, 'clang++ missing: apt-get install clang-14 libclang-rt-14-dev').toBe(true);
    const r = spawnSync('bash', [join(REPO, 'scripts/fuzz.sh'), '10'], { cwd: REPO, encoding: 'utf8', timeout: 150_000 });
    const tail = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => !l.startsWith('#')).slice(-30).join('\n');
    expect(r.status, tail).toBe(0);
    expect(r.stdout).toMatch(/fuzz\.sh: no crash/);
    // it really ran: libFuzzer printed how many inputs it tried
    const runs = [...`${r.stdout}${r.stderr}`.matchAll(/stat::number_of_executed_units:\s+(\d+)/g)].map((m) => Number(m[1]));
    expect(runs).toHaveLength(2); // gso, vhost_ring
    for (const n of runs) expect(n).toBeGreaterThan(1000);
  }, 180_000);
});
