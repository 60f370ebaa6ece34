// End-to-end: a Linux guest (scripts/build-guest.sh: Debian kernel, virtio_net, busybox) whose
// NIC is a vhost-user port of softbr. Its RAM is a shared memfd; its init runs udhcpc on every
// NIC, so the lease comes from dnsmasq on a TAP host behind softbr, and then the guest pings that
// host. Both roles: softbr listens (`vhost-user:`), and QEMU listens while softbr connects
// (`vhost-user-client:`), with softbr restarted under the running guest: it reconnects, QEMU
// renegotiates and the guest's ping goes through the new softbr without a reboot.
// The same guest has a second NIC on QEMU's tap netdev, which softbr attaches by name (the
// libvirt way): pinging a TAP host through each NIC in the same run compares the vhost-user path
// with the TAP path on like terms (one guest, one emulator, the same kind of host behind softbr).
// With checksum and TSO offloads negotiated, TCP between the guest and the TAP host crosses
// softbr both ways as 64 KiB super-frames, carried whole: the device counters on both ends show
// more than a wire frame's bytes per packet, and the data arrives intact.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoftbrDaemon } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot, hasCommand } from '../../src/lab/host.js';
import { guestImage, vmAccel } from '../../src/lab/builder/vm.js';
import { GuestConsole } from '../../src/lab/builder/guest-console.js';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.js';
import { endProcess } from '../helpers/process.js';

const QEMU = 'qemu-system-x86_64';

const missing = !isRoot() ? 'not root'
  : !hasCommand(QEMU) ? `${QEMU} is not installed (apt-get install qemu-system-x86; scripts/setup.sh does)`
  : !hasCommand('dnsmasq') ? 'dnsmasq is not installed'
  : !hasCommand('apt-get') ? 'apt-get is needed to build the guest image (scripts/build-guest.sh)'
  : '';
if (missing) process.stderr.write(`vhost-linux-guest.test.ts: skipped: ${missing}\n`);

const lab = new Lab('wl');
const P = lab.prefix;
const BR = `${P}v`;
const BR_TAP = `${P}t`;
/** The vhost-user bridge's subnet and the TAP-netdev bridge's. */
const NET = '10.213.0';
const NET_TAP = '10.213.1';
const macFor = (i: number) => `52:54:00:6c:${(process.pid % 256).toString(16).padStart(2, '0')}:0${i}`;
/**
 * QEMU 7.2 under TCG segfaults in vhost_net_start (in msix_set_vector_notifiers, while it sets up
 * the guest notifiers, before any message to the back-end: DPDK's vhost back-end crashes it the
 * same way) once a Linux driver starts a vhost-user NIC with MSI-X. vectors=0 gives the NIC a
 * legacy interrupt instead (iPXE uses none, which is why vhost-qemu.test.ts never met this).
 */
const NO_MSIX = 'vectors=0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Guest { proc: ChildProcess; console: GuestConsole | undefined; out: string; name: string }
interface Host { ns: string; tap: string; ip: string; dhcp: Dnsmasq }
interface Rtt { min: number; avg: number; max: number; sent: number; received: number }
interface NetStats { txPackets: number; txBytes: number; rxPackets: number; rxBytes: number }

/** The four counters of a NIC, from `cat` of its statistics files in that order. */
function parseStats(out: string): NetStats {
  const n = out.trim().split(/\s+/).map(Number);
  if (n.length !== 4 || n.some((x) => !Number.isFinite(x))) throw new Error(`not four counters: ${out}`);
  return { txPackets: n[0]!, txBytes: n[1]!, rxPackets: n[2]!, rxBytes: n[3]! };
}
const STATS_FILES = ['tx_packets', 'tx_bytes', 'rx_packets', 'rx_bytes'].map((f) => `/sys/class/net/eth0/statistics/${f}`);
/** Bytes per packet between two readings: above a wire frame's 1514 only when super-frames passed. */
const perPacket = (bytes: number, packets: number) => (packets > 0 ? bytes / packets : 0);

