// End-to-end: real QEMU guests as peers of softbr. No guest OS image is available, but the NIC's
// iPXE boot ROM (package ipxe-qemu) is a real network stack: booted with `-boot n` and no disk,
// the guest does DHCP. A host in a namespace on a softbr TAP port runs dnsmasq; each test boots
// a guest attached a different way — a TAP QEMU holds (softbr takes it over AF_PACKET, as
// libvirt's vnet0), a `-netdev stream` unix socket, a `-netdev dgram` UDP tunnel — and checks that
// the guest got its lease (its DHCPDISCOVER was flooded to the dnsmasq host and the answers came
// back) and that softbr learned the guest's MAC on the right port.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.js';
import { hasCommand } from '../../src/lab/host.js';
import { endProcess } from '../helpers/process.js';

const QEMU = 'qemu-system-x86_64';
const IPXE_ROM = '/usr/lib/ipxe/qemu/efi-virtio.rom';


const missing = !isRoot() ? 'not root'
  : !hasCommand(QEMU) ? `${QEMU} is not installed (apt-get install qemu-system-x86 ipxe-qemu; scripts/setup.sh does)`
  : !existsSync(IPXE_ROM) ? `${IPXE_ROM} is missing (apt-get install ipxe-qemu)`
  : !hasCommand('dnsmasq') ? 'dnsmasq is not installed'
  : '';
if (missing) process.stderr.write(`qemu.test.ts: skipped: ${missing}\n`);

const lab = new Lab('q');
const P = lab.prefix;
const BR = `${P}br`;
const NET = '10.209.0';
// guest MACs: QEMU's 52:54:00 prefix, one per test, distinct per test process
const macFor = (i: number) => `52:54:00:5b:${(process.pid % 256).toString(16).padStart(2, '0')}:0${i}`;

interface Guest { proc: ChildProcess; serial: string; out: string }
/** A row of `softbr link show --json` (iproute2's format). */
interface LinkRow { ifname: string; ifindex: number; flags: string[] }

