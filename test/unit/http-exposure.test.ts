// The daemon's HTTP side (/metrics and the web view) against requests that are not a GET of a
// known path: other methods with bodies, unknown and traversal paths, a long URL. Each gets 404 or
// 405, and none of them changes anything: the bridges, their ports, FDB and counters are the same
// afterwards, and /metrics still answers.
import { describe, it, expect } from 'vitest';
import { request } from 'node:http';
import { Daemon } from '../../src/control/daemon.js';
import { VirtualClock } from '../../src/bridge/clock.js';
import { serveMetrics } from '../../src/metrics/server.js';
import { parseConfig } from '../../src/control/config.js';

/** One raw request (fetch refuses some methods and paths): status and body. */
function raw(url: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const r = request({ host: u.hostname, port: u.port, method, path, agent: false, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { b += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

describe('HTTP exposure: only GET/HEAD of a known path does anything', () => {
  it('other methods get 405, other paths 404, and the state is untouched', async () => {
    const daemon = new Daemon({ clock: new VirtualClock(1000), log: () => undefined });
    await daemon.applyConfig(parseConfig('bridges:\n  br0:\n    local: false\n    ageing: 120\n'));
    const srv = await serveMetrics(daemon, '127.0.0.1:0');
    const base = srv.url.replace(/\/metrics$/, '');
    const state = () => JSON.stringify({ show: daemon.showRows(), fdb: daemon.fdbRows(), links: daemon.linkRows(), ageing: daemon.get('br0').bridge.fdb.ageingMs });
    const before = state();
    const metricsBefore = await (await fetch(srv.url)).text();
    try {
      const body = JSON.stringify({ cmd: 'delbr', args: { bridge: 'br0' } });
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        for (const path of ['/metrics', '/', '/api/state']) {
          const r = await raw(base, method, path, body);
          expect(r.status, `${method} ${path}`).toBe(405);
        }
      }
      for (const path of ['/control', '/api/delbr?bridge=br0', '/../../etc/passwd', '/metrics/../x', `/${'a'.repeat(8000)}`, '/api/fdb?bridge=nope']) {
        const r = await raw(base, 'GET', path);
        expect([400, 404, 414, 431], `GET ${path.slice(0, 40)}: ${r.status}`).toContain(r.status);
      }
      expect(state()).toBe(before);
      const after = await fetch(srv.url);
      expect(after.status).toBe(200);
      // the same series (counters of the bridge did not move; process metrics may)
      const series = (t: string) => t.split('\n').filter((l) => l.startsWith('softbr_')).join('\n');
      expect(series(await after.text())).toBe(series(metricsBefore));
    } finally {
      await srv.close();
      daemon.shutdown();
    }
  });
});
