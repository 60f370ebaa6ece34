// Fuzzing the control socket over a real unix socket in process, with the daemon's real command
// table: random lines (garbage, JSON of every type, requests with wrong types for every field and
// argument) each get exactly one reply and never an internal error; an oversized request is
// refused with a reason and its connection closed; a client that stalls mid-line or stops reading
// does not delay anyone else; the daemon's state is untouched through all of it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Server, type Socket } from 'node:net';
import { Daemon } from '../../src/control/daemon.js';
import { serveControl, MAX_REQUEST_BYTES } from '../../src/control/server.js';
import { controlHandler } from '../../src/control/handler.js';
import { call } from '../../src/control/client.js';
import { Bridge } from '../../src/bridge/bridge.js';
import { MemoryPort } from '../../src/ports/memory.js';
import { parseMac } from '../../src/frame/mac.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
// the commands a random request may name; the streaming ones (monitor, capture) reply later by design
const COMMANDS = ['ping', 'addbr', 'delbr', 'addif', 'delif', 'show', 'hairpin', 'setflag', 'link-show', 'config-show', 'showmacs',
  'setageing', 'fdb-show', 'fdb-add', 'fdb-del', 'fdb-flush', 'trace', 'capture-stop', 'setfd', 'sethello', 'setmaxage',
  'setbridgeprio', 'stp', 'setpathcost', 'setportprio', 'showstp', 'no-such-command'];
const ARG_NAMES = ['bridge', 'name', 'port', 'mac', 'value', 'vid', 'on', 'flag', 'seconds', 'prio', 'cost', 'dst', 'src', 'inPort', 'id', 'kind', 'spec'];
/** Values of every JSON type, including the ones a handler would be right to accept, except existing names. */
const valueArb = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('', 'zz9', '02:00:00:00:00:01', 'ff:ff:ff:ff:ff:ff', -1, 1e308, 4096, 'on', 'off', true));
const requestArb = fc.record({
  id: fc.oneof(fc.integer({ min: 1, max: 1e6 }), fc.constant(0)),
  cmd: fc.constantFrom(...COMMANDS),
  args: fc.option(fc.dictionary(fc.constantFrom(...ARG_NAMES), valueArb, { maxKeys: 4 }), { nil: undefined }),
}).map((r) => JSON.stringify(r));
const lineArb = fc.oneof(
  { weight: 5, arbitrary: requestArb },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.record({ id: valueArb, cmd: valueArb, args: valueArb }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }).filter((s) => !s.includes('\n')) },
);

/** Connects, sends the text, and collects reply lines until `want` arrived (or the socket closed). */
function exchange(path: string, text: string, want: number): Promise<{ lines: string[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let got = '';
    const lines: string[] = [];
    const done = (closed: boolean) => { s.destroy(); resolve({ lines, closed }); };
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('data', (c: string) => {
      got += c;
      let nl: number;
      while ((nl = got.indexOf('\n')) >= 0) { lines.push(got.slice(0, nl)); got = got.slice(nl + 1); }
      if (lines.length >= want) done(false);
    });
    s.on('end', () => done(true));
    s.on('connect', () => { if (want === 0) { s.end(text); } else s.write(text); });
    if (want === 0) s.on('close', () => done(true));
  });
}

async function timedPing(path: string): Promise<number> {
  const t0 = performance.now();
  await call(path, 'ping');
  return performance.now() - t0;
}

describe('fuzz: control socket requests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softbr-fuzzctl-'));
  const sock = join(dir, 'control.sock');
  const daemon = new Daemon({ tickMs: 0, log: () => {} });
  const internal: string[] = [];
  let server: Server;
  const stalled: Socket[] = [];

  beforeAll(async () => {
    const bridge = new Bridge({ name: 'br0', clock: daemon.clock, mac: parseMac('02:00:00:00:00:f0') });
    bridge.addPort(new MemoryPort({ name: 'p1' }));
    daemon.bridges.set('br0', { bridge, specs: new Map(), endpoints: new Map(), given: new Map(), taken: new Map() });
    server = await serveControl(sock, controlHandler(daemon), { log: (m) => { internal.push(m); } });
  });
  afterAll(() => {
    for (const s of stalled) s.destroy();
    server.close();
    daemon.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every line gets exactly one reply, and hostile input is the user\'s error, never an internal one', async () => {
    const before = JSON.stringify(await call(sock, 'show'));
    await fc.assert(fc.asyncProperty(fc.array(lineArb, { minLength: 1, maxLength: 12 }), async (lines) => {
      const sent = lines.filter((l) => l.trim() !== '');
      const r = await exchange(sock, lines.join('\n') + '\n', sent.length);
      expect(r.lines.length).toBe(sent.length);
      for (const l of r.lines) {
        const reply = JSON.parse(l) as { id: number; ok: boolean; kind?: string; error?: string };
        expect(typeof reply.ok).toBe('boolean');
        if (!reply.ok) expect(reply.kind, reply.error).toBe('user');
      }
    }), { numRuns: RUNS });
    expect(internal).toEqual([]);
    // random requests may add bridges of random names; br0 and its port are as they were
    const after = (await call<{ name: string }[]>(sock, 'show')).filter((b) => b.name === 'br0');
    expect(JSON.stringify(after)).toBe(JSON.stringify((JSON.parse(before) as { name: string }[]).filter((b) => b.name === 'br0')));
  }, 60_000);

  it('an oversized request is refused with a reason and its connection closed; a request at the limit is answered', async () => {
    const big = `{"id":1,"cmd":"ping","args":{"pad":"${'x'.repeat(MAX_REQUEST_BYTES)}"}}\n`;
    const r = await exchange(sock, big, 1);
    expect(r.lines).toHaveLength(1);
    expect(JSON.parse(r.lines[0]!)).toMatchObject({ ok: false, kind: 'user', error: expect.stringMatching(/request over 1048576 bytes/) });
    // endless bytes with no newline: the same refusal, not unbounded buffering
    const endless = await exchange(sock, 'y'.repeat(MAX_REQUEST_BYTES + 10), 1);
    expect(JSON.parse(endless.lines[0]!)).toMatchObject({ ok: false, error: expect.stringMatching(/request over/) });
    const pad = MAX_REQUEST_BYTES - '{"id":1,"cmd":"ping","args":{"pad":""}}'.length;
    const atLimit = await exchange(sock, `{"id":1,"cmd":"ping","args":{"pad":"${'x'.repeat(pad)}"}}\n`, 1);
    expect(JSON.parse(atLimit.lines[0]!)).toMatchObject({ id: 1, ok: true });
  });

  it('clients that stall mid-request or never read their replies do not delay the others', async () => {
    // ten clients that send half a request and then nothing, ten that send requests and never read
    for (let i = 0; i < 10; i++) {
      const s = connect(sock);
      s.on('error', () => {});
      s.write('{"id":1,"cmd":"sh');
      stalled.push(s);
      const r = connect(sock);
      r.on('error', () => {});
      r.pause();
      r.write('{"id":1,"cmd":"show"}\n'.repeat(2000));
      stalled.push(r);
    }
    await new Promise((res) => setTimeout(res, 100));
    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push(await timedPing(sock));
    times.sort((a, b) => a - b);
    // the median answer comes within 100 ms (the bound), with the stalled clients still connected
    expect(times[5]!).toBeLessThan(100);
    expect(stalled.every((s) => !s.destroyed)).toBe(true);
  });
});
