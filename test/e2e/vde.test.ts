// End-to-end: softbr serving a VDE switch directory to real VDE clients. Hosts are namespaces
// whose NIC is a TAP that `vde_plug2tap` connects to softbr's VDE directory; a real
// `vde_switch` with a host of its own is joined to softbr by `dpipe vde_plug … = vde_plug …`.
// (Debian's QEMU is built without `-netdev vde`, so the DHCP check uses busybox udhcpc in a
// namespace on a VDE port against dnsmasq on another, instead of a QEMU guest.)
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { buildVdeRequest } from '../../src/ports/vde-protocol.js';
import { hasCommand } from '../../src/lab/host.js';


const missing = !isRoot() ? 'not root'
  : ['vde_plug2tap', 'vde_switch', 'vde_plug', 'dpipe', 'dnsmasq', 'busybox'].find((c) => !hasCommand(c)) ?? '';
if (missing) process.stderr.write(`vde.test.ts: skipped: ${missing === 'not root' ? missing : `${missing} is not installed (scripts/setup.sh installs it)`}\n`);

const lab = new Lab('v');
const P = lab.prefix;
const BR = `${P}br`;
const NET = '10.212.0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Host { ns: string; tap: string; ip: string; plug: ChildProcess }

describe.skipIf(missing !== '')(`VDE clients on softbr${missing ? ` — skipped: ${missing}` : ''}`, () => {
  const d = new SoftbrDaemon(P);
  let dir = '';
  let sw = '';
  let sw2 = '';
  let switchPid = 0;
  let dpipe: ChildProcess | undefined;
  const hosts: Host[] = [];

  const ports = async (): Promise<string[]> => {
    const rows = JSON.parse(await d.ok('show', '--json')) as { interfaces: string[] }[];
    return rows[0]!.interfaces;
  };

  /** A namespace whose NIC is a TAP vde_plug2tap connects to the VDE switch in `on`. */
  async function vdeHost(suffix: string, on: string, ip: string): Promise<Host> {
    const ns = await lab.addNamespace(suffix);
    const tap = lab.name(`${suffix}t`);
    const plug = lab.spawn(ns, 'vde_plug2tap', ['-s', on, tap]);
    let err = '';
    plug.stderr!.on('data', (x) => { err += x; });
    await waitFor(`${tap} in ${ns} (${err})`, async () => (await lab.exec(ns, 'ip', ['link', 'show', tap], { allowFail: true })).code === 0);
    await lab.addrUp(ns, tap, `${ip}/24`);
    return { ns, tap, ip, plug };
  }

  const ping = (from: Host, to: string) => lab.exec(from.ns, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', to], { allowFail: true });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${P}-`));
    sw = join(dir, 'sw');
    sw2 = join(dir, 'sw2');
    await d.start();
    await d.ok('addbr', BR, '--no-local');
    // the directory does not exist yet: softbr creates it, as vde_switch does
    await d.ok('addif', BR, `vde:sw=${sw}`);
    hosts.push(await vdeHost('a', sw, `${NET}.1`));
    await waitFor('sw-1', async () => (await ports()).includes('sw-1'));
    hosts.push(await vdeHost('b', sw, `${NET}.2`));
    await waitFor('sw-2', async () => (await ports()).includes('sw-2'));
  });

  afterAll(async () => {
    if (dpipe) {
      // dpipe's two vde_plug children end when their switches go; end them by PID if not
      const kids = dpipe.pid === undefined ? '' : (() => { try { return readFileSync(`/proc/${dpipe.pid}/task/${dpipe.pid}/children`, 'utf8'); } catch { return ''; } })();
      for (const k of kids.trim().split(/\s+/).filter(Boolean)) try { process.kill(Number(k), 'SIGTERM'); } catch { /* gone */ }
      await lab.kill(dpipe);
    }
    if (switchPid > 0) try { process.kill(switchPid, 'SIGTERM'); } catch { /* gone */ }
    const code = await d.stop();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('each client is a port of its own, and hosts on two of them ping each other', async () => {
    expect(await ports()).toEqual(['sw-1', 'sw-2']);
    expect(statSync(join(sw, 'ctl')).isSocket()).toBe(true);
    expect(statSync(join(sw, 'ctl')).mode & 0o777).toBe(0o600);
    const r = await ping(hosts[0]!, hosts[1]!.ip);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const macs = await d.ok('showmacs', BR);
    const macA = await lab.macOf(hosts[0]!.ns, hosts[0]!.tap);
    const macB = await lab.macOf(hosts[1]!.ns, hosts[1]!.tap);
    expect(macs).toMatch(new RegExp(`^\\s+1\\t${macA}\\tno\\t`, 'm'));
    expect(macs).toMatch(new RegExp(`^\\s+2\\t${macB}\\tno\\t`, 'm'));
    expect(d.log).toMatch(/sw: VDE port 1 is sw-1 \(vde_plug2tap: user=root pid=\d+\)/);
  });

  it('a real vde_switch joined by dpipe vde_plug = vde_plug forwards between hosts on both', async () => {
    const pidFile = join(dir, 'vde_switch.pid');
    execFileSync('vde_switch', ['-s', sw2, '-d', '-p', pidFile]);
    await waitFor('vde_switch pid file', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    switchPid = Number(readFileSync(pidFile, 'utf8').trim());
    hosts.push(await vdeHost('c', sw2, `${NET}.3`));
    dpipe = lab.spawn(hosts[0]!.ns, 'dpipe', ['vde_plug', sw, '=', 'vde_plug', sw2]);
    await waitFor('sw-3 (the dpipe)', async () => (await ports()).includes('sw-3'));
    const r = await ping(hosts[2]!, hosts[0]!.ip);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const r2 = await ping(hosts[1]!, hosts[2]!.ip);
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    // host c's MAC was learned on the dpipe's port
    const macC = await lab.macOf(hosts[2]!.ns, hosts[2]!.tap);
    expect(await d.ok('showmacs', BR)).toMatch(new RegExp(`^\\s+3\\t${macC}\\tno\\t`, 'm'));
  });

  it('a DHCP client on one VDE port gets a lease from dnsmasq on another', async () => {
    const a = hosts[0]!;
    const dns = lab.spawn(a.ns, 'dnsmasq', [
      '--keep-in-foreground', '--log-facility=-', '--conf-file=/dev/null', '--user=root', '--port=0',
      `--interface=${a.tap}`, '--bind-interfaces', `--dhcp-range=${NET}.100,${NET}.150,1m`, '--dhcp-authoritative',
      `--dhcp-leasefile=${join(dir, 'leases')}`, `--pid-file=${join(dir, 'dnsmasq.pid')}`,
    ]);
    let log = '';
    dns.stdout!.on('data', (x) => { log += x; });
    dns.stderr!.on('data', (x) => { log += x; });
    try {
      await waitFor(`dnsmasq (${log})`, () => log.includes('DHCP, IP range'));
      const r = await lab.exec(hosts[1]!.ns, 'busybox', ['udhcpc', '-i', hosts[1]!.tap, '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', '/bin/true'], { allowFail: true });
      expect(r.stdout + r.stderr).toMatch(new RegExp(`lease of ${NET.replace(/\./g, '\\.')}\\.1[0-9]{2} obtained`));
    } finally {
      await lab.kill(dns);
    }
  });

  /** Sends `bytes` on a new control connection (then EOF if `end`); resolves when softbr closes it, with the ms it took. */
  function ctlClient(bytes: Buffer, end: boolean): Promise<{ ms: number; reply: number }> {
    return new Promise((res, rej) => {
      const t0 = Date.now();
      let reply = 0;
      const s = net.connect({ path: join(sw, 'ctl') });
      const guard = setTimeout(() => { s.destroy(); rej(new Error('softbr did not close the connection')); }, 6000);
      s.on('data', (x) => { reply += x.length; });
      s.on('error', () => { /* reset: close follows */ });
      s.on('close', () => { clearTimeout(guard); res({ ms: Date.now() - t0, reply }); });
      s.on('connect', () => { if (end) s.end(bytes); else s.write(bytes); });
    });
  }

  it('malformed and truncated control requests are refused without affecting other ports', async () => {
    const before = await ports();
    const good = buildVdeRequest(join(sw, '.nobody'), 'test');
    const cases: [string, Buffer, boolean, RegExp][] = [
      ['garbage', Buffer.from('GET / HTTP/1.0\r\n\r\n'.repeat(10)), false, /refused a VDE client: bad magic 0x20544547/],
      ['truncated, then EOF', good.subarray(0, 60), true, /refused a VDE client: truncated request \(60 bytes\), then EOF/],
      ['version 2', buildVdeRequest(join(sw, '.x'), 't', { version: 2 }), false, /refused a VDE client: request version 2/],
      ['a port in use', buildVdeRequest(join(sw, '.x'), 't', { port: 1 }), false, /refused a VDE client: port 1 requested, and it is in use/],
      ['a client socket that does not exist', good, false, /refused a VDE client: cannot open its data socket: .*ENOENT/],
    ];
    for (const [what, bytes, end, logged] of cases) {
      const r = await ctlClient(bytes, end);
      expect(r.reply, what).toBe(0);
      await waitFor(`log line for ${what}`, () => logged.test(d.log), 3000);
    }
    // a request that stops half-way is dropped after the request timeout
    const slow = await ctlClient(good.subarray(0, 30), false);
    expect(slow.ms).toBeGreaterThanOrEqual(2900);
    expect(d.log).toMatch(/refused a VDE client: no complete request within 3000 ms \(30 bytes\)/);
    expect(await ports()).toEqual(before);
    const r = await ping(hosts[0]!, hosts[1]!.ip);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('a client that leaves takes its port and its data socket with it', async () => {
    const b = hosts[1]!;
    expect(readdirSync(sw).filter((f) => f.startsWith('002.'))).toHaveLength(1);
    await lab.kill(b.plug);
    await waitFor('sw-2 to go', async () => !(await ports()).includes('sw-2'));
    expect(readdirSync(sw).filter((f) => f.startsWith('002.'))).toHaveLength(0);
    expect(d.log).toMatch(/sw: VDE port 2 \(sw-2\) ended/);
    // its port number is free again for the next client
    hosts[1] = await vdeHost('b2', sw, `${NET}.2`);
    await waitFor('sw-2 again', async () => (await ports()).includes('sw-2'));
    const r = await ping(hosts[1]!, hosts[0]!.ip);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('mode= and group= set the sockets as vde_switch -m/-g do; delif ends the endpoint and all its ports', async () => {
    const m = join(dir, 'm');
    await d.ok('addif', BR, `vde:m=${m},mode=0660,group=1`);
    const st = statSync(join(m, 'ctl'));
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.gid).toBe(1);
    // a name taken by an endpoint is taken
    const dup = await d.cli('addif', BR, `vde:m=${join(dir, 'm2')}`);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/interface m is already a port of bridge/);
    await d.ok('delif', BR, 'm');
    expect(existsSync(m)).toBe(false);

    await d.ok('delif', BR, 'sw');
    expect(await ports()).toEqual([]);
    // the directory softbr made is gone; the clients were disconnected and exit on their own
    expect(existsSync(sw)).toBe(false);
    await waitFor('vde_plug2tap a to exit', () => hosts[0]!.plug.exitCode !== null || hosts[0]!.plug.signalCode !== null);
  });
});
