// Fuzzing the vhost-user message decoder (src/native/vhost.cc, behind src/ports/vhost-user.ts)
// over its real socket: fast-check makes sequences of messages — garbage, truncated headers,
// wrong versions, sizes that lie or are huge, payloads too short, up to 10 file descriptors of the
// wrong kind, requests in any order (rings before memory, kicks before addresses) — and a python
// peer (test/helpers/vhost-replay.py) sends them with real fds by SCM_RIGHTS. The back-end never
// crashes; a connection it drops has a logged reason; it leaks no file descriptor; and after
// every case a well-behaved front-end (test/helpers/vhost-frontend.py) still gets a working port.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { REPO } from '../helpers/softbr.js';
import { nativeAvailable } from '../../src/native/index.js';
import { labPrefix } from '../../src/lab/netns.js';
import { endProcess } from '../helpers/process.js';
import type { RxSink } from '../../src/bridge/port-io.js';
import type { VhostUserPort } from '../../src/ports/vhost-user.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const REPLAY = join(REPO, 'test/helpers/vhost-replay.py');
const FRONTEND = join(REPO, 'test/helpers/vhost-frontend.py');
const skip = !nativeAvailable();

// request numbers of the vhost-user spec that the decoder knows, and their payload sizes
const KNOWN: [number, number][] = [
  [1, 0], [2, 8], [3, 0], [4, 0], [5, 8 + 32], [8, 8], [9, 40], [10, 8], [11, 8], [12, 8], [13, 8], [14, 8],
  [15, 0], [16, 8], [17, 0], [18, 8], [19, 8], [20, 8], [34, 0],
];

interface Msg { hex: string; fds: number; fdkind: 'memfd' | 'eventfd' }

const le32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };

/** One message: a header (request, flags, size) and a payload, each well-formed or not. */
const msgArb: fc.Arbitrary<Msg> = fc.record({
  req: fc.oneof(fc.constantFrom(...KNOWN.map((k) => k[0])), fc.integer({ min: 0, max: 0xffffffff })),
  flags: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constant(1 | 8) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) }),
  // a payload of the right shape for its request, with its small integers (queue index, size,
  // region count) usually in range, or random bytes
  payload: fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1 << 16 }), fc.uint8Array({ minLength: 0, maxLength: 64 }))
      .map(([a, b, rest]) => Buffer.concat([le32(a), le32(b), Buffer.from(rest)])),
    fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
  ),
  size: fc.oneof({ weight: 5, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 400 }) }, { weight: 1, arbitrary: fc.constantFrom(0x1000, 0x100000, 0xffffffff) }),
  cut: fc.option(fc.integer({ min: 0, max: 30 }), { freq: 5 }),
  fds: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 10 }) }),
  fdkind: fc.constantFrom('memfd' as const, 'eventfd' as const),
}).map(({ req, flags, payload, size, cut, fds, fdkind }) => {
  const hdr = Buffer.concat([le32(req), le32(flags), le32(size === -1 ? payload.length : size)]);
  let b = Buffer.concat([hdr, payload]);
  if (cut !== null) b = b.subarray(0, Math.min(b.length, cut));
  return { hex: b.toString('hex'), fds: b.length === 0 ? 0 : fds, fdkind };
}).filter((m) => m.hex.length > 0);

/** Bytes that are not messages at all. */
const garbageArb: fc.Arbitrary<Msg> = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((u) => ({ hex: Buffer.from(u).toString('hex'), fds: 0, fdkind: 'memfd' as const }));

const caseArb = fc.array(fc.oneof({ weight: 5, arbitrary: msgArb }, { weight: 1, arbitrary: garbageArb }), { minLength: 1, maxLength: 8 });

class NullSink implements RxSink {
  downs: string[] = [];
  receiveBatch(): void { /* frames from a fuzzed guest are not the point */ }
  linkDown(reason: string): void { this.downs.push(reason); }
  linkUp(): void { /* counted by the port */ }
}