/**
 * A one-shot TCP peer for the TAP host: `get URL` fetches URL (from the guest's busybox httpd,
 * which sends files with sendfile(), so its TCP fills 64 KiB super-frames) and prints the length
 * and md5 of what came; `send HOST PORT N` connects (retrying while the guest's listener starts),
 * sends N random bytes, waits for the peer to close and prints their md5.
 */
const TCP_PEER = [
  'import hashlib, os, socket, sys, time, urllib.request',
  'mode = sys.argv[1]',
  'h = hashlib.md5()',
  "if mode == 'get':",
  '    data = urllib.request.urlopen(sys.argv[2], timeout=120).read(); h.update(data); got = len(data)',
  'else:',
  '    n = int(sys.argv[4]); data = os.urandom(n); h.update(data); got = n',
  '    for i in range(100):',
  '        try:',
  '            c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=5); break',
  '        except OSError:',
  '            time.sleep(0.2)',
  '    c.settimeout(120); c.sendall(data); c.shutdown(socket.SHUT_WR)',
  '    while c.recv(65536): pass',
  "print(got, h.hexdigest(), flush=True)",
].join('\n');

/** busybox ping's summary: "N packets transmitted, M packets received" and "min/avg/max = a/b/c ms". */
function parsePing(out: string): Rtt {
  const n = /(\d+) packets transmitted, (\d+) packets received/.exec(out);
  const r = /min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(out);
  if (!n || !r) throw new Error(`no ping summary in: ${out}`);
  return { sent: Number(n[1]), received: Number(n[2]), min: Number(r[1]), avg: Number(r[2]), max: Number(r[3]) };
}

