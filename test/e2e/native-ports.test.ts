// TapPort and PacketPort against real kernel devices: hosts are network namespaces holding the
// kernel side of a TAP or one end of a veth; a trivial in-test forwarder (no bridge) joins two
// ports, and ping/iperf3 run between the namespaces. Root only; everything is removed in afterAll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { PortIO, RxSink } from '../../src/bridge/port-io.js';
import { addonPath, nativeAvailable } from '../../src/native/index.js';
import { PacketPort } from '../../src/ports/packet.js';
import { TapPort } from '../../src/ports/tap.js';
import { formatMac, parseMac } from '../../src/frame/mac.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { SystemClock } from '../../src/bridge/clock.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { parseExposition } from '../helpers/prom.js';
import { Lab, sweepStale } from '../../src/lab/netns.js';
import { sh } from '../../src/lab/sh.js';
import { canUseNetns, linkExists, listLinks, listNamespaces } from '../../src/lab/host.js';
import { until } from '../helpers/wait.js';

/** How long a closed TAP may take to disappear (see the lifecycle test). */
const LINK_GONE_MS = 2000;

const why = !canUseNetns()
  ? 'needs root, /dev/net/tun and iproute2'
  : !nativeAvailable()
    ? 'native addon not built (npm install)'
    : '';
if (why) console.warn(`native-ports e2e SKIPPED: ${why}`);

