// The web view's HTTP routes, served beside /metrics: the page and its files (plain HTML, CSS
// and JS, and cytoscape vendored through npm: nothing to build), and the JSON API the page polls.
// Only GET and HEAD of these paths exist; the server answers 404/405 for anything else. The API
// answers come from WebViews, which may have to ask bridge threads: so they are async.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fdbViewAt, readStamp, stateView, type WebSource, type WebViews } from './snapshot.js';
import { EventLog } from './event-log.js';

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
  /** Answers req when path is one of WEB_PATHS (false when it is not); rejects when building the answer failed. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<boolean>;
  close(): void;
}

/** src gives the clock of `now`; views the bridges (with their events), src's own or every thread's. */
export function webRoutes(src: Pick<WebSource, 'clock'>, views: WebViews, topologyFile?: string): WebRoutes {
  const log = new EventLog();
  const off = views.onEvent?.((e) => log.push(e));
  const cache = new Map<string, Buffer>();
  const json = (res: ServerResponse, head: boolean, body: unknown, status = 200) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(head ? undefined : text);
  };
  return {
    async handle(req, res, path, query) {
      const head = req.method === 'HEAD';
      const f = FILES[path];
      if (f) {
        let body = cache.get(path);
        if (!body) { body = readFileSync(f.file()); cache.set(path, body); }
        res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': body.length });
        res.end(head ? undefined : body);
        return true;
      }
      if (path === '/api/state') {
        const bridges = await views.bridges();
        json(res, head, stateView(src.clock.now(), bridges, topologyFile));
        return true;
      }
      if (path === '/api/fdb') {
        const name = query.get('bridge') ?? '';
        const v = await views.fdb(name);
        // a thread's last answer may be older than this request: its ages as of now
        if (v) json(res, head, fdbViewAt(v, readStamp()));
        else if (v === null) json(res, head, { error: `bridge ${name}: its thread has not answered yet` }, 503);
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
