// End-to-end: link impairments and rate limits in the real daemon, driven through the CLI, with
// hosts in network namespaces behind softbr TAPs, measured with ping and iperf3:
//   - 50 ms egress delay on one port: ping RTT through it ≈ 50 ms, while a ping between two other
//     ports runs at the same time, unaffected;
//   - TCP through the 50 ms port reaches at least 80% of what its delay line allows (the
//     bandwidth-delay product of the line: limit × frame size / delay);
//   - 10% loss: measured ping loss near 10%;
//   - egress shaped to 100 Mbit/s: iperf3 measures 90–105 Mbit/s.
// Each test prints what it measured. Root only; everything carries the lab prefix and is removed
// in afterAll, the daemon stopped by its PID.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SoftbrDaemon, tapHosts, type TapHost } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot, hasCommand } from '../../src/lab/host.js';

const ok = isRoot() && hasCommand('iperf3') && hasCommand('ping');
const lab = new Lab('i');
const P = lab.prefix;
const BR = `${P}br`;
const NET = '10.216.0';

type Host = TapHost;

/** ping's summary: transmitted, received and the rtt min/avg/max in ms. */
function pingStats(out: string): { sent: number; received: number; min: number; avg: number; max: number } {
  const c = /(\d+) packets transmitted, (\d+) received/.exec(out);
  const r = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(out);
  if (!c) throw new Error(`no ping summary in: ${out}`);
  return { sent: Number(c[1]), received: Number(c[2]), min: Number(r?.[1] ?? NaN), avg: Number(r?.[2] ?? NaN), max: Number(r?.[3] ?? NaN) };
}