/** Joins two ports: whatever one receives is sent out of the other, flushed once per batch. */
function wire(a: PortIO, b: PortIO, events: string[]): void {
  const fwd = (from: PortIO, to: PortIO): RxSink => ({
    receiveBatch(buf, offs, lens, count) {
      for (let i = 0; i < count; i++) to.send(buf, offs[i]!, lens[i]!);
      to.flush();
    },
    linkDown(reason) {
      events.push(`${from.name} down: ${reason}`);
    },
  });
  a.start(fwd(a, b));
  b.start(fwd(b, a));
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

async function linkMac(sb: Lab, ns: string, dev: string): Promise<string> {
  const j = JSON.parse(await sb.ip('-n', ns, '-j', 'link', 'show', dev)) as { address: string }[];
  return j[0]!.address;
}

describe.skipIf(why !== '')('native ports on real devices (root)', () => {
  const sandboxes: Lab[] = [];
  const ports: PortIO[] = [];
  /** One lab per test, tags na, nb, …: its names tell which test left them. */
  const sandbox = (): Lab => {
    const s = new Lab(`n${String.fromCharCode(97 + sandboxes.length)}`);
    sandboxes.push(s);
    return s;
  };
  const keep = <P extends PortIO>(p: P): P => {
    ports.push(p);
    return p;
  };

  beforeAll(async () => {
    await sweepStale();
  });

  afterAll(async () => {
    for (const p of ports) {
      try {
        p.close();
      } catch {
        // keep cleaning
      }
    }
    const problems: string[] = [];
    for (const s of sandboxes) problems.push(...(await s.cleanup()));
    const left = (await Promise.all(sandboxes.map((s) => s.leftovers()))).flatMap((l) => [...l.namespaces, ...l.links]);
    expect(problems).toEqual([]);
    expect(left).toEqual([]);
  });

  it('TAP <-> TAP: ping between two namespaces through the forwarder, then a namespace is deleted', async () => {
    const sb = sandbox();
    const h1 = await sb.addNamespace('h1', { ipv6: true });
    const h2 = await sb.addNamespace('h2', { ipv6: true });
    const ta = keep(TapPort.open({ name: sb.name('ta') }));
    const tb = keep(TapPort.open({ name: sb.name('tb'), mac: '02:5b:00:00:00:02', mtu: 1400 }));
    expect(ta.kind).toBe('tap');
    expect(ta.created).toBe(true);
    expect(ta.speedMbps).toBe(10000);
    expect(tb.mtu).toBe(1400);
    expect(formatMac(tb.mac)).toBe('02:5b:00:00:00:02');
    await sb.moveLink(ta.name, h1);
    await sb.moveLink(tb.name, h2);
    // The kernel side moved away; the ports keep working through their fds.
    expect(await linkMac(sb, h1, ta.name)).toBe(formatMac(ta.mac));
    expect(await linkMac(sb, h2, tb.name)).toBe('02:5b:00:00:00:02');
    await sb.addrUp(h1, ta.name, '10.199.1.1/24');
    await sb.ip('-n', h1, 'link', 'set', ta.name, 'mtu', '1400');
    await sb.addrUp(h2, tb.name, '10.199.1.2/24');
    const events: string[] = [];
    wire(ta, tb, events);

    const ping = await sb.exec(h1, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '10.199.1.2'], { allowFail: true });
    expect(ping.stdout).toMatch(/3 received/);
    expect(ping.code).toBe(0);
    expect(ta.stats().rx.frames).toBeGreaterThanOrEqual(3);

    // TCP through the forwarder: a short iperf3 run (figures are in scripts/measure-native.sh).
    const server = sb.spawn(h2, 'iperf3', ['-s', '-1', '-B', '10.199.1.2']);
    await new Promise((r) => setTimeout(r, 300));
    const client = await sb.exec(h1, 'iperf3', ['-c', '10.199.1.2', '-t', '1', '-J'], { allowFail: true, timeoutMs: 20_000 });
    await sb.kill(server);
    expect(client.code).toBe(0);
    const bps = (JSON.parse(client.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received
      .bits_per_second;
    console.log(`iperf3 TCP TAP->TAP through the in-test forwarder: ${(bps / 1e6).toFixed(0)} Mbit/s`);
    expect(bps).toBeGreaterThan(1e6);

    // Delete h2 while a fast ping runs: tb reports linkDown exactly once; ta is unaffected.
    const flood = sb.spawn(h1, 'ping', ['-i', '0.002', '-W', '1', '10.199.1.2']);
    await new Promise((r) => setTimeout(r, 300));
    await sb.deleteNamespace(h2);
    expect(await waitFor(() => events.length > 0, 3000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // more frames for tb arrive and are refused
    await sb.kill(flood);
    expect(events).toEqual([`${tb.name} down: tap ${tb.name}: EBADFD`]);
    expect(tb.downReason).toBe('EBADFD');
    expect(ta.downReason).toBeNull();
    expect(tb.send(new Uint8Array(60), 0, 60)).toBe(false);
    tb.close();
    ta.close();
    expect(await listNamespaces()).not.toContain(h2);
  });

  it('AF_PACKET on a veth <-> TAP: ping, TCP v4/v6 from a peer with offloads on, VLAN tags kept', async () => {
    const sb = sandbox();
    const h3 = await sb.addNamespace('h3', { ipv6: true });
    const h4 = await sb.addNamespace('h4', { ipv6: true });
    const { a: v0, b: v1 } = await sb.addVeth('v0', 'v1', { nsB: h3, up: true });
    // The peer keeps its default offloads: TSO super-frames and partial checksums reach the
    // AF_PACKET socket, and the addon segments/completes them.
    await sb.ip('link', 'set', v0, 'up');
    const pp = keep(PacketPort.open({ name: v0 }));
    expect(pp.kind).toBe('packet');
    expect(pp.mtu).toBe(1500);
    expect(formatMac(pp.mac)).toBe(JSON.parse(await sb.ip('-j', 'link', 'show', v0))[0].address);
    expect(Array.isArray(pp.offloadChanges)).toBe(true);
    const tc = keep(TapPort.open({ name: sb.name('tc') }));
    await sb.moveLink(tc.name, h4);
    await sb.addrUp(h3, v1, '10.199.2.1/24');
    await sb.addrUp(h4, tc.name, '10.199.2.2/24');
    const events: string[] = [];
    // Also record the tagged test frame as it crosses.
    const seenTags: number[] = [];
    pp.start({
      receiveBatch(buf, offs, lens, count) {
        for (let i = 0; i < count; i++) {
          const o = offs[i]!;
          if (buf[o + 12] === 0x81 && buf[o + 13] === 0x00) seenTags.push(((buf[o + 14]! << 8) | buf[o + 15]!) & 0xfff);
          tc.send(buf, o, lens[i]!);
        }
        tc.flush();
      },
      linkDown(reason) {
        events.push(`${pp.name} down: ${reason}`);
      },
      linkUp() {
        events.push(`${pp.name} up`);
      },
    });
    tc.start({
      receiveBatch(buf, offs, lens, count) {
        for (let i = 0; i < count; i++) pp.send(buf, offs[i]!, lens[i]!);
        pp.flush();
      },
      linkDown(reason) {
        events.push(`${tc.name} down: ${reason}`);
      },
    });

    const ping = await sb.exec(h3, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '10.199.2.2'], { allowFail: true });
    expect(ping.stdout).toMatch(/3 received/);

    const server = sb.spawn(h4, 'iperf3', ['-s', '-1', '-B', '10.199.2.2']);
    await new Promise((r) => setTimeout(r, 300));
    const client = await sb.exec(h3, 'iperf3', ['-c', '10.199.2.2', '-t', '1', '-J'], { allowFail: true, timeoutMs: 20_000 });
    await sb.kill(server);
    expect(client.code).toBe(0);
    const bps = (JSON.parse(client.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received
      .bits_per_second;
    console.log(`iperf3 TCP veth(AF_PACKET)->TAP through the in-test forwarder: ${(bps / 1e6).toFixed(0)} Mbit/s`);
    expect(bps).toBeGreaterThan(1e6);
    expect(pp.stats().rx.gsoSegmented).toBeGreaterThan(0);
    expect(pp.stats().rx.gso).toBe(0);

    // The same over IPv6 (TCPv6 segmentation).
    await sb.ip('-n', h3, 'addr', 'add', 'fd00:199:2::1/64', 'dev', v1, 'nodad');
    await sb.ip('-n', h4, 'addr', 'add', 'fd00:199:2::2/64', 'dev', tc.name, 'nodad');
    const seg4 = pp.stats().rx.gsoSegmented;
    const server6 = sb.spawn(h4, 'iperf3', ['-s', '-1', '-B', 'fd00:199:2::2']);
    await new Promise((r) => setTimeout(r, 300));
    const client6 = await sb.exec(h3, 'iperf3', ['-c', 'fd00:199:2::2', '-t', '1', '-J'], { allowFail: true, timeoutMs: 20_000 });
    await sb.kill(server6);
    expect(client6.code).toBe(0);
    const end6 = (JSON.parse(client6.stdout) as { end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits: number } } }).end;
    console.log(`iperf3 TCPv6 veth(AF_PACKET)->TAP: ${(end6.sum_received.bits_per_second / 1e6).toFixed(0)} Mbit/s, ${end6.sum_sent.retransmits} retransmits; rx stats ${JSON.stringify(pp.stats().rx)}`);
    expect(end6.sum_received.bits_per_second).toBeGreaterThan(1e6);
    expect(pp.stats().rx.gsoSegmented).toBeGreaterThan(seg4);

    // Small TCP segments from the peer carry partial checksums that we complete.
    const server2 = sb.spawn(h4, 'iperf3', ['-s', '-1', '-B', '10.199.2.2']);
    await new Promise((r) => setTimeout(r, 300));
    const client2 = await sb.exec(h3, 'iperf3', ['-c', '10.199.2.2', '-t', '1', '-l', '200', '-N'], { allowFail: true, timeoutMs: 20_000 });
    await sb.kill(server2);
    expect(client2.code).toBe(0);
    expect(pp.stats().rx.csumFixed).toBeGreaterThan(0);

    // A VLAN 42 tagged frame sent in h3: AF_PACKET moves the tag to metadata; the port puts it back.
    const py = [
      'import socket',
      `s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("${v1}", 0))`,
      "s.send(bytes.fromhex('ffffffffffff02aabbccddee' + '8100002a' + '88b5') + bytes(50))",
    ].join('\n');
    await sb.exec(h3, 'python3', ['-c', py]);
    expect(await waitFor(() => seenTags.includes(42), 2000)).toBe(true);
    expect(pp.stats().rx.vlanRestored).toBeGreaterThan(0);

    // Our end going down and up again, as the kernel bridge sees it: linkDown, then linkUp,
    // and traffic resumes on the same socket.
    expect(events).toEqual([]);
    await sb.ip('link', 'set', v0, 'down');
    expect(await waitFor(() => events.length === 1, 2000)).toBe(true);
    await sb.ip('link', 'set', v0, 'up');
    expect(await waitFor(() => events.length === 2, 2000)).toBe(true);
    expect(events).toEqual([`${pp.name} down: packet ${pp.name}: ENETDOWN`, `${pp.name} up`]);
    const again = await sb.exec(h3, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', '10.199.2.2'], { allowFail: true });
    expect(again.stdout).toMatch(/2 received/);
    expect(pp.downReason).toBeNull();
    events.length = 0;

    // Deleting h3 takes the veth pair with it: one linkDown on the packet port (the device goes
    // down first), then the port learns the device is gone for good.
    await sb.deleteNamespace(h3);
    expect(await waitFor(() => pp.downReason !== null, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toHaveLength(1);
    // ENETDOWN when the socket notices first, ENXIO when a send to the vanished device does.
    expect(events[0]).toMatch(new RegExp(`^${pp.name} down: packet ${pp.name}: (ENETDOWN|ENXIO)$`));
    expect(pp.downReason).toMatch(/^(ENODEV|ENXIO)$/);
    pp.close();
    tc.close();
  });

  it('TAP offload mode: TSO super-frames from the kernel are segmented, TCP v4/v6 works', async () => {
    const sb = sandbox();
    const h5 = await sb.addNamespace('h5', { ipv6: true });
    const h6 = await sb.addNamespace('h6', { ipv6: true });
    const ta = keep(TapPort.open({ name: sb.name('to'), offload: true }));
    const tb = keep(TapPort.open({ name: sb.name('tp'), offload: true }));
    expect(ta.offloadFlags & 0x02).toBe(0x02); // TUN_F_TSO4
    await sb.moveLink(ta.name, h5);
    await sb.moveLink(tb.name, h6);
    await sb.addrUp(h5, ta.name, '10.199.3.1/24');
    await sb.addrUp(h6, tb.name, '10.199.3.2/24');
    await sb.ip('-n', h5, 'addr', 'add', 'fd00:199:3::1/64', 'dev', ta.name, 'nodad');
    await sb.ip('-n', h6, 'addr', 'add', 'fd00:199:3::2/64', 'dev', tb.name, 'nodad');
    const events: string[] = [];
    wire(ta, tb, events);
    const ping = await sb.exec(h5, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', '10.199.3.2'], { allowFail: true });
    expect(ping.stdout).toMatch(/2 received/);
    for (const [addr, label] of [
      ['10.199.3.2', 'TCPv4'],
      ['fd00:199:3::2', 'TCPv6'],
    ] as const) {
      const server = sb.spawn(h6, 'iperf3', ['-s', '-1', '-B', addr]);
      await new Promise((r) => setTimeout(r, 300));
      const client = await sb.exec(h5, 'iperf3', ['-c', addr, '-t', '1', '-J'], { allowFail: true, timeoutMs: 20_000 });
      await sb.kill(server);
      expect(client.code).toBe(0);
      const end = (JSON.parse(client.stdout) as { end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits: number } } }).end;
      console.log(`iperf3 ${label} TAP->TAP, offload mode: ${(end.sum_received.bits_per_second / 1e6).toFixed(0)} Mbit/s, ${end.sum_sent.retransmits} retransmits`);
      expect(end.sum_received.bits_per_second).toBeGreaterThan(1e6);
    }
    expect(ta.stats().rx.gsoSegmented).toBeGreaterThan(0);
    expect(ta.stats().rx.gso).toBe(0);
    expect(events).toEqual([]);
    ta.close();
    tb.close();
  });

  it('frames dropped below the engine are counted as the port\'s malformed drops, and good frames still forward', async () => {
    const sb = sandbox();
    const h7 = await sb.addNamespace('h7', { ipv6: true });
    const h8 = await sb.addNamespace('h8', { ipv6: true });
    const td = keep(TapPort.open({ name: sb.name('td') }));
    const te = keep(TapPort.open({ name: sb.name('te') }));
    await sb.moveLink(td.name, h7);
    await sb.moveLink(te.name, h8);
    // The kernel side of td gets a larger MTU than the port (opened at 1500) takes.
    await sb.ip('-n', h7, 'link', 'set', td.name, 'mtu', '4000');
    await sb.addrUp(h7, td.name, '10.199.4.1/24');
    await sb.addrUp(h8, te.name, '10.199.4.2/24');
    // An L3 (TUN) device has no link header, so a 10-byte packet written into it reaches an
    // AF_PACKET socket on it as a 10-byte "frame" (an Ethernet device refuses to carry one).
    const tun = sb.name('tu');
    await sb.ip('tuntap', 'add', 'dev', tun, 'mode', 'tun');
    sb.trackLink(tun);
    await sb.ip('link', 'set', tun, 'up');
    const pt = keep(PacketPort.open({ name: tun }));

    const br = new Bridge({ name: sb.name('br'), clock: new SystemClock(), mac: parseMac('02:5b:00:00:04:f0') });
    // Bridge-side MACs of their own: a TAP's MAC is its kernel side's, the host behind the port.
    const pd = br.addPort(td, { mac: parseMac('02:5b:00:00:04:01') });
    const pe = br.addPort(te, { mac: parseMac('02:5b:00:00:04:02') });
    const pu = br.addPort(pt, { mac: parseMac('02:5b:00:00:04:03') });
    const metrics = createMetrics({ bridges: new Map([[br.name, { bridge: br }]]) });
    const malformed = async (port: string): Promise<number | undefined> =>
      parseExposition(await metrics.registry.metrics()).get(`softbr_port_drops_total{bridge="${br.name}",port="${port}",reason="malformed"}`);
    try {
      const ping = await sb.exec(h7, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', '10.199.4.2']);
      expect(ping.stdout).toMatch(/2 received/);
      expect(await malformed(td.name)).toBe(0);
      expect(await malformed(tun)).toBe(0);

      // Oversize: the TAP cuts each frame to its receive slot, longer than the port accepts.
      const big = await sb.exec(h7, 'ping', ['-c', '3', '-i', '0.2', '-W', '1', '-s', '3000', '10.199.4.2'], { allowFail: true });
      expect(big.stdout).toMatch(/0 received/);
      expect(pd.drops().malformed).toBe(3);
      expect(await malformed(td.name)).toBe(3);

      // Runts (10 and 13 bytes) never reach the engine: the addon drops and counts them, and the
      // port's malformed drops include its count. The 14- and 40-byte frames between them (to an
      // unknown unicast MAC, 44:00:00:00:00:00) are flooded as usual.
      const floodedBefore = pe.txFlooded;
      const py = [
        'import fcntl, os, struct',
        "fd = os.open('/dev/net/tun', os.O_RDWR)",
        `fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', b'${tun}', 0x0001 | 0x1000))  # TUNSETIFF, IFF_TUN | IFF_NO_PI`,
        "good = bytes([0x44]) + bytes(5) + bytes.fromhex('025b000004aa') + bytes.fromhex('88b5')",
        'for f in (bytes([0x44]) + bytes(9), good, bytes([0x44]) + bytes(12), good + bytes(26)): os.write(fd, f)',
      ].join('\n');
      await sh('python3', ['-c', py]);
      expect(await waitFor(() => pu.rxFrames === 2, 3000)).toBe(true);
      expect(pe.txFlooded - floodedBefore).toBeGreaterThanOrEqual(2);
      expect(br.fdb.get(0, parseMac('02:5b:00:00:04:aa'))?.port).toBe(pu.no);
      expect(pt.stats().rx.runts).toBe(2);
      expect(pu.dropMalformed).toBe(0); // the engine never saw them
      expect(pu.drops().malformed).toBe(2);
      expect(await malformed(tun)).toBe(2);

      const again = await sb.exec(h7, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', '10.199.4.2']);
      expect(again.stdout).toMatch(/2 received/);
    } finally {
      metrics.close();
    }
  });

  it('TAP lifecycle: kernel-chosen names, persistent create/attach, errors', async () => {
    const sb = sandbox();
    // A name with %d: the kernel picks; closing the fd removes the device.
    const t = TapPort.open({ name: `${sb.prefix}%d`, up: false });
    expect(t.name).toMatch(new RegExp(`^${sb.prefix}\\d+$`));
    expect(await linkExists(t.name)).toBe(true);
    t.close();
    // the kernel frees the device when the last reference to its file goes, which a cancelled
    // io_uring read may hold a moment after close() returns
    expect(await until(async () => !(await linkExists(t.name)), LINK_GONE_MS)).toBe(true);

    // persistent: true survives a crash, but close() still removes what we created.
    const p = TapPort.open({ name: sb.name('tp') });
    expect(p.persistent).toBe(false);
    p.close();
    sb.trackLink(sb.name('tq'));
    const q = TapPort.open({ name: sb.name('tq'), persistent: true });
    expect(q.created).toBe(true);
    expect(q.persistent).toBe(true);
    q.close();
    expect(await until(async () => !(await linkExists(sb.name('tq'))), LINK_GONE_MS)).toBe(true);

    // Attaching to someone else's persistent TAP leaves it in place on close.
    const pre = await sb.addPersistentTap('tr');
    const r = TapPort.open({ name: pre });
    expect(r.created).toBe(false);
    expect(r.persistent).toBe(true);
    expect(() => TapPort.open({ name: pre })).toThrow(/EBUSY/);
    r.close();
    expect(await linkExists(pre)).toBe(true);
    await sb.deleteLink(pre);

    // A name taken by a non-TAP device.
    const { a: va } = await sb.addVeth('x0', 'x1', { up: true });
    expect(() => TapPort.open({ name: va })).toThrow(/not a TAP/);
    expect(() => TapPort.open({ name: 'a-name-longer-than-15' })).toThrow(/15 characters/);
    expect(() => PacketPort.open({ name: sb.name('nodv') })).toThrow(/ENODEV/);
    expect((await listLinks()).filter((l) => l.startsWith(sb.prefix) && /t[pq]$/.test(l))).toEqual([]);
  });

  it('a started poller does not stop process.exit(), and close()/unref() let the process end', async () => {
    const sb = sandbox();
    const script = (mode: string): string => `
      const n = require(${JSON.stringify(addonPath())});
      const t = n.openTap(${JSON.stringify(sb.name('e'))} + '${mode}', {});
      n.setIfUp(t.name, true);
      const buf = new Uint8Array(64 * 1600), offs = new Int32Array(64), lens = new Int32Array(64);
      const p = new n.Poller(t.fd, n.constants.MODE_TAP, false, buf, offs, lens, 1600, 64, 4, () => {}, () => {});
      p.start();
      if ('${mode}' === 'x') setTimeout(() => process.exit(0), 50);
      if ('${mode}' === 'c') setTimeout(() => { p.close(); n.closeFd(t.fd); }, 50);
      if ('${mode}' === 'u') p.unref();
    `;
    for (const mode of ['x', 'c', 'u']) {
      const started = Date.now();
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['-e', script(mode)], { stdio: 'inherit' });
        const timer = setTimeout(() => {
          if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        }, 5000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect({ mode, code }).toEqual({ mode, code: 0 });
      expect(Date.now() - started).toBeLessThan(4000);
      expect(await linkExists(sb.name('e') + mode)).toBe(false);
    }
  });
});
