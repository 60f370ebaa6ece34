// End-to-end: QEMU guests on vhost-user ports. The guest's RAM is a shared memfd
// (memory-backend-memfd,share=on), its virtio-net queues live there, and softbr serves them
// through the vhost-user socket. The guest is the NIC's iPXE ROM (ipxe-qemu): booted with
// `-boot n`, it does DHCP; dnsmasq answers from a namespace behind a veth that softbr attaches by
// name. Both roles: softbr listens (`vhost-user:`) and QEMU connects; QEMU listens (server=on)
// and softbr connects (`vhost-user-client:`), including a restart of softbr under the running
// guest: softbr reconnects, QEMU renegotiates, and after a guest reset iPXE leases again through
// the new softbr.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
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
if (missing) process.stderr.write(`vhost-qemu.test.ts: skipped: ${missing}\n`);

const lab = new Lab('vq');
const P = lab.prefix;
const BR = `${P}br`;
const NET = '10.211.0';
const macFor = (i: number) => `52:54:00:6b:${(process.pid % 256).toString(16).padStart(2, '0')}:0${i}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Guest { proc: ChildProcess; serial: string; monitor: string; out: string }
interface LinkRow { ifname: string; ifindex: number; flags: string[] }

describe.skipIf(missing !== '')(`QEMU guests on vhost-user ports${missing ? ` — skipped: ${missing}` : ''}`, () => {
  let d = new SoftbrDaemon(`${P}a`);
  let dir = '';
  let dnsmasq: ChildProcess | undefined;
  let dhcp: Dnsmasq | undefined;
  const dnsLog = (): string => dhcp?.log ?? '';
  const guests: Guest[] = [];
  let veth = '';
  let config = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${P}-`));
    const ns = await lab.addNamespace('dh');
    const v = await lab.addVeth('h', 'g', { up: true });
    veth = v.a;
    await lab.plug(v.b, ns, { rename: 'eth0', cidr: `${NET}.1/24` });
    await lab.exec(ns, 'ip', ['link', 'set', 'lo', 'up']).catch(() => undefined);
    // the bridge comes from a config file, so a restarted daemon rebuilds it as it was
    config = `bridges:\n  ${BR}:\n    local: false\n    ports:\n      - ${veth}\n`;
    await d.start({ config });
    dhcp = await startDnsmasq(lab, ns, NET, dir);
    dnsmasq = dhcp.proc;
  });

  afterAll(async () => {
    for (const g of guests) await stopGuest(g);
    if (dnsmasq && dnsmasq.exitCode === null) await lab.kill(dnsmasq);
    const code = await d.stop();
    await lab.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const ports = async () => JSON.parse(await d.ok('link', 'show', '--json')) as LinkRow[];
  const carrier = async (port: string) => {
    const row = (await ports()).find((l) => l.ifname === port);
    return row === undefined ? undefined : !row.flags.includes('NO-CARRIER');
  };
  async function waitCarrier(port: string, want: boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while ((await carrier(port)) !== want) {
      if (Date.now() > deadline) throw new Error(`${port}: carrier still ${!want} after ${ms} ms\nsoftbr: ${d.log.slice(-1500)}`);
      await sleep(100);
    }
  }

  /** A diskless guest with shared-memory RAM whose virtio-net NIC is on vhost-user socket `sock`. */
  function boot(name: string, mac: string, sock: string, qemuListens: boolean): Guest {
    const serial = join(dir, `${name}.serial`);
    const monitor = join(dir, `${name}.mon`);
    const proc = spawn(QEMU, [
      '-accel', 'tcg', '-display', 'none', '-nodefaults', '-serial', `file:${serial}`,
      '-monitor', `unix:${monitor},server=on,wait=off`,
      '-object', 'memory-backend-memfd,id=mem,size=256M,share=on', '-numa', 'node,memdev=mem', '-m', '256',
      '-boot', 'n', '-name', `${P}${name}`,
      '-chardev', `socket,id=c0,path=${sock}${qemuListens ? ',server=on,wait=off' : ''}`,
      '-netdev', 'vhost-user,id=n0,chardev=c0', '-device', `virtio-net-pci,netdev=n0,mac=${mac}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const g: Guest = { proc, serial, monitor, out: '' };
    proc.stdout!.on('data', (x) => { g.out += x; });
    proc.stderr!.on('data', (x) => { g.out += x; });
    guests.push(g);
    return g;
  }

  async function stopGuest(g: Guest): Promise<void> {
    await endProcess(g.proc);
  }

  /** One human-monitor command (system_reset). */
  function monitor(g: Guest, cmd: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = connect(g.monitor);
      s.once('error', reject);
      s.on('data', () => undefined);
      s.once('connect', () => {
        s.write(`${cmd}\n`);
        setTimeout(() => { s.end(); resolve(); }, 300);
      });
    });
  }

  function diag(g: Guest): string {
    let serial = '';
    try { serial = readFileSync(g.serial, 'latin1').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''); } catch { /* none yet */ }
    return `qemu: ${g.out}\nserial: ${serial.slice(-1500)}\ndnsmasq: ${dnsLog().slice(-2000)}\nsoftbr: ${d.log.slice(-2500)}`;
  }

  /** Waits for the n-th DHCPACK to mac in dnsmasq's log (iPXE went through DHCP n times). */
  async function acked(g: Guest, mac: string, n: number, ms = 40_000): Promise<void> {
    const deadline = Date.now() + ms;
    const re = new RegExp(`DHCPACK\\(eth0\\) ${NET.replace(/\./g, '\\.')}\\.\\d+ ${mac}`, 'g');
    while ((dnsLog().match(re) ?? []).length < n) {
      if (g.proc.exitCode !== null) throw new Error(`QEMU exited ${g.proc.exitCode}\n${diag(g)}`);
      if (Date.now() > deadline) throw new Error(`no DHCPACK #${n} for ${mac} after ${ms} ms\n${diag(g)}`);
      await sleep(100);
    }
  }

  /** softbr learned the guest's MAC on `port`. */
  async function learnedOn(mac: string, port: string): Promise<void> {
    const macs = JSON.parse(await d.ok('showmacs', BR, '--json')) as { portNo: number; mac: string; isLocal: boolean }[];
    const link = (await ports()).find((l) => l.ifname === port);
    const row = macs.find((m) => m.mac === mac);
    expect(row, `${mac} in showmacs`).toBeDefined();
    expect(row!.portNo).toBe(link!.ifindex);
  }

  it('(a) vhost-user: softbr listens, QEMU connects; iPXE leases; the port goes down with QEMU', async () => {
    const t0 = Date.now();
    const mac = macFor(1);
    const port = lab.name('a');
    const sock = join(dir, 'a.sock');
    await d.ok('addif', BR, `vhost-user:${port}=${sock}`);
    expect(await carrier(port)).toBe(false);
    // a second port on the same socket fails cleanly and leaves the first one listening
    const again = await d.cli('addif', BR, `vhost-user:${lab.name('a2')}=${sock}`);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`cannot open vhost-user socket ${sock}`);
    expect(again.stderr).toContain('address in use');
    expect(await carrier(lab.name('a2'))).toBeUndefined();
    const g = boot('a', mac, sock, false);
    await acked(g, mac, 1);
    for (const step of ['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST']) expect(dnsLog()).toMatch(new RegExp(`${step}\\(eth0\\).* ${mac}`));
    await learnedOn(mac, port);
    expect(d.log).toMatch(new RegExp(`${port}: vhost-user front-end connected on ${sock}`));
    expect(d.log).toMatch(new RegExp(`${port}: guest queues running \\(queue size 256/256\\): port up`));
    // QEMU's memfd backend is sealed, so the guest cannot shrink memory softbr has mapped
    expect(d.log).toMatch(new RegExp(`${port}: memory table: \\d+ regions? \\(sealed against shrinking\\)`));
    await stopGuest(g);
    await waitCarrier(port, false);
    expect(d.log).toMatch(new RegExp(`${port}: front-end closed the connection`));
    await d.ok('delif', BR, port);
    expect(existsSync(sock)).toBe(false);
    process.stderr.write(`vhost-qemu.test.ts: (a) leased in ${Date.now() - t0} ms\n`);
  }, 60_000);

  it('(b) vhost-user-client: QEMU listens, softbr connects; softbr restarts under the guest and reconnects', async () => {
    const t0 = Date.now();
    const mac = macFor(2);
    const port = lab.name('b');
    const sock = join(dir, 'b.sock');
    // softbr first: it waits for QEMU's socket and connects once it appears
    await d.ok('addif', BR, `vhost-user-client:${port}=${sock}`);
    expect(await carrier(port)).toBe(false);
    const g = boot('b', mac, sock, true);
    await acked(g, mac, 1);
    await learnedOn(mac, port);
    expect(d.log).toMatch(new RegExp(`${port}: waiting for a vhost-user front-end to listen at ${sock}`));
    expect(d.log).toMatch(new RegExp(`${port}: vhost-user front-end connected at ${sock}`));
    // restart softbr with the port in its config; QEMU keeps running
    expect(await d.stop()).toBe(0);
    d = new SoftbrDaemon(`${P}b`);
    await d.start({ config: `${config}      - vhost-user-client:${port}=${sock}\n` });
    const deadline = Date.now() + 15_000;
    while (!/memory table: \d+ region/.test(d.log)) {
      if (Date.now() > deadline) throw new Error(`softbr did not renegotiate with QEMU\n${diag(g)}`);
      await sleep(100);
    }
    expect(d.log).toMatch(new RegExp(`${port}: vhost-user front-end connected at ${sock}`));
    // a reset guest boots iPXE again, which leases through the new softbr
    await monitor(g, 'system_reset');
    await acked(g, mac, 2);
    await waitCarrier(port, true);
    await learnedOn(mac, port);
    await stopGuest(g);
    await waitCarrier(port, false);
    process.stderr.write(`vhost-qemu.test.ts: (b) leased, restarted, leased again in ${Date.now() - t0} ms\n`);
  }, 120_000);
});