describe.skipIf(!ok)('impairments and rate limits through the daemon (ping, iperf3)', () => {
  const d = new SoftbrDaemon(P);
  const h: Host[] = [];

  beforeAll(async () => {
    await d.start();
    await d.ok('addbr', BR, '--no-local');
    h.push(...await tapHosts(d, lab, BR, NET, 4));
    // everyone knows everyone: no ARP rides through an impaired port during a measurement
    for (const a of h) for (const b of h) if (a !== b) await lab.exec(a.ns, 'ping', ['-c', '1', '-W', '2', b.ip]);
  }, 60_000);

  afterAll(async () => {
    const code = await d.stop();
    await lab.cleanup();
    expect(code).toBe(0);
  });

  const ping = (from: Host, to: Host, args: string[]) => lab.exec(from.ns, 'ping', [...args, to.ip], { allowFail: true, timeoutMs: 60_000 });

  async function iperf(from: Host, to: Host, seconds: number, omit = 2): Promise<number> {
    const server = lab.spawn(to.ns, 'iperf3', ['-s', '-1', '-B', to.ip, '-p', '5216']);
    try {
      await new Promise((r) => setTimeout(r, 400));
      // -O: the first seconds (slow start, through a 50 ms link) are left out of the figure
      const c = await lab.exec(from.ns, 'iperf3', ['-c', to.ip, '-p', '5216', '-t', String(seconds), '-O', String(omit), '-J'], { allowFail: true, timeoutMs: (seconds + 20) * 1000 });
      expect(c.code, c.stderr + c.stdout.slice(-500)).toBe(0);
      return (JSON.parse(c.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
    } finally {
      await lab.kill(server);
    }
  }

  it('50 ms delay out of one port: ping RTT through it ≈ 50 ms; a ping between two other ports is unaffected', async () => {
    await d.ok('impair', BR, h[1]!.tap, 'out', 'delay', '50ms');
    try {
      const [through, beside] = await Promise.all([
        ping(h[0]!, h[1]!, ['-c', '40', '-i', '0.05', '-W', '2']),
        ping(h[2]!, h[3]!, ['-c', '200', '-i', '0.01', '-W', '2']),
      ]);
      const t = pingStats(through.stdout);
      const b = pingStats(beside.stdout);
      console.log(`delay 50ms: ping through the port rtt min/avg/max ${t.min}/${t.avg}/${t.max} ms (accuracy: avg ${(t.avg - 50).toFixed(3)} ms over the setting); `
        + `ping between two other ports meanwhile ${b.min}/${b.avg}/${b.max} ms, ${b.received}/${b.sent} received`);
      expect(t.received).toBe(40);
      // a frame is never released early; what the bridge, the timer and the hosts add on top stays small
      expect(t.min).toBeGreaterThanOrEqual(50);
      expect(t.avg).toBeLessThan(55);
      expect(b.received).toBe(200);
      expect(b.avg).toBeLessThan(5);
      const shown = await d.ok('link', 'show', '-d');
      expect(shown).toContain('impair out: delay 50ms (seed ');
      expect(shown).toMatch(/frames \d+ queued \d+ lost 0 /);
    } finally {
      await d.ok('impair', BR, h[1]!.tap, 'clear');
    }
  }, 60_000);

  it('TCP through the 50 ms port reaches at least 80% of what its delay line allows', async () => {
    // the delay line holds LIMIT frames while each waits its delay: at most LIMIT frames of 1514
    // bytes (1448 of TCP payload) are in flight, so TCP can carry at most
    //   LIMIT × 1448 × 8 bits per delay = 400 × 11 584 / 0.050 s = 92.7 Mbit/s of payload.
    // The delay a frame really waits is the setting plus the timer's lateness on a loaded machine;
    // the line's own count of it (mean_wait) gives the bound in force.
    const LIMIT = 400;
    const capAt = (delayMs: number) => (LIMIT * 1448 * 8) / (delayMs / 1000);
    await d.ok('impair', BR, h[1]!.tap, 'out', 'delay', '50ms', 'limit', String(LIMIT));
    try {
      const bps = await iperf(h[0]!, h[1]!, 20, 4);
      const shown = await d.ok('link', 'show', '-d');
      const line = shown.slice(shown.indexOf('impair out'));
      const full = /queue_full (\d+)/.exec(line)?.[1];
      const wait = Number(/mean_wait ([\d.]+)ms/.exec(line)?.[1]);
      console.log(`iperf3 TCP through delay 50ms limit ${LIMIT}: ${(bps / 1e6).toFixed(1)} Mbit/s of payload = `
        + `${((bps / capAt(wait)) * 100).toFixed(1)}% of the ${(capAt(wait) / 1e6).toFixed(1)} Mbit/s the line allows at the ${wait.toFixed(2)} ms frames really waited `
        + `(${((bps / capAt(50)) * 100).toFixed(1)}% of ${(capAt(50) / 1e6).toFixed(1)} at the nominal 50 ms); queue_full drops ${full}`);
      expect(wait).toBeGreaterThanOrEqual(50);
      expect(bps).toBeGreaterThanOrEqual(0.8 * capAt(wait));
      expect(bps).toBeLessThanOrEqual(capAt(50) * 1.02);
    } finally {
      await d.ok('impair', BR, h[1]!.tap, 'clear');
    }
  }, 60_000);

  it('10% loss out of one port: measured ping loss near 10%', async () => {
    await d.ok('impair', BR, h[1]!.tap, 'out', 'loss', '10%', 'seed', '42');
    try {
      const r = await ping(h[0]!, h[1]!, ['-c', '1000', '-i', '0.002', '-W', '1']);
      const s = pingStats(r.stdout);
      const loss = 1 - s.received / s.sent;
      console.log(`loss 10%: ping lost ${s.sent - s.received} of ${s.sent} = ${(loss * 100).toFixed(1)}%`);
      // binomial σ for 1000 pings at 10%: 0.95 %; the bounds are ±4σ
      expect(loss).toBeGreaterThan(0.062);
      expect(loss).toBeLessThan(0.138);
    } finally {
      await d.ok('impair', BR, h[1]!.tap, 'clear');
    }
  }, 60_000);

  it('a port shaped to 100 Mbit/s measures 90–105 Mbit/s with iperf3', async () => {
    await d.ok('rate', BR, h[1]!.tap, 'out', '100mbit');
    try {
      const bps = await iperf(h[0]!, h[1]!, 8);
      const shown = await d.ok('link', 'show', '-d');
      console.log(`rate 100mbit (burst default 125000 bytes): iperf3 TCP ${(bps / 1e6).toFixed(1)} Mbit/s of payload (${(bps / 1e6 * 1514 / 1448).toFixed(1)} Mbit/s of frames)`);
      expect(shown).toContain('impair out: rate 100mbit (seed ');
      expect(bps).toBeGreaterThanOrEqual(90e6);
      expect(bps).toBeLessThanOrEqual(105e6);
    } finally {
      await d.ok('rate', BR, h[1]!.tap, 'out', 'off');
    }
  }, 60_000);

  it('bad impairment words are refused with the word and what is allowed, and change nothing', async () => {
    const r = await d.cli('impair', BR, h[1]!.tap, 'out', 'delay', '50');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid delay '50': expected a time such as 50ms/);
    const r2 = await d.cli('rate', BR, h[1]!.tap, 'sideways', '10mbit');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/invalid direction 'sideways': expected in, out or both/);
    expect(await d.ok('link', 'show', '-d')).not.toContain('impair');
  });
});