const openFds = () => readdirSync('/proc/self/fd').length;

describe.skipIf(skip)('fuzz: vhost-user messages over the socket', () => {
  const dir = mkdtempSync(join(tmpdir(), `${labPrefix('hc')}-`));
  const sock = join(dir, 'vm.sock');
  const log: string[] = [];
  let port: VhostUserPort;
  let replay: ChildProcess;
  let lines: Interface;
  const results: { case: number; closed: boolean; sent: number }[] = [];
  let waiting: (() => void) | null = null;

  beforeAll(async () => {
    const { VhostUserPort } = await import('../../src/ports/vhost-user.js');
    port = VhostUserPort.open({ name: 'vm', path: sock, role: 'server', log: (m) => log.push(m) });
    port.start(new NullSink());
    replay = spawn('python3', [REPLAY, sock], { stdio: ['pipe', 'pipe', 'inherit'] });
    lines = createInterface({ input: replay.stdout! });
    lines.on('line', (t) => { results.push(JSON.parse(t) as { case: number; closed: boolean; sent: number }); waiting?.(); });
  });

  afterAll(async () => {
    replay.stdin!.end();
    await endProcess(replay, 'SIGTERM', 2000);
    port?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends one case through the replayer; resolves with its result once the back-end is idle again. */
  const run = (msgs: Msg[]) => new Promise<{ closed: boolean; sent: number }>((resolve, reject) => {
    const want = results.length + 1;
    const t = setTimeout(() => reject(new Error('the replayer did not finish a case in 10 s')), 10_000);
    waiting = () => {
      if (results.length < want) return;
      clearTimeout(t);
      waiting = null;
      resolve(results[want - 1]!);
    };
    replay.stdin!.write(`${JSON.stringify({ msgs })}\n`);
  });

  it('any sequence of messages: no crash, a dropped connection has its reason logged, no fd leaks', async () => {
    const fds0 = openFds();
    let dropped = 0;
    await fc.assert(fc.asyncProperty(caseArb, async (msgs) => {
      const before = log.length;
      const r = await run(msgs);
      // the back-end sees the peer's close, and logs it, on its own event loop turn
      for (let i = 0; i < 50 && !log.slice(before).some((l) => /front-end closed|guest error/.test(l)); i++) await new Promise((res) => setTimeout(res, 10));
      const said = log.slice(before).join('\n');
      if (r.closed) {
        dropped++;
        expect(said, JSON.stringify(msgs)).toMatch(/guest error: .+|front-end closed the connection/);
      }
      expect(port.stats().connected).toBe(false);
    }), { numRuns: RUNS });
    // every fd a front-end passed was closed with its connection (a little slack for Node's own)
    expect(openFds()).toBeLessThanOrEqual(fds0 + 4);
    const reasons = new Map<string, number>();
    for (const l of log) {
      // the rule broken, without the request's name and the numbers in it
      const m = /guest error: (?:[A-Z_]+: |message \d+: )?(.*)$/.exec(l);
      const k = m?.[1]!.replace(/0x[0-9a-f]+|\d+/g, 'N');
      if (k !== undefined) reasons.set(k, (reasons.get(k) ?? 0) + 1);
    }
    console.log(`vhost-user fuzz: ${RUNS} cases, ${dropped} dropped by the back-end; reasons: ${[...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => `${k} ×${v}`).join('; ')}`);
  }, 300_000);

  it('after all that, a well-behaved front-end gets a working port', async () => {
    const p = spawn('python3', [FRONTEND, 'normal', sock], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => { err += d; });
    const out: string[] = [];
    createInterface({ input: p.stdout! }).on('line', (l) => out.push(l));
    let ups = false;
    for (let i = 0; i < 100 && !ups; i++) {
      ups = port.stats().ready;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(ups, `${out.join('\n')}\n${err}\n${log.slice(-5).join('\n')}`).toBe(true);
    await endProcess(p, 'SIGTERM', 2000);
  }, 30_000);
});