/** A free UDP port on 127.0.0.1 (bound and released; the kernel does not hand it out again at once). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** A free TCP port on 127.0.0.1. */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing !== '')(`QEMU guests (iPXE DHCP) on softbr${missing ? ` — skipped: ${missing}` : ''}`, () => {
  const d = new SoftbrDaemon(P);
  let dir = '';
  let dnsmasq: ChildProcess | undefined;
  let dhcp: Dnsmasq | undefined;
  const dnsLog = (): string => dhcp?.log ?? '';
  const guests: Guest[] = [];
  const qemuTap = lab.name('q0');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `softbr-${P}-qemu-`));
    await d.start();
    await d.ok('addbr', BR, '--no-local');
    // the DHCP server: a host in a namespace on a softbr TAP port
    const tap = lab.name('d');
    await d.ok('addif', BR, `tap:${tap}`);
    const ns = await lab.addNamespace('dh');
    await lab.plug(tap, ns, { rename: 'eth0', cidr: `${NET}.1/24` });
    dhcp = await startDnsmasq(lab, ns, NET, dir);
    dnsmasq = dhcp.proc;
  });

  afterAll(async () => {
    for (const g of guests) await stopGuest(g);
    if (dnsmasq && dnsmasq.exitCode === null) {
      await lab.kill(dnsmasq);
    }
    const code = await d.stop();
    await sh('ip', ['link', 'del', qemuTap], { allowFail: true });
    await lab.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    const left = await sh('ip', ['-o', 'link', 'show'], { allowFail: true });
    expect(left.stdout).not.toContain(P);
  });

  const ports = async () => JSON.parse(await d.ok('link', 'show', '--json')) as LinkRow[];
  /** Carrier of a port as `link show` reports it (undefined: no such port). */
  const carrier = async (port: string) => {
    const row = (await ports()).find((l) => l.ifname === port);
    return row === undefined ? undefined : !row.flags.includes('NO-CARRIER');
  };

  /** Boots a diskless guest whose NIC (virtio-net, iPXE ROM) uses `netdev`. */
  function boot(name: string, mac: string, netdev: string): Guest {
    const serial = join(dir, `${name}.serial`);
    const proc = spawn(QEMU, [
      // TCG: KVM may be present but nested virtualisation is not reliable; iPXE is small
      '-accel', 'tcg', '-display', 'none', '-nodefaults', '-monitor', 'none', '-serial', `file:${serial}`,
      '-m', '64', '-boot', 'n', '-name', `${P}${name}`,
      '-netdev', netdev, '-device', `virtio-net-pci,netdev=n0,mac=${mac}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const g: Guest = { proc, serial, out: '' };
    proc.stdout!.on('data', (x) => { g.out += x; });
    proc.stderr!.on('data', (x) => { g.out += x; });
    guests.push(g);
    return g;
  }

  async function stopGuest(g: Guest): Promise<void> {
    await endProcess(g.proc);
  }

  function diag(g: Guest): string {
    let serial = '';
    try { serial = readFileSync(g.serial, 'latin1').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''); } catch { /* none yet */ }
    return `qemu: ${g.out}\nserial: ${serial.slice(-1500)}\ndnsmasq: ${dnsLog().slice(-2000)}\nsoftbr: ${d.log.slice(-1500)}`;
  }

  /** Waits until dnsmasq has written a lease for mac; returns the leased address. */
  async function leaseFor(g: Guest, mac: string, ms = 45_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      let leases = '';
      try { leases = readFileSync(join(dir, 'leases'), 'utf8'); } catch { /* not written yet */ }
      const line = leases.split('\n').find((l) => l.split(' ')[1] === mac);
      if (line) return line.split(' ')[2]!;
      if (g.proc.exitCode !== null) throw new Error(`QEMU exited ${g.proc.exitCode}\n${diag(g)}`);
      if (Date.now() > deadline) throw new Error(`no lease for ${mac} after ${ms} ms\n${diag(g)}`);
      await sleep(100);
    }
  }

  /** The guest went through DHCP in full, and softbr learned its MAC on `port`. */
  async function checkGuest(g: Guest, mac: string, port: string): Promise<void> {
    const ip = await leaseFor(g, mac);
    expect(ip.startsWith(`${NET}.`)).toBe(true);
    for (const step of ['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPACK']) {
      expect(dnsLog(), diag(g)).toMatch(new RegExp(`${step}\\(eth0\\)( ${ip.replace(/\./g, '\\.')})? ${mac}`));
    }
    const macs = JSON.parse(await d.ok('showmacs', BR, '--json')) as { portNo: number; mac: string; isLocal: boolean }[];
    const links = await ports();
    const row = macs.find((m) => m.mac === mac);
    expect(row, `${mac} in showmacs\n${diag(g)}`).toBeDefined();
    expect(row!.isLocal).toBe(false);
    const link = links.find((l) => l.ifname === port);
    expect(link, `${port} in link show`).toBeDefined();
    expect(row!.portNo).toBe(link!.ifindex);
  }

  it('(a) a TAP that QEMU holds is attached by name over AF_PACKET', async () => {
    const t0 = Date.now();
    const mac = macFor(1);
    const g = boot('a', mac, `tap,id=n0,ifname=${qemuTap},script=no,downscript=no`);
    const deadline = Date.now() + 10_000;
    while (!existsSync(`/sys/class/net/${qemuTap}`)) {
      if (g.proc.exitCode !== null) throw new Error(`QEMU exited ${g.proc.exitCode}: ${g.out}`);
      if (Date.now() > deadline) throw new Error(`QEMU did not create ${qemuTap}: ${g.out}`);
      await sleep(20);
    }
    await sh('sysctl', ['-q', '-w', `net.ipv6.conf.${qemuTap}.disable_ipv6=1`], { allowFail: true });
    await sh('ip', ['link', 'set', qemuTap, 'up']);
    await d.ok('addif', BR, qemuTap);
    // QEMU holds the TAP (EBUSY to a second opener): softbr took it over with a packet socket
    expect(await carrier(qemuTap)).toBe(true);
    await checkGuest(g, mac, qemuTap);
    await stopGuest(g);
    await d.ok('delif', BR, qemuTap);
    process.stderr.write(`qemu.test.ts: (a) tap+AF_PACKET guest leased in ${Date.now() - t0} ms\n`);
  });

  it('(b) -netdev stream connects to a stream: unix socket port; the port is down once QEMU is gone', async () => {
    const t0 = Date.now();
    const mac = macFor(2);
    const port = lab.name('s');
    const path = join(d.dir, 'guest-b.sock');
    await d.ok('addif', BR, `stream:${port}=${path}`);
    // no guest yet: a link without carrier
    expect(await carrier(port)).toBe(false);
    // a second port on the same socket fails cleanly and leaves the first one listening
    const again = await d.cli('addif', BR, `stream:${lab.name('s2')}=${path}`);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`cannot open stream socket ${path}`);
    expect(again.stderr).toContain('address in use');
    const bad = await d.cli('addif', BR, 'stream:guest.sock');
    expect(bad.stderr).toContain("invalid port 'stream:guest.sock': expected an absolute socket path");
    const g = boot('b', mac, `stream,id=n0,server=off,addr.type=unix,addr.path=${path}`);
    await checkGuest(g, mac, port);
    await stopGuest(g);
    const deadline = Date.now() + 5000;
    while ((await carrier(port)) !== false) {
      if (Date.now() > deadline) throw new Error(`stream port still up after QEMU exited: ${JSON.stringify(await ports())}`);
      await sleep(50);
    }
    expect(d.log).toContain(`${port}: guest connected on ${path}`);
    expect(d.log).toContain(`${port}: guest disconnected`);
    await d.ok('delif', BR, port);
    expect(existsSync(path)).toBe(false);
    process.stderr.write(`qemu.test.ts: (b) stream guest leased in ${Date.now() - t0} ms\n`);
  });

  it('(c) -netdev dgram exchanges one frame per datagram with a dgram: port on 127.0.0.1', async () => {
    const t0 = Date.now();
    const mac = macFor(3);
    const port = lab.name('u');
    const mine = await freeUdpPort();
    let theirs = await freeUdpPort();
    while (theirs === mine) theirs = await freeUdpPort();
    await d.ok('addif', BR, `dgram:${port}=${mine}@${theirs}`);
    // UDP has no carrier to lose: the port is up before QEMU runs
    expect(await carrier(port)).toBe(true);
    const again = await d.cli('addif', BR, `dgram:${lab.name('u2')}=${mine}@${theirs}`);
    expect(again.stderr).toContain(`cannot open UDP socket 127.0.0.1:${mine}`);
    expect(again.stderr).toContain('address in use');
    expect(await carrier(lab.name('u2'))).toBeUndefined();
    const g = boot('c', mac, `dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=${theirs},remote.type=inet,remote.host=127.0.0.1,remote.port=${mine}`);
    await checkGuest(g, mac, port);
    await stopGuest(g);
    await d.ok('delif', BR, port);
    process.stderr.write(`qemu.test.ts: (c) dgram guest leased in ${Date.now() - t0} ms\n`);
  });

  it('(d) legacy -netdev socket: connect= to a stream:tcp: port and udp= to a dgram: port, two guests at once', async () => {
    const t0 = Date.now();
    const [macT, macU] = [macFor(4), macFor(5)];
    const [portT, portU] = [lab.name('t'), lab.name('v')];
    const tcp = await freeTcpPort();
    const mine = await freeUdpPort();
    let theirs = await freeUdpPort();
    while (theirs === mine) theirs = await freeUdpPort();
    await d.ok('addif', BR, `stream:${portT}=tcp:127.0.0.1:${tcp}`, `dgram:${portU}=${mine}@${theirs}`);
    const gT = boot('dt', macT, `socket,id=n0,connect=127.0.0.1:${tcp}`);
    const gU = boot('du', macU, `socket,id=n0,udp=127.0.0.1:${mine},localaddr=127.0.0.1:${theirs}`);
    await Promise.all([leaseFor(gT, macT), leaseFor(gU, macU)]);
    await checkGuest(gT, macT, portT);
    await checkGuest(gU, macU, portU);
    await Promise.all([stopGuest(gT), stopGuest(gU)]);
    await d.ok('delif', BR, portT, portU);
    process.stderr.write(`qemu.test.ts: (d) legacy socket guests leased in ${Date.now() - t0} ms\n`);
  });
  it('(e) -netdev stream,server=on: softbr connects, reconnects when QEMU is killed and restarted, and after softbr restarts', async () => {
    const t0 = Date.now();
    const mac = macFor(6);
    const port = lab.name('c');
    const path = join(dir, 'guest-e.sock');
    // the port comes first: nothing listens yet, so it is down and retrying
    await d.ok('addif', BR, `stream:${port}=connect:${path}`);
    expect(await carrier(port)).toBe(false);
    const netdev = `stream,id=n0,server=on,addr.type=unix,addr.path=${path}`;
    const g1 = boot('e1', mac, netdev);
    await checkGuest(g1, mac, port);
    const acks = () => (dnsLog().match(new RegExp(`DHCPACK\\(eth0\\) [0-9.]+ ${mac}`, 'g')) ?? []).length;
    const before = acks();
    // QEMU dies without a word; the port goes down
    g1.proc.kill('SIGKILL');
    await new Promise((r) => g1.proc.once('exit', r));
    const deadline = Date.now() + 5000;
    while ((await carrier(port)) !== false) {
      if (Date.now() > deadline) throw new Error(`port still up after QEMU was killed: ${JSON.stringify(await ports())}`);
      await sleep(50);
    }
    // the same guest again: softbr finds it by itself, and the guest gets its lease again
    const g2 = boot('e2', mac, netdev);
    const until = Date.now() + 45_000;
    while (acks() === before) {
      if (g2.proc.exitCode !== null) throw new Error(`QEMU exited ${g2.proc.exitCode}\n${diag(g2)}`);
      if (Date.now() > until) throw new Error(`no second lease for ${mac}\n${diag(g2)}`);
      await sleep(100);
    }
    expect(await carrier(port)).toBe(true);
    expect(d.log.split(`${port}: connected to the guest at ${path}`).length - 1).toBe(2);
    // softbr restarts (a daemon from a config, twice): each finds the still-running guest by itself
    await d.ok('delif', BR, port);
    const config = `bridges:\n  ${P}r:\n    local: false\n    ports:\n      - stream:${port}=connect:${path}\n`;
    for (const tag of ['r1', 'r2']) {
      const d2 = new SoftbrDaemon(`${P}${tag}`);
      try {
        await d2.start({ config });
        const up = async () => (JSON.parse(await d2.ok('link', 'show', '--json')) as LinkRow[]).find((l) => l.ifname === port)?.flags.includes('LOWER_UP') === true;
        const end = Date.now() + 10_000;
        while (!(await up())) {
          if (Date.now() > end) throw new Error(`restarted softbr did not reconnect: ${d2.log}`);
          await sleep(50);
        }
        expect(d2.log).toContain(`${port}: connected to the guest at ${path}`);
      } finally {
        expect(await d2.stop()).toBe(0);
      }
    }
    expect(g2.proc.exitCode).toBeNull();
    await stopGuest(g2);
    process.stderr.write(`qemu.test.ts: (e) server-mode guest leased, killed, restarted and leased again, softbr restarted twice, in ${Date.now() - t0} ms\n`);
  });
  it('(f) a TAP attached by name stays a port when QEMU exits, and is attached again when QEMU restarts', async () => {
    const t0 = Date.now();
    const mac = macFor(7);
    const netdev = `tap,id=n0,ifname=${qemuTap},script=no,downscript=no`;
    /** Waits for QEMU to create the TAP and brings it up, as libvirt or a qemu-ifup script does. */
    const tapUp = async (g: Guest) => {
      const deadline = Date.now() + 10_000;
      while (!existsSync(`/sys/class/net/${qemuTap}`)) {
        if (g.proc.exitCode !== null) throw new Error(`QEMU exited ${g.proc.exitCode}: ${g.out}`);
        if (Date.now() > deadline) throw new Error(`QEMU did not create ${qemuTap}: ${g.out}`);
        await sleep(20);
      }
      await sh('sysctl', ['-q', '-w', `net.ipv6.conf.${qemuTap}.disable_ipv6=1`], { allowFail: true });
      await sh('ip', ['link', 'set', qemuTap, 'up']);
    };
    const g1 = boot('f1', mac, netdev);
    await tapUp(g1);
    await d.ok('addif', BR, qemuTap);
    await checkGuest(g1, mac, qemuTap);
    const acks = () => (dnsLog().match(new RegExp(`DHCPACK\\(eth0\\) [0-9.]+ ${mac}`, 'g')) ?? []).length;
    const before = acks();
    g1.proc.kill('SIGKILL');
    await new Promise((r) => g1.proc.once('exit', r));
    // the TAP went with QEMU; the port stays, down, with the reason in the log
    const deadline = Date.now() + 5000;
    while (!d.log.includes(`${qemuTap}: device ${qemuTap} was deleted; it is attached again when a device of that name appears`)) {
      if (Date.now() > deadline) throw new Error(`no re-attach notice: ${d.log.slice(-800)}`);
      await sleep(50);
    }
    expect(existsSync(`/sys/class/net/${qemuTap}`)).toBe(false);
    expect(await carrier(qemuTap)).toBe(false);
    // the next QEMU creates a TAP of the same name: softbr attaches it with no command
    const g2 = boot('f2', mac, netdev);
    await tapUp(g2);
    const until = Date.now() + 45_000;
    while (acks() === before) {
      if (g2.proc.exitCode !== null) throw new Error(`QEMU exited ${g2.proc.exitCode}\n${diag(g2)}`);
      if (Date.now() > until) throw new Error(`no second lease for ${mac}\n${diag(g2)}`);
      await sleep(100);
    }
    expect(d.log).toContain(`${qemuTap}: device is back: attached again`);
    expect(await carrier(qemuTap)).toBe(true);
    await stopGuest(g2);
    await d.ok('delif', BR, qemuTap);
    process.stderr.write(`qemu.test.ts: (f) TAP guest leased, killed, restarted and leased again in ${Date.now() - t0} ms\n`);
  });
});
