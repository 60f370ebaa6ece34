// End-to-end observation of a real daemon bridging two namespaced hosts on TAPs: exact Prometheus
// frame counts across a known number of pings (promtool-clean), `softbr capture -w` read back by
// tcpdump, capture lines, `softbr trace` for known and unknown destinations, `softbr monitor`.
// Quiet hosts make counts exact: no IPv6 in the namespaces, static ARP, no host port on the bridge.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SoftbrDaemon, BIN } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';
import { sh } from '../../src/lab/sh.js';
import { freePort, parseExposition } from '../helpers/prom.js';

const root = isRoot();
const lab = new Lab('o');
const P = lab.prefix;
const BR = `${P}br`;
const NET = '10.202.0';

interface Host { ns: string; ip: string; mac: string; tap: string }


const parse = parseExposition;

/** A CLI process the test watches while it runs (capture, monitor); ended by its PID. */
class Running {
  out = '';
  err = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d) => { this.out += d; });
    proc.stderr!.on('data', (d) => { this.err += d; });
    this.exited = new Promise((r) => proc.once('exit', (code) => r(code)));
  }
  async waitFor(what: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error(`timed out; stdout: ${this.out}\nstderr: ${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  stop(): void { if (this.proc.exitCode === null) this.proc.kill('SIGINT'); }
}

describe.skipIf(!root)('observing the daemon: metrics, capture, trace, monitor', () => {
  const d = new SoftbrDaemon(P);
  const hosts: Host[] = [];
  const running: Running[] = [];
  let metricsUrl = '';

  const cli = (...args: string[]) => {
    const r = new Running(spawn(process.execPath, [BIN, '--control', d.control, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    running.push(r);
    return r;
  };
  const scrape = async () => {
    const r = await fetch(metricsUrl);
    expect(r.status).toBe(200);
    return r.text();
  };
  const ping = (from: Host, to: Host, n: number) => lab.exec(from.ns, 'ping', ['-c', String(n), '-i', '0.2', '-W', '2', '-q', to.ip], { allowFail: true });

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    await d.start({ args: ['--metrics', `127.0.0.1:${port}`] });
    // no host port: the root namespace stays out of the counts
    await d.ok('addbr', BR, '--no-local');
    for (let i = 1; i <= 2; i++) {
      const tap = lab.name(`t${i}`);
      await d.ok('addif', BR, `tap:${tap}`);
      const ns = await lab.addNamespace(`h${i}`);
      // IPv6 off before the NIC arrives, so it sends no DAD/MLD/router solicitations
      await lab.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      await lab.plug(tap, ns, { rename: 'eth0', cidr: `${NET}.${i}/24` });
      hosts.push({ ns, ip: `${NET}.${i}`, mac: await lab.macOf(ns, 'eth0'), tap });
    }
    const [h1, h2] = hosts as [Host, Host];
    await lab.exec(h1.ns, 'ip', ['neigh', 'replace', h2.ip, 'lladdr', h2.mac, 'dev', 'eth0', 'nud', 'permanent']);
    await lab.exec(h2.ns, 'ip', ['neigh', 'replace', h1.ip, 'lladdr', h1.mac, 'dev', 'eth0', 'nud', 'permanent']);
  });

  afterAll(async () => {
    for (const r of running) r.stop();
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
  });

  it('/metrics counts exactly the frames of N pings, scraped while they run, and promtool is quiet', async () => {
    const [h1, h2] = hosts as [Host, Host];
    await d.ok('fdb', 'flush', BR);
    const port = (m: Map<string, number>, name: string, h: Host) => m.get(`${name}{bridge="${BR}",port="${h.tap}"}`) ?? NaN;
    const br = (m: Map<string, number>, name: string) => m.get(`${name}{bridge="${BR}"}`) ?? NaN;
    const before = parse(await scrape());
    const N = 5;
    const pinging = ping(h1, h2, N);
    let scrapes = 0;
    let done = false;
    void pinging.then(() => { done = true; });
    while (!done) { await scrape(); scrapes++; await new Promise((r) => setTimeout(r, 50)); }
    const r = await pinging;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(scrapes).toBeGreaterThan(3);
    const text = await scrape();
    const after = parse(text);
    const FRAME = 98; // 14 Ethernet + 20 IPv4 + 8 ICMP + 56 data
    for (const h of [h1, h2]) {
      const delta = (name: string) => port(after, name, h) - port(before, name, h);
      expect(delta('softbr_port_rx_frames_total'), `${h.tap} rx`).toBe(N);
      expect(delta('softbr_port_tx_frames_total'), `${h.tap} tx`).toBe(N);
      expect(delta('softbr_port_rx_bytes_total')).toBe(N * FRAME);
      expect(delta('softbr_port_tx_bytes_total')).toBe(N * FRAME);
      expect(port(after, 'softbr_port_up', h)).toBe(1);
      expect(after.get(`softbr_port_stp_state{bridge="${BR}",port="${h.tap}",state="forwarding"}`)).toBe(1);
    }
    // after the flush the first request was unknown unicast (flooded to h2), then both were learned
    expect(br(after, 'softbr_unknown_unicast_flooded_total') - br(before, 'softbr_unknown_unicast_flooded_total')).toBe(1);
    expect(port(after, 'softbr_port_flooded_frames_total', h2) - port(before, 'softbr_port_flooded_frames_total', h2)).toBe(1);
    expect(br(after, 'softbr_fdb_learned_total') - br(before, 'softbr_fdb_learned_total')).toBe(2);
    expect(br(after, 'softbr_stp_enabled')).toBe(0);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect((lint.stdout + lint.stderr).trim()).toBe('');
    expect(lint.status).toBe(0);
    // the web view lives beside /metrics; other paths are 404, other methods 405
    expect((await fetch(metricsUrl.replace('/metrics', '/'))).headers.get('content-type')).toMatch(/^text\/html/);
    expect((await fetch(metricsUrl.replace('/metrics', '/nope'))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(405);
  });

  it('softbr capture -w during pings: tcpdump -r shows the ICMP frames that crossed the port', async () => {
    const [h1, h2] = hosts as [Host, Host];
    const file = join(d.dir, 'pings.pcap');
    const cap = cli('capture', BR, h2.tap, '-w', file, '-c', '6', '--duration', '20');
    await cap.waitFor(() => cap.err.includes('capturing on'));
    expect((await ping(h1, h2, 3)).code).toBe(0);
    expect(await cap.exited).toBe(0);
    expect(cap.err).toMatch(/6 frames captured, 0 dropped by the capture buffer/);
    const dump = await sh('tcpdump', ['-r', file, '-n', '-e']);
    const lines = dump.stdout.trim().split('\n');
    expect(lines.length).toBe(6);
    const req = lines.filter((l) => l.includes(`${h1.mac} > ${h2.mac}`) && l.includes(`${h1.ip} > ${h2.ip}: ICMP echo request`));
    const rep = lines.filter((l) => l.includes(`${h2.mac} > ${h1.mac}`) && l.includes(`${h2.ip} > ${h1.ip}: ICMP echo reply`));
    expect([req.length, rep.length], dump.stdout).toEqual([3, 3]);
    expect(lines.every((l) => l.includes('length 98'))).toBe(true);
    expect(readFileSync(file).readUInt32LE(0)).toBe(0xa1b2c3d4);
  });

  it('softbr capture without -w prints one line per frame', async () => {
    const [h1, h2] = hosts as [Host, Host];
    const cap = cli('capture', BR, h1.tap, '-c', '2', '--direction', 'in', '--duration', '20');
    await cap.waitFor(() => cap.err.includes('capturing on'));
    expect((await ping(h1, h2, 2)).code).toBe(0);
    expect(await cap.exited).toBe(0);
    const lines = cap.out.trim().split('\n');
    expect(lines.length).toBe(2);
    for (const [i, l] of lines.entries()) {
      expect(l).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} in  ${h1.mac} > ${h2.mac}, ethertype IPv4 \\(0x0800\\), length 98: ${h1.ip.replace(/\./g, '\\.')} > ${h2.ip.replace(/\./g, '\\.')}: ICMP echo request, id \\d+, seq ${i + 1}, length 64$`));
    }
  });

  it('softbr trace explains a known and an unknown destination and changes no counter', async () => {
    const [h1, h2] = hosts as [Host, Host];
    expect((await ping(h1, h2, 1)).code).toBe(0);
    const softbrOnly = (t: string) => t.split('\n').filter((l) => l.startsWith('softbr_')).join('\n');
    const before = softbrOnly(await scrape());
    const known = await d.ok('trace', BR, '--in', h1.tap, '--src', h1.mac, '--dst', h2.mac);
    expect(known).toContain(`trace ${BR}: ${h1.mac} > ${h2.mac} ethertype 0x0800 in ${h1.tap}`);
    expect(known).toMatch(new RegExp(`lookup +${h2.mac} \\(vid 0\\) is known: learned on ${h2.tap} [\\d.]+ s ago, expires in [\\d.]+ s`));
    expect(known).toMatch(new RegExp(`verdict: forward → ${h2.tap}: known destination on ${h2.tap}\\n$`));
    const unknown = JSON.parse(await d.ok('trace', BR, '--in', h1.tap, '--src', h1.mac, '--dst', '02:00:00:00:99:99', '--json')) as {
      verdict: string; egress: string[]; lookup: { hit: boolean }; flood: { kind: string; ports: { port: string; included: boolean; reason: string }[] };
    };
    expect(unknown).toMatchObject({ verdict: 'flood', egress: [h2.tap], lookup: { hit: false } });
    expect(unknown.flood.kind).toBe('unknown-unicast');
    expect(unknown.flood.ports).toEqual([
      { port: h1.tap, no: 1, included: false, reason: 'ingress port' },
      { port: h2.tap, no: 2, included: true, reason: 'forwarding' },
    ]);
    const text = await d.ok('trace', BR, '--in', h1.tap, '--src', h1.mac, '--dst', '02:00:00:00:99:99');
    expect(text).toContain(`- ${h1.tap}  excluded: ingress port`);
    expect(softbrOnly(await scrape())).toBe(before);
    const bad = await d.cli('trace', BR, '--in', 'nope0', '--src', h1.mac, '--dst', h2.mac);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/ingress port nope0 is not a port of bridge/);
  });

  it('softbr monitor --json shows learned and aged events', async () => {
    const [h1, h2] = hosts as [Host, Host];
    await d.ok('fdb', 'flush', BR);
    const mon = cli('monitor', BR, '--json');
    await new Promise((r) => setTimeout(r, 300)); // let it subscribe
    await d.ok('setageing', BR, '1');
    try {
      expect((await ping(h1, h2, 1)).code).toBe(0);
      const events = () => mon.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; mac?: string; port?: string });
      await mon.waitFor(() => events().filter((e) => e.type === 'aged').length >= 2, 5000);
      const ev = events();
      for (const h of [h1, h2]) {
        expect(ev.find((e) => e.type === 'learned' && e.mac === h.mac), h.mac).toMatchObject({ port: h.tap });
        expect(ev.find((e) => e.type === 'aged' && e.mac === h.mac), h.mac).toMatchObject({ port: h.tap });
      }
    } finally {
      await d.ok('setageing', BR, '300');
      mon.stop();
    }
  });
});
