// Prometheus exposition: after traffic through a Bridge, every family equals the engine's own
// counters; the output passes `promtool check metrics` with nothing to say; the HTTP server
// answers /metrics, 404s elsewhere and reports bad or busy addresses clearly.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Bridge } from '../../src/bridge/bridge.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import type { PortIO, RxSink } from '../../src/bridge/port-io.js';
import { PORT_STATE_NAMES } from '../../src/stp/port-state.js';
import { DROP_REASONS, type BridgePort } from '../../src/bridge/port.js';
import { createMetrics, type MetricsSource } from '../../src/metrics/metrics.js';
import { serveMetrics, parseListenAddr } from '../../src/metrics/server.js';
import { buildEthernet } from '../../src/frame/ethernet.js';
import { parseMac } from '../../src/frame/mac.js';
import { parseExposition } from '../helpers/prom.js';

/** A PortIO double: counts sends, can fail them, lets the test inject frames and drop the link. */
class TestPort implements PortIO {
  readonly kind = 'test';
  readonly mtu = 1500;
  readonly speedMbps = 10000;
  sink: RxSink | null = null;
  fail = false;
  constructor(readonly name: string, readonly mac: number) {}
  send(): boolean { return !this.fail; }
  flush(): void {}
  start(sink: RxSink): void { this.sink = sink; }
  close(): void {}
  inject(...frames: Uint8Array[]): void {
    for (const f of frames) this.sink!.receiveBatch(f, [0], [f.length], 1);
  }
}

const mac = (s: string) => parseMac(s);
const f = (dst: string, src: string, len = 60) => {
  const b = buildEthernet({ dst: mac(dst), src: mac(src), etherType: 0x0800, payload: new Uint8Array(len - 14) });
  return b;
};

const parse = parseExposition;

function key(name: string, labels: Record<string, string> = {}): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  return l ? `${name}{${l}}` : name;
}

function promtool(text: string): { code: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: r.status, out: (r.stdout + r.stderr).trim() };
}

