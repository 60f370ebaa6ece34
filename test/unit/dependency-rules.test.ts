// The import rules of .dependency-cruiser.cjs can fail: a small tree that breaks each rule once
// (and also uses every allowed exception) must give exactly those violations. `npm run lint:deps`
// runs the same rules on the real src/.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO } from '../helpers/softbr.js';

const DEPCRUISE = join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(REPO, '.dependency-cruiser.cjs');

/** path → source. Comments say which rule a line breaks; unmarked imports are allowed. */
const TREE: Record<string, string> = {
  'src/user-error.ts': 'export class UserError extends Error {}\n',
  'src/stp/port-state.ts': "import { MAC } from '../frame/mac.js'; // leaves-import-nothing\nexport const PORT_FORWARDING = MAC;\n",
  'src/frame/mac.ts': "import { UserError } from '../user-error.js';\nexport const MAC = 1;\nexport const E = UserError;\n",
  'src/fdb/fdb.ts': "import { Stp } from '../stp/stp.js'; // engine-layers-below\nexport const F = Stp;\n",
  'src/stp/stp.ts': "import { PORT_FORWARDING } from './port-state.js';\nimport { KIND } from '../bridge/port-io.js'; // engine-layers\nexport const Stp = PORT_FORWARDING + KIND;\n",
  'src/bridge/port-io.ts': 'export const KIND = 1;\n',
  'src/impair/impairer.ts': "import { MAC } from '../frame/mac.js';\nimport { KIND } from '../bridge/port-io.js'; // impair-below-the-bridge\nexport const I = [MAC, KIND];\n",
  'src/bridge/bridge.ts': [
    "import { Stp } from '../stp/stp.js';",
    "import { F } from '../fdb/fdb.js';",
    "import { readFileSync } from 'node:fs'; // engine-does-no-io",
    "import { P } from '../control/protocol.js'; // engine-stays-pure",
    'export const B: unknown[] = [Stp, F, readFileSync, P];',
    '',
  ].join('\n'),
  'src/capture/ring.ts': "import { createSocket } from 'node:dgram'; // engine-does-no-io\nimport { B } from '../bridge/bridge.js';\nexport const R = [createSocket, B];\n",
  'src/ports/tap.ts': "import { KIND } from '../bridge/port-io.js';\nimport { P } from '../control/protocol.js'; // drivers-below-the-daemon\nexport const T = [KIND, P];\n",
  'src/control/protocol.ts': 'export const P = 1;\n',
  'src/control/client.ts': "import { P } from './protocol.js';\nexport const call = P;\n",
  'src/control/daemon.ts': "import { B } from '../bridge/bridge.js';\nimport { T } from '../ports/tap.js';\nexport class Daemon { b = B; t = T; }\n",
  'src/control/run-daemon.ts': "import { Daemon } from './daemon.js';\nexport const run = Daemon;\n",
  'src/control/views.ts': "import type { Row } from '../cli/format/types.js'; // control-owns-its-types (type-only)\nexport type V = Row;\n",
  'src/control/a.ts': "import { b } from './b.js'; // no-cycles\nexport const a = () => b;\n",
  'src/control/b.ts': "import { a } from './a.js'; // no-cycles\nexport const b = () => a;\n",
  'src/metrics/metrics.ts': "import { B } from '../bridge/bridge.js';\nimport { Daemon } from '../control/daemon.js';\nexport const M = [B, Daemon];\n",
  'src/cli/format/types.ts': 'export interface Row { a: number }\n',
  'src/cli/main.ts': [
    "import { call } from '../control/client.js';",
    "import { Daemon } from '../control/daemon.js'; // cli-talks-through-the-client",
    'export const main = [call, Daemon];',
    "export const daemonVerb = () => import('../control/run-daemon.js');",
    '',
  ].join('\n'),
  'src/lab/demo.ts': "import { Daemon } from '../control/daemon.js';\nimport { gone } from './gone.js'; // nothing-resolves-outside\nexport const demo = [Daemon, gone];\n",
};

interface Violation { rule: { name: string }; from: string; to: string }

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'softbr-deprules-'));
    for (const [path, text] of Object.entries(TREE)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('each rule fails on the import that breaks it, and only there', () => {
    const r = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', 'src'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const violations = (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
    const found = [...new Set(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`))].sort();
    expect(found).toEqual([
      'cli-talks-through-the-client: src/cli/main.ts → src/control/daemon.ts',
      'control-owns-its-types: src/control/views.ts → src/cli/format/types.ts',
      'drivers-below-the-daemon: src/ports/tap.ts → src/control/protocol.ts',
      'engine-does-no-io: src/bridge/bridge.ts → fs',
      'engine-does-no-io: src/capture/ring.ts → dgram',
      'engine-layers-below: src/fdb/fdb.ts → src/stp/stp.ts',
      'engine-layers: src/stp/stp.ts → src/bridge/port-io.ts',
      'engine-stays-pure: src/bridge/bridge.ts → src/control/protocol.ts',
      'impair-below-the-bridge: src/impair/impairer.ts → src/bridge/port-io.ts',
      'leaves-import-nothing: src/stp/port-state.ts → src/frame/mac.ts',
      'no-cycles: src/control/a.ts → src/control/b.ts',
      'nothing-resolves-outside: src/lab/demo.ts → ./gone.js',
    ]);
  });
});
