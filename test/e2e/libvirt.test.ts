// End-to-end: the README's "Replacing virbr0 with softbr" commands, run as they are. Everything
// happens inside a namespace of this test standing in for the host: the daemon runs there, so
// its virbr0 (with 192.168.122.1/24), dnsmasq and the NAT rules are that namespace's and never
// the machine's; the /run paths of the commands are moved to a temporary directory. A second
// namespace is "the outside", reachable only through the MASQUERADE rule. The guest side is a
// QEMU guest (iPXE DHCP) on the TAP examples/libvirt/ethernet.xml names, and a namespace host
// that gets a lease with udhcpc and pings the outside.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { hasCommand } from '../../src/lab/host.js';

const QEMU = 'qemu-system-x86_64';
const IPXE_ROM = '/usr/lib/ipxe/qemu/efi-virtio.rom';
const missing = !isRoot() ? 'not root'
  : [QEMU, 'dnsmasq', 'iptables', 'busybox'].find((c) => !hasCommand(c)) ?? (!existsSync(IPXE_ROM) ? IPXE_ROM : '');
if (missing) process.stderr.write(`libvirt.test.ts: skipped: ${missing}\n`);

const lab = new Lab('lv');
const P = lab.prefix;
const MAC = `52:54:00:00:01:${(process.pid % 256).toString(16).padStart(2, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sh block of the README between `<!-- virbr0 WHAT: …` and `<!-- end of virbr0 WHAT -->`. */
function readmeBlock(what: string): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- virbr0 ${what}:[^\\n]*-->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\n<!-- end of virbr0 ${what} -->`).exec(readme);
  if (!m) throw new Error(`README has no virbr0 ${what} block`);
  return m[1]!;
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(missing !== '')(`README: replacing virbr0 with softbr${missing ? ` — skipped: ${missing}` : ''}`, () => {
  let dir = '';
  let ctl = '';
  let host = '';
  let out = '';
  let daemon: ChildProcess | undefined;
  let daemonLog = '';
  let guest: ChildProcess | undefined;
  /** `softbr` for the README's commands: this checkout's CLI on the test's daemon. */
  const sh = (block: string) => lab.exec(host, 'sh', ['-ec', `softbr() { "${process.execPath}" "${BIN}" --control "${ctl}" "$@"; }\n${block.replaceAll('/run/', `${dir}/`)}`], { allowFail: true });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${P}-`));
    chmodSync(dir, 0o755);
    ctl = join(dir, 'control.sock');
    host = await lab.addNamespace('h');
    out = await lab.addNamespace('u');
    const { a, b } = await lab.addVeth('hv', 'uv', { nsA: host, nsB: out });
    await lab.addrUp(host, a, '198.51.100.1/24');
    await lab.addrUp(out, b, '198.51.100.2/24');
    daemon = lab.spawn(host, process.execPath, [BIN, '--control', ctl, 'daemon', '--no-metrics']);
    daemon.stdout!.on('data', (x) => { daemonLog += x; });
    daemon.stderr!.on('data', (x) => { daemonLog += x; });
    await waitFor(`the daemon (${daemonLog})`, () => existsSync(ctl));
  });

  afterAll(async () => {
    if (guest) await lab.kill(guest);
    const pidFile = join(dir, 'softbr-virbr0-dnsmasq.pid');
    if (existsSync(pidFile)) try { process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM'); } catch { /* gone */ }
    if (daemon) {
      const exited = new Promise<number | null>((r) => daemon!.once('exit', (c) => r(c)));
      await lab.kill(daemon);
      expect(await exited).toBe(0);
    }
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the commands set up virbr0 as libvirt does: address, dnsmasq, NAT', async () => {
    const r = await sh(readmeBlock('commands'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const addr = await lab.exec(host, 'ip', ['-o', '-4', 'addr', 'show', 'virbr0']);
    expect(addr.stdout).toContain('inet 192.168.122.1/24 brd 192.168.122.255');
    const nat = await lab.exec(host, 'iptables', ['-t', 'nat', '-S', 'POSTROUTING']);
    expect(nat.stdout).toContain('-A POSTROUTING -s 192.168.122.0/24 ! -d 192.168.122.0/24 -j MASQUERADE');
    // the outside knows no way back to 192.168.122.0/24: only NAT can answer it
    const back = await lab.exec(out, 'ip', ['route', 'get', '192.168.122.50'], { allowFail: true });
    expect(back.code).not.toBe(0);
  });

  it('a QEMU guest on the TAP of examples/libvirt/ethernet.xml gets a 192.168.122.x lease', async () => {
    const xml = readFileSync(join(REPO, 'examples/libvirt/ethernet.xml'), 'utf8');
    const tap = /<target dev='([^']+)'/.exec(xml)![1]!;
    guest = lab.spawn(host, QEMU, [
      '-accel', 'tcg', '-display', 'none', '-nodefaults', '-monitor', 'none', '-serial', 'null',
      '-m', '64', '-boot', 'n', '-name', `${P}g`,
      '-netdev', `tap,id=n0,ifname=${tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n0,mac=${MAC}`,
    ]);
    await waitFor(`QEMU's ${tap}`, async () => (await lab.exec(host, 'ip', ['link', 'show', tap], { allowFail: true })).code === 0);
    const r = await sh(readmeBlock('guest'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const leases = join(dir, 'softbr-virbr0.leases');
    await waitFor(`a lease for ${MAC}`, () => existsSync(leases) && readFileSync(leases, 'utf8').includes(MAC), 45_000);
    const line = readFileSync(leases, 'utf8').split('\n').find((l) => l.includes(MAC))!;
    expect(line.split(' ')[2]).toMatch(/^192\.168\.122\.(\d+)$/);
  });

  it('a host on another port gets a lease and reaches the outside through the NAT', async () => {
    const tap = lab.name('g');
    const add = await sh(`softbr addif virbr0 tap:${tap}`);
    expect(add.code, add.stderr).toBe(0);
    const g = await lab.addNamespace('g');
    await lab.ip('-n', host, 'link', 'set', tap, 'netns', g);
    await lab.ip('-n', g, 'link', 'set', tap, 'up');
    const dhcp = await lab.exec(g, 'busybox', ['udhcpc', '-i', tap, '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', '/bin/true'], { allowFail: true });
    const m = /lease of (192\.168\.122\.\d+) obtained/.exec(dhcp.stdout + dhcp.stderr);
    expect(m, dhcp.stdout + dhcp.stderr).not.toBeNull();
    await lab.ip('-n', g, 'addr', 'add', `${m![1]}/24`, 'dev', tap);
    await lab.ip('-n', g, 'route', 'add', 'default', 'via', '192.168.122.1');
    const ping = await lab.exec(g, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', '198.51.100.2'], { allowFail: true });
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
  });
});
