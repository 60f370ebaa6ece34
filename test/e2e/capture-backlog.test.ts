// End-to-end: a capture whose client stops reading keeps the daemon's memory bounded, on a bridge
// thread (addbr --thread) as on the main thread. UDP flows between two hosts in namespaces behind a
// bridge of the real daemon; a raw control-socket client starts `capture` on one host's TAP and
// does not read for a while: the daemon's RSS grows by far less than the capture would have
// queued (its ring drops and counts instead), the client is not cut off, the result counts the
// drops, and frames captured after the client caught up show the capture draining again. One
// test, run for both kinds of bridge. Root only; everything carries the lab's prefix.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect, type Socket } from 'node:net';
import { rssKiB } from '../helpers/process.js';
import { SoftbrDaemon, type TapHost } from '../helpers/softbr.js';
import { Lab } from '../../src/lab/netns.js';
import { isRoot } from '../../src/lab/host.js';

const root = isRoot();
const lab = new Lab('tb');
const P = lab.prefix;

/** How long the client leaves the capture's events unread, and how long the capture runs. */
const STALL_MS = 4000;
const CAPTURE_S = 8;
/** What the daemon may grow by while the client stalls: the 8 MiB pause mark, a 4 MiB ring and the heap's slack. */
const RSS_BOUND = 40 << 20;

const rssOf = (pid: number) => rssKiB(pid) * 1024;

interface Line { id: number; ok?: boolean; result?: { captured: number; dropped: number; reason: string }; error?: string; event?: { type: string; ts?: number } }

/** The lines a raw control client reads, and whether the daemon hung up on it. */
class RawClient {
  readonly lines: Line[] = [];
  bytes = 0;
  closed = false;
  private buf = '';
  private constructor(readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.bytes += chunk.length;
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(this.buf.slice(0, nl)) as Line);
        this.buf = this.buf.slice(nl + 1);
      }
    });
    sock.on('close', () => { this.closed = true; });
  }

  static open(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(req: object): void { this.sock.write(JSON.stringify(req) + '\n'); }

  /** The reply to request id; fails when the daemon hangs up first or it does not come in ms. */
  reply(id: number, ms: number): Promise<Line> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const look = () => {
        const r = this.lines.find((l) => l.id === id && l.ok !== undefined);
        if (r !== undefined) { resolve(r); return; }
        if (this.closed) { reject(new Error(`the daemon closed the connection before the reply to ${id} (${this.lines.length} lines read)`)); return; }
        if (Date.now() - t0 > ms) { reject(new Error(`no reply to ${id} within ${ms} ms`)); return; }
        setTimeout(look, 50);
      };
      look();
    });
  }
}

describe.skipIf(!root)('a capture for a client that stops reading', () => {
  const d = new SoftbrDaemon(P);
  const hosts = new Map<string, TapHost[]>();

  beforeAll(async () => {
    await d.start();
    for (const [br, thread, net] of [[`${P}t`, true, '10.215.0'], [`${P}m`, false, '10.216.0']] as const) {
      await d.ok('addbr', br, ...(thread ? ['--thread'] : []));
      const list: TapHost[] = [];
      for (let i = 1; i <= 2; i++) {
        const tap = lab.name(`${thread ? 't' : 'm'}${i}`);
        await d.ok('addif', br, `tap:${tap}`);
        const ns = await lab.addNamespace(`${thread ? 't' : 'm'}n${i}`);
        await lab.plug(tap, ns, { rename: 'eth0', cidr: `${net}.${i}/24` });
        list.push({ ns, ip: `${net}.${i}`, mac: await lab.macOf(ns, 'eth0'), tap });
      }
      hosts.set(br, list);
    }
  });

  afterAll(async () => {
    await d.stop();
    await lab.cleanup();
  });

  it.each([
    { kind: 'a bridge thread', br: `${P}t` },
    { kind: 'the main thread', br: `${P}m` },
  ])('on $kind: memory stays bounded, the ring drops and counts, and the capture drains again once the client reads', async ({ br }) => {
    const [h1, h2] = hosts.get(br)!;
    const pid = d.proc!.pid!;
    const server = lab.spawn(h2!.ns, 'iperf3', ['-s', '-1', '-B', h2!.ip]);
    await new Promise((r) => setTimeout(r, 300));
    // more than the capture could ever queue: ~25 MB/s of 1400-byte datagrams for the whole capture
    const client = lab.spawn(h1!.ns, 'iperf3', ['-c', h2!.ip, '-u', '-b', '200M', '-l', '1400', '-t', String(CAPTURE_S + 4)]);
    const c = await RawClient.open(d.control);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const rss0 = rssOf(pid);
      c.send({ id: 1, cmd: 'capture', args: { bridge: br, port: h1!.tap, duration: CAPTURE_S } });
      // the client stops reading: its socket's buffers fill, and the daemon's side queues what follows
      c.sock.pause();
      let peak = rss0;
      const stallEnd = Date.now() + STALL_MS;
      while (Date.now() < stallEnd) {
        await new Promise((r) => setTimeout(r, 200));
        peak = Math.max(peak, rssOf(pid));
      }
      const resumedAt = Date.now();
      c.sock.resume();
      const r = await c.reply(1, CAPTURE_S * 1000 + 20_000);
      expect(r.ok, r.error).toBe(true);
      const frames = c.lines.filter((l) => l.id === 1 && l.event?.type === 'frame');
      const res = r.result!;
      expect(res.reason).toBe('duration');
      expect(res.captured).toBe(frames.length);
      // the ring dropped, and counted it, while the client did not read
      expect(res.dropped).toBeGreaterThan(0);
      // what the capture would have queued had it not paused, at the size its events had
      const perFrame = c.bytes / Math.max(1, c.lines.length);
      const wouldQueue = (res.captured + res.dropped) * perFrame;
      const grew = peak - rss0;
      const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;
      const figures = `RSS +${mib(grew)}, the capture would have queued ${mib(wouldQueue)} (${res.captured} captured, ${res.dropped} dropped)`;
      expect(wouldQueue, `the traffic was too little to tell: ${figures}`).toBeGreaterThan(3 * RSS_BOUND);
      expect(grew, figures).toBeLessThan(RSS_BOUND);
      // the capture drained again once the client read: frames from well after it caught up came
      const late = frames.filter((l) => (l.event!.ts ?? 0) > resumedAt + 1000);
      expect(late.length, figures).toBeGreaterThan(0);
    } finally {
      c.sock.destroy();
      await lab.kill(client);
      await lab.kill(server);
    }
  }, 60_000);
});
