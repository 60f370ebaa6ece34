// End-to-end: softbr installs like a tool. `npm pack` of this checkout, installed with
// `npm install -g` into an empty prefix, builds the addon and gives a working `softbr` on that
// prefix's PATH, its man page where man finds it and the bash completion; the installed softbr
// runs the demo (root, namespaces), and the systemd units verify against the installed binary.
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, realpathSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/softbr.js';
import { verifyUnits } from '../helpers/systemd-units.js';
import { isRoot } from '../../src/lab/host.js';
import { execFile } from 'node:child_process';

/** Runs a command with its own cwd/env; resolves with its exit code and output. */
function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; allowFail?: boolean; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      if (code !== 0 && !opts.allowFail) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'softbr-install-'));
const prefix = join(dir, 'prefix');
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
// Debian's nodejs ships its headers; node-gyp then needs no download
const nodedir = existsSync('/usr/include/node/node_api.h') ? { npm_config_nodedir: '/usr' } : {};

describe('npm pack + npm install -g into an empty prefix', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs softbr with its addon, man page and completion, and the installed softbr works', async () => {
    // the dist/ that `npm test` just built (prepare would rewrite it under the other test files' feet)
    await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], { cwd: REPO });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const files = (await sh('tar', ['tzf', join(dir, tgz)])).stdout.split('\n');
    for (const f of ['bin/softbr.js', 'dist/src/cli/main.js', 'binding.gyp', 'src/native/addon.cc', 'man/softbr.8', 'completion/softbr.bash', 'examples/systemd/softbr.service']) {
      expect(files, f).toContain(`package/${f}`);
    }
    // nothing of the tests, the benchmarks or the TypeScript sources
    expect(files.filter((f) => /^package\/(test|bench|dist\/bench|dist\/test)\/|\.ts$/.test(f))).toEqual([]);

    mkdirSync(prefix);
    const env = { ...process.env, ...nodedir, npm_config_update_notifier: 'false' };
    const inst = await sh('npm', ['install', '-g', '--prefix', prefix, '--allow-scripts=softbr', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tgz)], { cwd: dir, env, allowFail: true });
    expect(inst.code, inst.stderr).toBe(0);
    const mod = join(prefix, 'lib/node_modules/softbr');
    expect(existsSync(join(mod, 'build/Release/softbr_native.node'))).toBe(true);
    // only the runtime dependencies came along
    const deps = readdirSync(join(mod, 'node_modules'));
    for (const dev of ['benchmark', 'lru-cache', 'vitest', 'typescript']) expect(deps).not.toContain(dev);

    const softbr = join(prefix, 'bin/softbr');
    const path = `${join(prefix, 'bin')}:${process.env['PATH']}`;
    expect((await sh('softbr', ['--version'], { env: { ...process.env, PATH: path } })).stdout.trim()).toBe(version);
    const help = (await sh(softbr, ['--help'])).stdout;
    for (const verb of ['daemon', 'addbr', 'addif', 'showmacs', 'config']) expect(help).toContain(verb);
    const manFile = (await sh('man', ['-w', 'softbr'], { env: { ...process.env, MANPATH: join(prefix, 'share/man') }, allowFail: true })).stdout.trim();
    // npm links share/man/man8/softbr.8 to the package's copy; man names the file it resolves to
    expect(existsSync(join(prefix, 'share/man/man8/softbr.8'))).toBe(true);
    expect(manFile).toBe(realpathSync(join(prefix, 'share/man/man8/softbr.8')));
    expect(readFileSync(join(mod, 'completion/softbr.bash'), 'utf8')).toContain('complete -F _softbr softbr');

    const units = verifyUnits(softbr, join(prefix, 'share/man'));
    expect(units.output).toBe('');
    expect(units.code).toBe(0);

    if (isRoot()) {
      const demo = await sh(softbr, ['demo'], { allowFail: true, timeoutMs: 60_000 });
      expect(demo.code, demo.stderr).toBe(0);
      expect(demo.stdout).toMatch(/; 3 learned MACs in the table/);
      expect(demo.stdout).toMatch(/cleaned up/);
    }
  }, 300_000);
});
