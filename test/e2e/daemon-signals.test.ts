// The daemon under signals and against a second copy of itself, with real peers: hosts in
// namespaces on AF_PACKET veths, a TAP softbr creates, a persistent TAP it attaches to, and a
// stream-socket peer that reconnects. SIGTERM under load exits 0 and removes exactly what the
// daemon created; after SIGKILL, `softbr daemon -c FILE` comes back with the configured bridge:
// the stale control and stream sockets replaced, the persistent TAP re-attached, the peers
// reconnected and forwarding; a second daemon on the same control socket, or wanting the same
// TAP, refuses with a clear message and leaves the first one's devices alone.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src/lab/netns.js';
import { sh } from '../../src/lab/sh.js';
import { isRoot } from '../../src/is-root.js';
import { SoftbrDaemon, BIN, type CliResult } from '../helpers/softbr.js';
import { endProcess } from '../helpers/process.js';
import type { LinkRow, MacRow } from '../../src/control/wire-types.js';

const root = isRoot();
const lab = new Lab('hd');
const P = lab.prefix;
const BR = `${P}b`;
const NET = '10.213.14';
const STREAM_MAC = '02:13:14:00:00:77';
const TAP_MAC = '02:13:14:00:00:88';

// a QEMU-like stream peer (4-byte big-endian length + frame) that reconnects whenever it loses
// the daemon, sending a broadcast from STREAM_MAC every 100 ms
const STREAM_PEER = `
import socket, struct, sys, time
f = b'\\xff' * 6 + bytes.fromhex(sys.argv[2].replace(':', '')) + b'\\x88\\xb5' + bytes(46)
while True:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        while True:
            s.sendall(struct.pack('>I', len(f)) + f)
            time.sleep(0.1)
    except OSError:
        time.sleep(0.1)
`;
// frames into a TAP from its kernel side (what a guest behind it would send), every 100 ms
const TAP_SENDER = `
import socket, sys, time
f = b'\\xff' * 6 + bytes.fromhex(sys.argv[2].replace(':', '')) + b'\\x88\\xb5' + bytes(46)
while True:
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((sys.argv[1], 0))
        while True:
            s.send(f); time.sleep(0.1)
    except OSError:
        time.sleep(0.1)
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const linkExists = async (name: string, ns?: string) => (await sh('ip', [...(ns ? ['-n', ns] : []), 'link', 'show', name], { allowFail: true })).code === 0;

/** A daemon run to completion (or killed after 15 s if it wrongly keeps running). */
function daemonOnce(args: string[]): Promise<CliResult> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 15_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe.skipIf(!root)('the daemon under signals, and a second daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softbr-hd-'));
  const d = new SoftbrDaemon(P);
  const cfgFile = join(dir, 'softbr.yaml');
  const streamPath = join(dir, 'guest.sock');
  const ns: string[] = [];
  let veths: string[] = [];
  let ptap = '';
  const tap = lab.name('t');
  const peers: ChildProcess[] = [];

  const until = (what: string, f: () => Promise<boolean>, ms?: number) => d.waitFor(what, f, ms);
  const learnedOn = async (mac: string, port: string) => {
    const rows = JSON.parse(await d.ok('showmacs', BR, '--json')) as MacRow[];
    const links = JSON.parse(await d.ok('link', 'show', '--json')) as LinkRow[];
    const no = links.find((l) => l.ifname === port)?.ifindex;
    return rows.some((r) => r.mac === mac && r.portNo === no);
  };
  const ping = (from: number, to: number) => lab.exec(ns[from]!, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', `${NET}.${to + 1}`], { allowFail: true });

  beforeAll(async () => {
    veths = [];
    for (let i = 1; i <= 2; i++) {
      const n = await lab.addNamespace(`h${i}`);
      ns.push(n);
      const v = await lab.addVeth(`v${i}`, `w${i}`, { nsB: n, up: true });
      await lab.addrUp(n, v.b, `${NET}.${i}/24`);
      await sh('sysctl', ['-q', '-w', `net.ipv6.conf.${v.a}.disable_ipv6=1`], { allowFail: true });
      veths.push(v.a);
    }
    ptap = await lab.addPersistentTap('p');
    lab.trackLink(tap);
    lab.trackLink(BR);
    writeFileSync(cfgFile, `bridges:\n  ${BR}:\n    stp: false\n    ports:\n`
      + `      - ${veths[0]}\n      - ${veths[1]}\n      - tap:${tap}\n      - tap:${ptap}\n      - stream:${P}s=${streamPath}\n`);
    await d.start({ configFile: cfgFile });
    await lab.ip('link', 'set', ptap, 'up');
    peers.push(lab.spawn(ns[0]!, 'python3', ['-c', STREAM_PEER, streamPath, STREAM_MAC]));
  }, 60_000);

  afterAll(async () => {
    for (const p of peers) await endProcess(p, 'SIGTERM', 2000).catch(() => undefined);
    await d.stop();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
    // (stop() leaves the daemon's directory when the last test has ended the daemon already)
    rmSync(d.dir, { recursive: true, force: true });
  });

  it('comes up: hosts ping across AF_PACKET ports, the stream peer and the persistent TAP are learned', async () => {
    // the persistent TAP's kernel side is in the root namespace: a sender there is its guest
    peers.push(spawn('python3', ['-c', TAP_SENDER, ptap, TAP_MAC], { stdio: 'ignore' }));
    expect((await ping(0, 1)).code).toBe(0);
    await until('the stream peer', () => learnedOn(STREAM_MAC, `${P}s`));
    await until('the persistent TAP', () => learnedOn(TAP_MAC, ptap));
  }, 60_000);

  it('a second daemon on the same control socket refuses at once and touches nothing of the first', async () => {
    const other = join(dir, 'other.yaml');
    const tap2 = lab.name('x');
    lab.trackLink(tap2);
    // (its config also wants the first one's TAP: the socket is checked before any device is opened)
    writeFileSync(other, `bridges:\n  ${P}c:\n    ports:\n      - tap:${tap2}\n      - tap:${tap}\n`);
    const r = await daemonOnce(['--control', d.control, 'daemon', '--no-metrics', '-c', other]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`another softbr daemon is already listening on ${d.control}`);
    // it created nothing, and the first daemon still answers with everything it had
    expect(await linkExists(tap2)).toBe(false);
    expect(await linkExists(`${P}c`)).toBe(false);
    expect(JSON.parse(await d.ok('show', '--json'))[0].interfaces).toHaveLength(5);
    expect((await ping(0, 1)).code).toBe(0);
  }, 30_000);

  it('a second daemon wanting a TAP the first holds refuses with a clear message and cleans up after itself', async () => {
    const other = join(dir, 'tap.yaml');
    writeFileSync(other, `bridges:\n  ${P}c:\n    ports:\n      - tap:${tap}\n`);
    const r = await daemonOnce(['--control', join(dir, 'other.sock'), 'daemon', '--no-metrics', '-c', other]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`TAP ${tap}.*(another process holds it|busy)`, 'i'));
    expect(await linkExists(`${P}c`)).toBe(false);
    expect(existsSync(join(dir, 'other.sock'))).toBe(false);
    // the first daemon's TAP is untouched and still its port
    expect(await linkExists(tap)).toBe(true);
    expect((await ping(0, 1)).code).toBe(0);
  }, 30_000);

  it('after SIGKILL, the daemon comes back from its config: stale sockets replaced, TAP re-attached, peers reconnected', async () => {
    const pid = d.proc!.pid!;
    d.proc!.kill('SIGKILL');
    await new Promise((r) => (d.proc!.exitCode !== null || d.proc!.signalCode !== null ? r(null) : d.proc!.once('exit', r)));
    // what a killed daemon leaves: its sockets (files with no listener); the TAPs it created
    // without persistence went with its file descriptors, the persistent one stays
    expect(existsSync(d.control)).toBe(true);
    expect(existsSync(streamPath)).toBe(true);
    await until('the dead daemon\'s TAPs to go', async () => !(await linkExists(tap)) && !(await linkExists(BR)), 5000);
    expect(await linkExists(ptap)).toBe(true);
    const logBefore = d.log.length;
    await d.start({ configFile: cfgFile });
    expect(d.proc!.pid).not.toBe(pid);
    // (the dead daemon's socket file is there already: wait for the new one to answer on it)
    await until('the restarted daemon to answer', async () => {
      if (d.proc!.exitCode !== null) throw new Error(`the restarted daemon exited ${d.proc!.exitCode}:\n${d.log.slice(logBefore)}`);
      return (await d.cli('show')).code === 0;
    });
    const shown = JSON.parse(await d.ok('show', '--json')) as { interfaces: string[] }[];
    expect(shown[0]!.interfaces.sort()).toEqual([veths[0], veths[1], tap, ptap, `${P}s`].sort());
    expect((await ping(0, 1)).code).toBe(0);
    await until('the stream peer to reconnect', () => learnedOn(STREAM_MAC, `${P}s`));
    await until('the persistent TAP to be read again', () => learnedOn(TAP_MAC, ptap));
    // one of each: nothing doubled, nothing of the dead daemon's in the way
    const links = (await sh('ip', ['-o', 'link', 'show'])).stdout.split('\n').filter((l) => l.includes(P));
    expect(links.filter((l) => l.includes(` ${tap}:`))).toHaveLength(1);
    expect(links.filter((l) => l.includes(` ${BR}:`))).toHaveLength(1);
    expect(d.log.slice(logBefore)).toContain(`listening on ${d.control}`);
  }, 60_000);

  it('SIGHUP with a broken config keeps the running config and logs why', async () => {
    const good = (await sh('cat', [cfgFile])).stdout;
    const logBefore = d.log.length;
    writeFileSync(cfgFile, good.replace('stp: false', 'stp: sometimes'));
    try {
      d.proc!.kill('SIGHUP');
      await until('the reload to be refused in the log', async () => d.log.slice(logBefore).includes('SIGHUP: config not reloaded, nothing changed'), 5000);
      expect(d.log.slice(logBefore)).toMatch(/softbr\.yaml:3: bridges\.\w+\.stp/);
      expect((JSON.parse(await d.ok('show', '--json')) as { interfaces: string[] }[])[0]!.interfaces).toHaveLength(5);
      expect((await ping(0, 1)).code).toBe(0);
    } finally {
      writeFileSync(cfgFile, good);
    }
  }, 30_000);

  it('SIGTERM under load exits 0 and removes what it created, and only that', async () => {
    const flood = lab.exec(ns[0]!, 'ping', ['-f', '-w', '10', '-q', `${NET}.2`], { allowFail: true });
    await sleep(1500);
    const t = performance.now();
    const code = await endProcess(d.proc!, 'SIGTERM', 5000);
    const ms = performance.now() - t;
    console.log(`SIGTERM under a ping flood: exit ${code} after ${ms.toFixed(0)} ms`);
    expect(code).toBe(0);
    expect(existsSync(d.control)).toBe(false);
    expect(existsSync(streamPath)).toBe(false);
    expect(await linkExists(tap)).toBe(false);
    expect(await linkExists(BR)).toBe(false);
    // not its to delete: the persistent TAP it attached to, and the veths it read
    expect(await linkExists(ptap)).toBe(true);
    for (const v of veths) expect(await linkExists(v)).toBe(true);
    await flood;
  }, 30_000);
});
