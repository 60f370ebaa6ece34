// End-to-end: what the systemd units rely on. The daemon reports READY=1 to NOTIFY_SOCKET only
// once every configured bridge and port exists (a python3 datagram listener stands in for
// systemd); --control-group lets a non-root member of a real group use the CLI and nobody else;
// and the daemon run as an unprivileged user with only CAP_NET_ADMIN or only CAP_NET_RAW (as the
// unit's AmbientCapabilities grants them) refuses exactly what the README says breaks.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { SoftbrDaemon, BIN } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';

const root = isRoot();
const lab = new Lab('sv');
const P = lab.prefix;
const NOBODY = 65534;
const linkExists = async (name: string) => (await sh('ip', ['link', 'show', name], { allowFail: true })).code === 0;

/** Receives one datagram on a fresh unix socket (as systemd's notify socket would) and prints it. */
const LISTENER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    msg = s.recv(4096).decode()
    if "READY=1" in msg:
        print(msg.replace("\\n", " "), flush=True)
        break
`;

describe.skipIf(!root)('softbr as a service', () => {
  const daemons: SoftbrDaemon[] = [];
  const group = `${P}g`;
  afterAll(async () => {
    for (const d of daemons) await d.stop();
    await sh('groupdel', [group], { allowFail: true });
    await lab.cleanup();
  });
  const daemon = (tag: string) => { const d = new SoftbrDaemon(`${P}${tag}`); daemons.push(d); return d; };

  it.skipIf(spawnSync('sh', ['-c', 'command -v systemd-notify && command -v python3']).status !== 0)('reports READY=1 to NOTIFY_SOCKET after every configured bridge and port is up', async () => {
    const d = daemon('n');
    const sock = join(d.dir, 'notify.sock');
    const py = spawn('python3', ['-c', LISTENER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
    let heard = '';
    py.stdout!.on('data', (b) => { heard += b; });
    try {
      while (!heard.includes('bound')) await new Promise((r) => setTimeout(r, 20));
      const ready = new Promise<void>((r) => py.once('exit', () => r()));
      const [br, t1, t2] = [`${P}b`, `${P}t1`, `${P}t2`];
      await d.start({ config: `bridges:\n  ${br}:\n    ports: [tap:${t1}, tap:${t2}]\n`, env: { ...process.env, NOTIFY_SOCKET: sock } });
      await ready;
      // by the time the manager hears READY=1, the host port and both ports exist
      for (const l of [br, t1, t2]) expect(await linkExists(l), l).toBe(true);
      expect(heard).toContain(`MAINPID=${d.proc!.pid}`);
      expect(heard).toContain(`bridges: ${br}`);
      expect(await d.ok('show')).toContain(t2);
      // what the journal gets: plain lines, no terminal colour codes
      expect(d.log).toMatch(/^softbr: listening on /m);
      expect(d.log).not.toMatch(/\x1b/);
    } finally {
      if (py.exitCode === null) py.kill();
    }
  });

  it('--control-group: the socket is 0660 with that group; a member runs the CLI, others are refused', async () => {
    await sh('groupadd', [group]);
    const gid = Number((await sh('getent', ['group', group])).stdout.split(':')[2]);
    const bad = daemon('x');
    await expect(bad.start({ args: ['--control-group', `${P}nogroup`] })).rejects.toThrow(/no group named/);
    const d = daemon('g');
    await d.start({ args: ['--control-group', group] });
    chmodSync(d.dir, 0o755); // the test's private folder; /run/softbr is 0755 under the unit
    const st = (await sh('stat', ['-c', '%a %g', d.control])).stdout.trim();
    expect(st).toBe(`660 ${gid}`);
    const asNobody = (groups: string[]) => sh('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), ...groups, process.execPath, BIN, '--control', d.control, 'show'], { allowFail: true });
    const member = await asNobody(['--groups', String(gid)]);
    expect(member.code, member.stderr).toBe(0);
    expect(member.stdout).toMatch(/^bridge name/);
    const other = await asNobody(['--clear-groups']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/EACCES|permission denied/i);
  });

  it('unprivileged with one capability: CAP_NET_ADMIN makes TAPs, CAP_NET_RAW attaches netdevs', async () => {
    const v = await lab.addVeth('v0', 'v1', { up: true });
    const asUser = (caps: string) => ['setpriv', '--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', `--inh-caps=-all,+${caps}`, `--ambient-caps=-all,+${caps}`, `--bounding-set=-all,+${caps}`];
    const start = async (tag: string, caps: string) => {
      const d = daemon(tag);
      chownSync(d.dir, NOBODY, NOBODY);
      await d.start({ wrap: asUser(caps) });
      return d;
    };

    const admin = await start('a', 'net_admin');
    expect(admin.log).toContain('no CAP_NET_RAW');
    await admin.ok('addbr', `${P}ba`);
    await admin.ok('addif', `${P}ba`, `tap:${P}ta`);
    expect(await linkExists(`${P}ta`)).toBe(true);
    const noRaw = await admin.cli('addif', `${P}ba`, v.a);
    expect(noRaw.code).not.toBe(0);
    expect(noRaw.stderr).toMatch(/EPERM.*\(needs root or CAP_NET_RAW\)/);
    expect(await admin.stop()).toBe(0);
    expect(await linkExists(`${P}ta`)).toBe(false); // deleted on exit, with CAP_NET_ADMIN alone

    const raw = await start('r', 'net_raw');
    expect(raw.log).toContain('no CAP_NET_ADMIN');
    const noAdmin = await raw.cli('addbr', `${P}br`);
    expect(noAdmin.code).not.toBe(0);
    expect(noAdmin.stderr).toMatch(/TUNSETIFF.*EPERM.*\(needs root or CAP_NET_ADMIN\)/);
    const tap = await raw.cli('addbr', `${P}bt`, '--no-local');
    expect(tap.code).toBe(0);
    expect((await raw.cli('addif', `${P}bt`, `tap:${P}tr`)).stderr).toMatch(/needs root or CAP_NET_ADMIN/);
    await raw.ok('addbr', `${P}br`, '--no-local');
    const attach = await raw.cli('addif', `${P}br`, v.a);
    expect(attach.code, attach.stderr).toBe(0);
    expect(await raw.ok('show', `${P}br`)).toContain(v.a);
    expect(await raw.stop()).toBe(0);

    const none = daemon('0');
    chownSync(none.dir, NOBODY, NOBODY);
    await expect(none.start({ wrap: ['setpriv', '--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'] })).rejects.toThrow(/needs root, or CAP_NET_ADMIN and CAP_NET_RAW/);
  });
});
