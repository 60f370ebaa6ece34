// The daemon's HTTP server (node:http, no framework): GET or HEAD /metrics answers with the
// registry's text exposition; the live web view (src/web) has / and its API beside it. Another
// method on a known path is 405, any other path 404. Binds to 127.0.0.1:9477 by default.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics, exposition, type MetricsSource, type MetricsJson } from './metrics.js';
import { UserError } from '../user-error.js';
import { webRoutes, WEB_PATHS, type WebRoutes } from '../web/routes.js';
import { localViews, type WebSource, type WebViews } from '../web/snapshot.js';
import type { EventListener } from '../bridge/events.js';

export const DEFAULT_METRICS_ADDR = '127.0.0.1:9477';


/** Parses `host:port`, `[v6addr]:port` or `:port` (all interfaces). Throws naming the bad value. */
export function parseListenAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new UserError(`invalid metrics address '${addr}': expected HOST:PORT (e.g. ${DEFAULT_METRICS_ADDR}, [::1]:9477 or :9477) with a port from 0 to 65535`);
  }
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '::' : host, port };
}

export interface MetricsServer {
  /** http://HOST:PORT/metrics as bound (with the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

type WebCapable = MetricsSource & Partial<WebSource> & { onEvent?(fn: EventListener): () => void };

export interface ServeOptions {
  /** A lab's state file: the web view draws its hosts and links. */
  topology?: string;
  /** Metrics of bridges kept elsewhere (bridge threads), merged into each scrape. */
  remote?: () => Promise<MetricsJson[]>;
  /** The web view's bridges when source's are not all of them (BridgeThreads.webViews); else source's own. */
  views?: WebViews;
}

/**
 * Serves source's metrics on addr (host:port), and the web view when source has a clock (a
 * Daemon). Rejects with a clear message when it cannot bind.
 */
export async function serveMetrics(source: WebCapable, addr: string = DEFAULT_METRICS_ADDR, opts: ServeOptions = {}): Promise<MetricsServer> {
  const { host, port } = parseListenAddr(addr);
  const metrics = createMetrics(source);
  const web: WebRoutes | undefined = source.clock
    ? webRoutes(source as WebCapable & WebSource, opts.views ?? localViews(source as WebCapable & WebSource), opts.topology)
    : undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const [path = '/', q = ''] = (req.url ?? '/').split('?');
    const known = path === '/metrics' || (web !== undefined && WEB_PATHS.includes(path));
    if (!known) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`not found: metrics are at /metrics${web ? ', the web view at /' : ''}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' });
      res.end(`method ${req.method} not allowed on ${path}: use GET\n`);
      return;
    }
    if (path !== '/metrics') {
      web!.handle(req, res, path, new URLSearchParams(q)).catch((e: Error) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`web view failed: ${e.message}\n`);
      });
      return;
    }
    (opts.remote ?? (async () => []))().then((remote) => exposition(metrics, remote)).then((text) => {
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    }, (e: Error) => {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`collecting metrics failed: ${e.message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      metrics.close();
      reject(new UserError(e.code === 'EADDRINUSE'
        ? `cannot serve metrics on ${addr}: the address is already in use (choose another with --metrics HOST:PORT, or --no-metrics)`
        : `cannot serve metrics on ${addr}: ${e.message}`));
    });
    server.listen(port, host, () => resolve());
  });
  server.on('error', () => { /* after listening: per-connection errors are not fatal */ });
  const a = server.address() as AddressInfo;
  const shownHost = a.family === 'IPv6' || a.family as unknown === 6 ? `[${a.address}]` : a.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${a.port}/metrics`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // scrapers keep connections alive; do not wait for them to go away
        server.closeAllConnections();
        metrics.close();
        web?.close();
      });
      return closed;
    },
  };
}
