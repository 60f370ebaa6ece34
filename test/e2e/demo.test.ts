// The README's first quick-start line: `softbr demo` builds its lab, shows learning happen,
// and leaves nothing behind.
import { describe, it, expect } from 'vitest';
import { runCli } from '../helpers/softbr.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';

describe.skipIf(!isRoot())('softbr demo', () => {
  it('pings between three namespaced hosts, shows every host learned on its own port, cleans up', async () => {
    const r = await runCli(['demo'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    // before: only local entries; after: each host's MAC with a port
    const before = out.slice(out.indexOf('port no\tmac addr'), out.indexOf('h1 pings h2'));
    expect(before).not.toMatch(/\tno\t/);
    const hosts = [...out.matchAll(/^h(\d): eth0 ([0-9a-f:]{17}) /gm)].map((m) => m[2]!);
    expect(hosts).toHaveLength(3);
    const after = out.slice(out.indexOf('After the pings'));
    hosts.forEach((mac, i) => expect(after).toMatch(new RegExp(`  ${i + 1}\\t${mac}\\tno\\t\\t +\\d+\\.\\d\\d\\n`)));
    expect(out).toMatch(/; 3 learned MACs in the table/);
    expect(out).toMatch(/cleaned up/);
    const tag = /namespace (sbd\d+)h1/.exec(out)![1]!;
    expect((await sh('ip', ['netns', 'list'])).stdout).not.toContain(tag);
    expect((await sh('ip', ['-o', 'link', 'show'])).stdout).not.toContain(tag);
  });
});