describe('metrics exposition', () => {
  const clock = new VirtualClock(50_000);
  const br = new Bridge({ name: 'br0', clock, mac: mac('02:00:00:00:00:f0'), ageingSec: 10 });
  const br2 = new Bridge({ name: 'lab.1', clock, mac: mac('02:00:00:00:00:f1') });
  const io: Record<string, TestPort> = {};
  const ports: Record<string, BridgePort> = {};
  const bridges = new Map<string, { bridge: Bridge }>([['br0', { bridge: br }], ['lab.1', { bridge: br2 }]]);
  const source: MetricsSource = { bridges };
  const metrics = createMetrics(source);
  let text = '';
  let values = new Map<string, number>();

  beforeAll(async () => {
    io['br0'] = new TestPort('br0', br.mac);
    ports['br0'] = br.addPort(io['br0'], { host: true });
    for (const n of ['p1', 'p2', 'p3']) {
      io[n] = new TestPort(n, mac(`02:00:00:00:01:0${n[1]}`));
      ports[n] = br.addPort(io[n]);
    }
    ports['q1'] = br2.addPort(io['q1'] = new TestPort('q1', mac('02:00:00:00:02:01')));
    // traffic: learn, flood unknown unicast, forward, broadcast, drops of several kinds
    io['p1']!.inject(f('02:00:00:00:00:0b', '02:00:00:00:00:0a', 100)); // unknown → flood, learn a
    io['p2']!.inject(f('02:00:00:00:00:0a', '02:00:00:00:00:0b', 200)); // known → p1, learn b
    io['p1']!.inject(f('02:00:00:00:00:0b', '02:00:00:00:00:0a', 64), f('02:00:00:00:00:0b', '02:00:00:00:00:0a', 64));
    io['p1']!.inject(f('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:0a')); // broadcast
    io['p1']!.inject(f('02:00:00:00:00:0b', '00:00:00:00:00:00')); // malformed
    io['p1']!.inject(f('01:80:c2:00:00:0e', '02:00:00:00:00:0a')); // link-local
    io['p3']!.inject(f('02:00:00:00:00:0b', '02:00:00:00:00:0a')); // a moves to p3
    io['p2']!.inject(f('02:00:00:00:00:0a', '02:00:00:00:00:0b')); // b → p3 (now where a is)
    io['p3']!.fail = true;
    io['p2']!.inject(f('02:00:00:00:00:0a', '02:00:00:00:00:0b')); // tx fails: no_buffer on p3
    io['p3']!.fail = false;
    io['p2']!.sink!.linkDown('test');
    clock.advance(11_000);
    br.tick(); // ageing 10 s: remaining learned entries age out
    br2.stp.enable();
    clock.advance(40_000);
    br2.tick();
    text = await metrics.registry.metrics();
    values = parse(text);
  });
  afterAll(() => metrics.close());

  it('per-port families equal the port counters', () => {
    for (const [b, list] of [[br, ['br0', 'p1', 'p2', 'p3']], [br2, ['q1']]] as const) {
      for (const name of list) {
        const p = ports[name]!;
        const l = { bridge: b.name, port: name };
        expect(values.get(key('softbr_port_rx_frames_total', l)), name).toBe(p.rxFrames);
        expect(values.get(key('softbr_port_rx_bytes_total', l))).toBe(p.rxBytes);
        expect(values.get(key('softbr_port_tx_frames_total', l))).toBe(p.txFrames);
        expect(values.get(key('softbr_port_tx_bytes_total', l))).toBe(p.txBytes);
        expect(values.get(key('softbr_port_flooded_frames_total', l))).toBe(p.txFlooded);
        expect(values.get(key('softbr_port_up', l))).toBe(p.up ? 1 : 0);
        const d = p.drops();
        for (const reason of DROP_REASONS) expect(values.get(key('softbr_port_drops_total', { ...l, reason }))).toBe(d[reason]);
        for (let s = 0; s < PORT_STATE_NAMES.length; s++) {
          expect(values.get(key('softbr_port_stp_state', { ...l, state: PORT_STATE_NAMES[s]! }))).toBe(p.state === s ? 1 : 0);
        }
      }
    }
    // the traffic did reach the interesting cases
    expect(ports['p1']!.rxFrames).toBe(6);
    expect(ports['p1']!.rxBytes).toBe(100 + 64 + 64 + 60 * 3);
    expect(ports['p1']!.dropMalformed).toBe(1);
    expect(ports['p1']!.dropLinkLocal).toBe(1);
    expect(ports['p3']!.dropNoBuffer).toBe(1);
    expect(values.get(key('softbr_port_up', { bridge: 'br0', port: 'p2' }))).toBe(0);
  });

  it('per-bridge families equal the bridge, FDB and STP counters', () => {
    for (const b of [br, br2]) {
      const l = { bridge: b.name };
      expect(values.get(key('softbr_rx_frames_total', l))).toBe(b.rxFrames);
      expect(values.get(key('softbr_forwarded_frames_total', l))).toBe(b.forwarded);
      expect(values.get(key('softbr_flooded_frames_total', l))).toBe(b.flooded);
      expect(values.get(key('softbr_unknown_unicast_flooded_total', l))).toBe(b.unknownUnicastFlooded);
      expect(values.get(key('softbr_filtered_frames_total', l))).toBe(b.filtered);
      expect(values.get(key('softbr_fdb_entries', l))).toBe(b.fdb.size);
      expect(values.get(key('softbr_fdb_learned_total', l))).toBe(b.learned);
      expect(values.get(key('softbr_fdb_aged_total', l))).toBe(b.aged);
      expect(values.get(key('softbr_fdb_moved_total', l))).toBe(b.moved);
      expect(values.get(key('softbr_fdb_evicted_total', l))).toBe(b.evicted);
      expect(values.get(key('softbr_fdb_flushed_total', l))).toBe(b.flushed);
      const s = b.stp.snapshot();
      expect(values.get(key('softbr_stp_enabled', l))).toBe(s.enabled ? 1 : 0);
      expect(values.get(key('softbr_stp_root_changes_total', l))).toBe(s.rootChanges);
      expect(values.get(key('softbr_stp_topology_changes_total', l))).toBe(s.topologyChanges);
    }
    expect(br.learned).toBe(2);
    expect(br.moved).toBe(1);
    expect(br.flooded).toBeGreaterThanOrEqual(2);
    expect(br.unknownUnicastFlooded).toBe(1);
    expect(br.aged + br.flushed).toBeGreaterThan(0);
    expect(values.get(key('softbr_fdb_entries', { bridge: 'br0' }))).toBe(4); // the local entries stay
    // STP on lab.1 went through a topology change 40 s of virtual time ago, at most
    const since = values.get(key('softbr_stp_seconds_since_topology_change', { bridge: 'lab.1' }));
    expect(br2.stp.snapshot().topologyChanges).toBeGreaterThan(0);
    expect(since).toBe((clock.now() - br2.stp.snapshot().lastTopologyChangeMs!) / 1000);
    // never a topology change on br0: the series is absent rather than a made-up number
    expect(values.has(key('softbr_stp_seconds_since_topology_change', { bridge: 'br0' }))).toBe(false);
  });

  it('names follow the conventions and process metrics are present', () => {
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    for (const [name, type] of types) {
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
    const byName = new Map(types);
    const want: Record<string, string> = {
      softbr_port_rx_frames_total: 'counter', softbr_port_rx_bytes_total: 'counter', softbr_port_tx_frames_total: 'counter',
      softbr_port_tx_bytes_total: 'counter', softbr_port_drops_total: 'counter', softbr_port_flooded_frames_total: 'counter',
      softbr_port_up: 'gauge', softbr_port_stp_state: 'gauge', softbr_fdb_entries: 'gauge', softbr_fdb_learned_total: 'counter',
      softbr_fdb_aged_total: 'counter', softbr_fdb_moved_total: 'counter', softbr_fdb_evicted_total: 'counter',
      softbr_fdb_flushed_total: 'counter', softbr_unknown_unicast_flooded_total: 'counter', softbr_flooded_frames_total: 'counter',
      softbr_stp_root_changes_total: 'counter', softbr_stp_topology_changes_total: 'counter',
      softbr_stp_seconds_since_topology_change: 'gauge', softbr_stp_enabled: 'gauge',
    };
    for (const [n, t] of Object.entries(want)) expect(byName.get(n), n).toBe(t);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });

  it.skipIf(!existsSync('/usr/bin/promtool'))('promtool check metrics has nothing to say', () => {
    const r = promtool(text);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('reads values at scrape time: new ports appear, removed ones go', async () => {
    const extra = new TestPort('p9', mac('02:00:00:00:01:09'));
    br.addPort(extra);
    extra.inject(f('02:00:00:00:00:0a', '02:00:00:00:00:0c'));
    let v = parse(await metrics.registry.metrics());
    expect(v.get(key('softbr_port_rx_frames_total', { bridge: 'br0', port: 'p9' }))).toBe(1);
    br.removePort('p9');
    v = parse(await metrics.registry.metrics());
    expect(v.has(key('softbr_port_rx_frames_total', { bridge: 'br0', port: 'p9' }))).toBe(false);
  });

  it('a second registry for the same source works alongside (process metrics shared)', async () => {
    const m2 = createMetrics(source);
    const t2 = await m2.registry.metrics();
    expect(parse(t2).get(key('softbr_fdb_learned_total', { bridge: 'br0' }))).toBe(br.learned);
    m2.close();
    expect(await m2.registry.metrics()).not.toContain('softbr_');
    expect(await metrics.registry.metrics()).toContain('softbr_port_rx_frames_total');
  });
});

describe('metrics HTTP server', () => {
  const bridge = new Bridge({ name: 'br0', clock: new VirtualClock(), mac: mac('02:00:00:00:00:f0') });
  const p1 = new TestPort('p1', mac('02:00:00:00:01:01'));
  bridge.addPort(p1);
  const source: MetricsSource = { bridges: new Map([['br0', { bridge }]]) };

  it('serves GET and HEAD /metrics, 404 elsewhere, 405 for other methods', async () => {
    const srv = await serveMetrics(source, '127.0.0.1:0');
    try {
      expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      p1.inject(f('02:00:00:00:00:0b', '02:00:00:00:00:0a'));
      const r = await fetch(srv.url);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await r.text();
      expect(parse(body).get(key('softbr_port_rx_frames_total', { bridge: 'br0', port: 'p1' }))).toBe(1);
      if (existsSync('/usr/bin/promtool')) expect(promtool(body)).toEqual({ code: 0, out: '' });
      const head = await fetch(srv.url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      const base = srv.url.replace(/\/metrics$/, '');
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metricsx`)).status).toBe(404);
      expect((await fetch(`${srv.url}?x=1`)).status).toBe(200);
      const post = await fetch(srv.url, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    } finally {
      await srv.close();
    }
    await expect(fetch(srv.url)).rejects.toThrow();
  });

  it('parses addresses and names the bad one', () => {
    expect(parseListenAddr('127.0.0.1:9477')).toEqual({ host: '127.0.0.1', port: 9477 });
    expect(parseListenAddr('[::1]:9477')).toEqual({ host: '::1', port: 9477 });
    expect(parseListenAddr(':9477')).toEqual({ host: '::', port: 9477 });
    expect(parseListenAddr('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    for (const bad of ['9477', '127.0.0.1', '127.0.0.1:99999', 'a:b', '::1:9477', '']) {
      expect(() => parseListenAddr(bad)).toThrow(`invalid metrics address '${bad}': expected HOST:PORT`);
    }
  });

  it('says so when the address is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(serveMetrics(source, `127.0.0.1:${port}`)).rejects.toThrow(`cannot serve metrics on 127.0.0.1:${port}: the address is already in use`);
    } finally {
      blocker.close();
    }
  });
});