describe.skipIf(missing !== '')(`a Linux guest on vhost-user ports${missing ? ` — skipped: ${missing}` : ''}`, () => {
  let d = new SoftbrDaemon(`${P}a`);
  let dir = '';
  let image = { kernel: '', initrd: '' };
  const guests: Guest[] = [];
  let host: Host;
  let tapHost: Host;

  /** A TAP host: a softbr TAP port moved into its own namespace, addressed, serving DHCP. */
  const bridgeConfig = (bridge: string, ports: string[]) =>
    `  ${bridge}:\n    local: false\n    ports:\n${ports.map((p) => `      - ${p}\n`).join('')}`;

  /** Moves the TAP that softbr made into the host's namespace and serves DHCP there. */
  async function plugHost(h: { ns: string; tap: string; ip: string }, net: string): Promise<Dnsmasq> {
    await lab.plug(h.tap, h.ns, { rename: 'eth0', cidr: `${h.ip}/24` });
    await lab.exec(h.ns, 'ip', ['link', 'set', 'lo', 'up']);
    return startDnsmasq(lab, h.ns, net, mkdtempSync(join(dir, 'dhcp-')));
  }

  beforeAll(async () => {
    image = await guestImage(() => undefined);
    dir = mkdtempSync(join(tmpdir(), `${P}-`));
    const a = { ns: await lab.addNamespace('ah'), tap: lab.name('at'), ip: `${NET}.1` };
    const b = { ns: await lab.addNamespace('bh'), tap: lab.name('bt'), ip: `${NET_TAP}.1` };
    await d.start({ config: `bridges:\n${bridgeConfig(BR, [`tap:${a.tap}`])}${bridgeConfig(BR_TAP, [`tap:${b.tap}`])}` });
    host = { ...a, dhcp: await plugHost(a, NET) };
    tapHost = { ...b, dhcp: await plugHost(b, NET_TAP) };
  }, 120_000);

  afterAll(async () => {
    for (const g of guests) { g.console?.close(); await endProcess(g.proc); }
    const code = await d.stop();
    await lab.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const diag = (g: Guest) =>
    `qemu: ${g.out}\ndnsmasq: ${host.dhcp.log.slice(-1500)}\nsoftbr: ${d.log.slice(-2500)}`;

  /**
   * Boots the guest: eth0 on vhost-user socket `sock` (QEMU connects, or listens when
   * qemuListens), and with `tapNic` an eth1 on QEMU's tap netdev of that name.
   */
  async function boot(name: string, sock: string, qemuListens: boolean, tapNic?: string): Promise<Guest> {
    const consolePath = join(dir, `${name}.console`);
    const args = [
      '-name', `${P}${name}`, '-accel', vmAccel(), '-m', '256', '-smp', '1',
      '-nodefaults', '-no-user-config', '-display', 'none',
      '-object', 'memory-backend-memfd,id=mem,size=256M,share=on', '-numa', 'node,memdev=mem',
      '-kernel', image.kernel, '-initrd', image.initrd, '-append', `console=ttyS0 quiet softbr.host=${name}`,
      '-serial', `unix:${consolePath},server=on,wait=off`,
      '-chardev', `socket,id=c0,path=${sock}${qemuListens ? ',server=on,wait=off' : ''}`,
      '-netdev', 'vhost-user,id=n0,chardev=c0', '-device', `virtio-net-pci,netdev=n0,mac=${macFor(1)},addr=0x3,${NO_MSIX}`,
    ];
    if (tapNic !== undefined) {
      lab.trackLink(tapNic);
      args.push('-netdev', `tap,id=n1,ifname=${tapNic},script=no,downscript=no`,
        '-device', `virtio-net-pci,netdev=n1,mac=${macFor(2)},addr=0x4,${NO_MSIX}`);
    }
    const proc = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const g: Guest = { proc, console: undefined, out: '', name };
    proc.stdout!.on('data', (x) => { g.out += x; });
    proc.stderr!.on('data', (x) => { g.out += x; });
    guests.push(g);
    g.console = await GuestConsole.connect(consolePath, 20_000);
    return g;
  }

  async function stopGuest(g: Guest): Promise<void> {
    g.console?.close();
    await endProcess(g.proc);
  }

  /** Waits for the guest's init to report its NICs leased; returns the boot's console text. */
  async function ready(g: Guest): Promise<string> {
    try {
      return await g.console!.ready(180_000);
    } catch (e) {
      await sleep(200); // QEMU's last words
      throw new Error(`${(e as Error).message}\n${diag(g)}`);
    }
  }

  async function run(g: Guest, line: string, ms = 60_000): Promise<{ code: number; output: string }> {
    if (g.proc.exitCode !== null) throw new Error(`QEMU exited ${g.proc.exitCode}\n${diag(g)}`);
    return g.console!.run(line, ms);
  }

  /** The guest's IPv4 address on dev, or undefined. */
  async function addrOf(g: Guest, dev: string): Promise<string | undefined> {
    return /inet (\d+\.\d+\.\d+\.\d+)\//.exec((await run(g, `ip -4 -o addr show dev ${dev}`)).output)?.[1];
  }

  /** The guest's address on dev, which must be in net; fails with what the guest and softbr say. */
  async function leased(g: Guest, dev: string, net: string): Promise<string> {
    const ip = await addrOf(g, dev);
    if (ip !== undefined && ip.startsWith(`${net}.`)) return ip;
    const inside = (await run(g, 'ip addr; cat /run/leases; dmesg | tail -n 20')).output;
    throw new Error(`${dev}: no lease in ${net}.0/24 (address ${ip})\nguest: ${inside}\n${diag(g)}`);
  }

  async function learnedOn(bridge: string, mac: string, port: string): Promise<void> {
    const macs = JSON.parse(await d.ok('showmacs', bridge, '--json')) as { portNo: number; mac: string }[];
    const links = JSON.parse(await d.ok('link', 'show', '--json')) as { ifname: string; ifindex: number }[];
    const row = macs.find((m) => m.mac === mac);
    expect(row, `${mac} in showmacs ${bridge}`).toBeDefined();
    expect(row!.portNo).toBe(links.find((l) => l.ifname === port)!.ifindex);
  }

  async function waitFor(what: string, ok: () => boolean, ms: number, g: Guest): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (g.proc.exitCode !== null) throw new Error(`QEMU exited ${g.proc.exitCode} waiting for ${what}\n${diag(g)}`);
      if (Date.now() > deadline) throw new Error(`${what}: not after ${ms} ms\n${diag(g)}`);
      await sleep(100);
    }
  }

  it('(a) vhost-user: the guest leases from the TAP host through softbr and pings it; vhost-user and TAP latency side by side', async () => {
    const t0 = Date.now();
    const port = lab.name('a');
    const sock = join(dir, 'a.sock');
    const qtap = lab.name('q');
    await d.ok('addif', BR, `vhost-user:${port}=${sock}`);
    const g = await boot('a', sock, false, qtap);
    // QEMU made its TAP at start-up: softbr attaches it by name, as libvirt's vnet0
    await waitFor(`QEMU's TAP ${qtap}`, () => existsSync(`/sys/class/net/${qtap}`), 20_000, g);
    // QEMU leaves a TAP it made (script=no) down, as libvirt's vnet0 before it brings it up
    await lab.ip('link', 'set', qtap, 'up');
    await d.ok('addif', BR_TAP, qtap);
    const booted = await ready(g);
    process.stderr.write(`vhost-linux-guest.test.ts: (a) guest booted and leased in ${Date.now() - t0} ms\n`);
    expect(booted).not.toMatch(/Kernel panic/);
    const ip = await leased(g, 'eth0', NET);
    expect(Number(ip.split('.')[3])).toBeGreaterThanOrEqual(100);
    expect(host.dhcp.log).toMatch(new RegExp(`DHCPACK\\(eth0\\) ${ip.replace(/\./g, '\\.')} ${macFor(1)}`));
    await leased(g, 'eth1', NET_TAP);
    // the guest's driver is virtio_net and it negotiated with softbr, not with QEMU's own backend
    expect((await run(g, 'readlink /sys/class/net/eth0/device/driver')).output).toMatch(/virtio_net/);
    expect(d.log).toMatch(new RegExp(`${port}: guest queues running \\(queue size 256/256\\): port up`));
    await learnedOn(BR, macFor(1), port);
    const ping = (to: string, n: number) => run(g, `ping -c ${n} -i 0.2 -W 2 ${to}`);
    const first = await ping(host.ip, 3);
    expect(first.code, first.output).toBe(0);
    // the host answers through softbr both ways
    const back = await lab.exec(host.ns, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', ip], { allowFail: true });
    expect(back.code, back.stdout + back.stderr).toBe(0);
    // latency: interleaved rounds through each NIC, so that load on the shared machine falls on both
    const v: Rtt[] = [];
    const t: Rtt[] = [];
    for (let round = 0; round < 3; round++) {
      v.push(parsePing((await ping(host.ip, 20)).output));
      t.push(parsePing((await ping(tapHost.ip, 20)).output));
    }
    for (const r of [...v, ...t]) expect(r.received).toBe(r.sent);
    const avg = (rs: Rtt[]) => rs.reduce((s, r) => s + r.avg, 0) / rs.length;
    const min = (rs: Rtt[]) => Math.min(...rs.map((r) => r.min));
    process.stderr.write(`vhost-linux-guest.test.ts: guest->TAP host ping RTT (ms, 3x20 each, ${vmAccel()}): `
      + `vhost-user avg ${avg(v).toFixed(3)} min ${min(v).toFixed(3)}; QEMU tap netdev attached by name avg ${avg(t).toFixed(3)} min ${min(t).toFixed(3)}; `
      + `ratio tap/vhost ${(avg(t) / avg(v)).toFixed(2)}\n`);
    await stopGuest(g);
    await d.ok('delif', BR, port);
    await d.ok('delif', BR_TAP, qtap);
  }, 300_000);

  it('(c) TSO: TCP between the guest and the TAP host crosses softbr as whole super-frames both ways, intact', async () => {
    const port = lab.name('c');
    const sock = join(dir, 'c.sock');
    await d.ok('addif', BR, `vhost-user:${port}=${sock}`);
    const g = await boot('c', sock, false);
    await ready(g);
    const ip = await leased(g, 'eth0', NET);
    // what the guest negotiated, as softbr logs it, and as the guest's virtio device shows it
    const feat = new RegExp(`${port}: features (0x[0-9a-f]+) \\(([^)]*)\\)`).exec(d.log);
    expect(feat, d.log).not.toBeNull();
    process.stderr.write(`vhost-linux-guest.test.ts: (c) the guest negotiated ${feat![1]} (${feat![2]})\n`);
    for (const f of ['csum', 'host tso4', 'host tso6', 'guest csum', 'guest tso4', 'guest tso6']) expect(feat![2]).toContain(f);
    // and the TAP host's NIC: the offloads softbr's TAP port set on it (TUNSETOFFLOAD)
    if (hasCommand('ethtool')) {
      const k = (await lab.exec(host.ns, 'ethtool', ['-k', 'eth0'])).stdout;
      const on = k.split('\n').filter((l) => /^\s*(tx-checksumming|tcp-segmentation-offload|tx-tcp-segmentation|tx-tcp6-segmentation|tx-tcp-ecn-segmentation): on/.test(l)).map((l) => l.trim().replace(': on', ''));
      process.stderr.write(`vhost-linux-guest.test.ts: (c) the TAP host's eth0 has on: ${on.join(', ')}\n`);
      expect(on).toContain('tcp-segmentation-offload');
    }
    const bits = (await run(g, 'cat /sys/class/net/eth0/device/features')).output.trim();
    // VIRTIO_NET_F_CSUM 0, GUEST_CSUM 1, GUEST_TSO4 7, HOST_TSO4 11, MRG_RXBUF 15
    for (const b of [0, 1, 7, 11, 15]) expect(bits[b], `feature bit ${b} of ${bits}`).toBe('1');
    const guestStats = async () => parseStats((await run(g, `cat ${STATS_FILES.join(' ')}`)).output);
    const hostStats = async () => parseStats((await lab.exec(host.ns, 'cat', STATS_FILES)).stdout);
    const N = 4 << 20;

    // guest -> TAP host: the host fetches a file from the guest's httpd
    const made = await run(g, `mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/up bs=65536 count=${N / 65536} 2>/dev/null && md5sum /tmp/www/up && httpd -p 5001 -h /tmp/www`);
    expect(made.code, made.output).toBe(0);
    const upSum = /^([0-9a-f]{32})/.exec(made.output.trim())?.[1];
    const [g0, h0] = [await guestStats(), await hostStats()];
    const fetched = await lab.exec(host.ns, 'python3', ['-c', TCP_PEER, 'get', `http://${ip}:5001/up`], { timeoutMs: 150_000 });
    const [g1, h1] = [await guestStats(), await hostStats()];
    expect(fetched.stdout.trim().split('\n').pop()).toBe(`${N} ${upSum}`);

    // TAP host -> guest
    const listen = await run(g, 'nc -l -p 5002 > /tmp/down 2>/dev/null &');
    expect(listen.code).toBe(0);
    const sent = await lab.exec(host.ns, 'python3', ['-c', TCP_PEER, 'send', ip, '5002', String(N)], { timeoutMs: 150_000 });
    const downSum = sent.stdout.trim().split('\n').pop();
    const got = await run(g, 'for i in $(seq 50); do pidof nc >/dev/null || break; sleep 0.2; done; echo "$(wc -c < /tmp/down) $(md5sum < /tmp/down | cut -d" " -f1)"');
    const [g2, h2] = [await guestStats(), await hostStats()];
    expect(got.output.trim()).toBe(downSum);

    const upGuest = perPacket(g1.txBytes - g0.txBytes, g1.txPackets - g0.txPackets);
    const upHost = perPacket(h1.rxBytes - h0.rxBytes, h1.rxPackets - h0.rxPackets);
    const downHost = perPacket(h2.txBytes - h1.txBytes, h2.txPackets - h1.txPackets);
    const downGuest = perPacket(g2.rxBytes - g1.rxBytes, g2.rxPackets - g1.rxPackets);
    process.stderr.write(`vhost-linux-guest.test.ts: (c) ${N} bytes each way, bytes per packet: guest->host: guest eth0 tx ${upGuest.toFixed(0)}, `
      + `TAP host eth0 rx ${upHost.toFixed(0)} (${h1.rxPackets - h0.rxPackets} packets); host->guest: TAP host eth0 tx ${downHost.toFixed(0)}, `
      + `guest eth0 rx ${downGuest.toFixed(0)} (${g2.rxPackets - g1.rxPackets} packets)\n`);
    // a device counts a super-frame as one packet: more than 1514 bytes each on the receiving
    // end means softbr handed them over whole rather than cut into wire frames
    expect(upGuest).toBeGreaterThan(1514);
    expect(upHost).toBeGreaterThan(1514);
    expect(downHost).toBeGreaterThan(1514);
    expect(downGuest).toBeGreaterThan(1514);
    await stopGuest(g);
    await d.ok('delif', BR, port);
  }, 300_000);

  it('(b) vhost-user-client: QEMU listens, softbr connects; softbr restarts under the running guest, which pings again without a reboot', async () => {
    const t0 = Date.now();
    const port = lab.name('b');
    const sock = join(dir, 'b.sock');
    await d.ok('addif', BR, `vhost-user-client:${port}=${sock}`);
    const g = await boot('b', sock, true);
    await ready(g);
    process.stderr.write(`vhost-linux-guest.test.ts: (b) guest booted and leased in ${Date.now() - t0} ms\n`);
    const ip = await leased(g, 'eth0', NET);
    expect(d.log).toMatch(new RegExp(`${port}: vhost-user front-end connected at ${sock}`));
    const ping = () => run(g, `ping -c 3 -i 0.2 -W 2 ${host.ip}`);
    expect((await ping()).code).toBe(0);
    await learnedOn(BR, macFor(1), port);

    // restart softbr; QEMU and the guest keep running. The TAP host's NIC goes with the old
    // daemon (its fd closes) and the new one makes it again; the lease is held already.
    const hostMac = await lab.macOf(host.ns, 'eth0');
    expect(await d.stop()).toBe(0);
    await lab.kill(host.dhcp.proc);
    const down = await run(g, `ping -c 1 -W 1 ${host.ip}`);
    expect(down.code).not.toBe(0);
    d = new SoftbrDaemon(`${P}b`);
    // the port comes from the config file this time, as after a reboot of the host
    await d.start({ config: `bridges:\n${bridgeConfig(BR, [`tap:${host.tap}`, `vhost-user-client:${port}=${sock}`])}` });
    await waitFor('the TAP host NIC', () => existsSync(`/sys/class/net/${host.tap}`), 10_000, g);
    // with the old NIC's MAC, which the guest's ARP cache holds
    await lab.plug(host.tap, host.ns, { rename: 'eth0', cidr: `${host.ip}/24`, mac: hostMac });
    await waitFor('softbr to renegotiate with QEMU', () => new RegExp(`${port}: guest queues running`).test(d.log), 20_000, g);
    expect(d.log).toMatch(new RegExp(`${port}: vhost-user front-end connected at ${sock}`));
    // the guest kept its lease and its driver: the rings resume where the old softbr left them
    const again = await ping();
    expect(again.code, `${again.output}\n${diag(g)}`).toBe(0);
    expect(await addrOf(g, 'eth0')).toBe(ip);
    await learnedOn(BR, macFor(1), port);
    const back = await lab.exec(host.ns, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', ip], { allowFail: true });
    expect(back.code, back.stdout + back.stderr).toBe(0);
    await stopGuest(g);
    process.stderr.write(`vhost-linux-guest.test.ts: (b) leased, restarted, pinged again in ${Date.now() - t0} ms\n`);
  }, 300_000);
});
