// The web view's HTTP routes, served beside /metrics: the page and its files (plain HTML, CSS
// and JS, and cytoscape vendored through npm: nothing to build), and the JSON API the page polls.
// Only GET and HEAD of these paths exist; the server answers 404/405 for anything else.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fdbView, stateView, type WebSource } from './snapshot.js';
import { EventLog } from './event-log.js';
import type { BridgeEvent } from '../bridge/events.js';

/** This module runs from dist/src/web/; the page's files stay in the source tree. */
const STATIC = fileURLToPath(new URL('../../../src/web/static/', import.meta.url));
const require = createRequire(import.meta.url);

const FILES: Record<string, { file: () => string; type: string }> = {
  '/': { file: () => `${STATIC}index.html`, type: 'text/html; charset=utf-8' },
  '/app.js': { file: () => `${STATIC}app.js`, type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: () => `${STATIC}app.css`, type: 'text/css; charset=utf-8' },
  '/vendor/cytoscape.min.js': { file: () => require.resolve('cytoscape/dist/cytoscape.min.js'), type: 'text/javascript; charset=utf-8' },
};
const API = ['/api/state', '/api/fdb', '/api/events'];

export const WEB_PATHS: readonly string[] = [...Object.keys(FILES), ...API];

export interface WebRoutes {
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean;
  close(): void;
}

export function webRoutes(src: WebSource & { onEvent?(fn: (e: BridgeEvent & { time: number }) => void): () => void }, topologyFile?: string): WebRoutes {
  const log = new EventLog();
  const off = src.onEvent?.((e) => log.push(e));
  const cache = new Map<string, Buffer>();
  const json = (res: ServerResponse, head: boolean, body: unknown, status = 200) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(head ? undefined : text);
  };
  return {
    handle(req, res, path, query) {
      const head = req.method === 'HEAD';
      const f = FILES[path];
      if (f) {
        let body = cache.get(path);
        if (!body) { body = readFileSync(f.file()); cache.set(path, body); }
        res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': body.length });
        res.end(head ? undefined : body);
        return true;
      }
      if (path === '/api/state') { json(res, head, stateView(src, topologyFile)); return true; }
      if (path === '/api/fdb') {
        const name = query.get('bridge') ?? '';
        const v = fdbView(src, name);
        if (v) json(res, head, v);
        else json(res, head, { error: `no bridge ${name}` }, 404);
        return true;
      }
      if (path === '/api/events') {
        const since = Number(query.get('since') ?? '-1');
        const closed = new Promise<void>((r) => res.once('close', () => r()));
        void log.after(Number.isFinite(since) ? since : -1, undefined, closed).then((r) => { if (!res.writableEnded && !res.destroyed) json(res, head, r); });
        return true;
      }
      return false;
    },
    close() {
      off?.();
      log.close();
    },
  };
}
