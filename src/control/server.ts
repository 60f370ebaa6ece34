// The control socket server: accepts connections on a unix socket (mode 0600, or 0660 with an
// admin group), splits lines,
// parses requests and hands them to a handler; replies and stream events are written back as lines.
// Every handler error passes here on its way to the client, so this is where user errors and
// internal ones part (errorReply).
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, unlinkSync, chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:net';
import { errorReply, type Request, type Reply } from './protocol.js';
import { shareSocket } from './control-group.js';

export interface Session {
  /** Sends a stream event for request id. */
  event(id: number, ev: unknown): void;
  /** Registers cleanup to run when the client goes away (ends a stream). */
  onClose(fn: () => void): void;
  readonly closed: boolean;
  readonly backlog?: number;
}

export type Handler = (req: Request, session: Session) => Promise<unknown> | unknown;
/** Returned by a handler that keeps streaming: no reply is sent now. */
export const STREAMING = Symbol('streaming');

/** Fails when another daemon already answers on path; removes a stale socket file. */
async function claimPath(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another softbr daemon is already listening on ${path}`);
  unlinkSync(path);
}

export interface ServeOptions {
  /** Where internal errors go, with their stacks (default: stderr, as the daemon logs). */
  log?: (msg: string) => void;
  /** Gid whose members may use the socket (mode 0660); without it only the owner (0600). */
  group?: number;
}

export async function serveControl(path: string, handler: Handler, opts: ServeOptions = {}): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true });
  await claimPath(path);
  const log = opts.log ?? ((m: string) => process.stderr.write(`softbr: ${m}\n`));
  const server = createServer((sock) => handleConnection(sock, handler, log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => { server.off('error', reject); resolve(); });
  });
  if (opts.group === undefined) chmodSync(path, 0o600);
  else shareSocket(path, opts.group);
  server.on('close', () => { try { unlinkSync(path); } catch { /* already gone */ } });
  return server;
}

function handleConnection(sock: Socket, handler: Handler, log: (msg: string) => void): void {
  let buf = '';
  const closers: (() => void)[] = [];
  let closed = false;
  const write = (r: Reply) => { if (!closed) sock.write(JSON.stringify(r) + '\n'); };
  const session: Session = {
    event: (id, ev) => write({ id, event: ev }),
    onClose: (fn) => { if (closed) fn(); else closers.push(fn); },
    get closed() { return closed; },
    /** Bytes queued to a slow client; streams pause while it is large. */
    get backlog() { return sock.writableLength; },
  };
  const close = () => {
    if (closed) return;
    closed = true;
    for (const fn of closers.splice(0)) { try { fn(); } catch { /* best effort */ } }
  };
  sock.on('close', close);
  sock.on('error', close);
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    if (buf.length > 1 << 20) { sock.destroy(); return; }
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) void dispatch(line);
    }
  });
  async function dispatch(line: string): Promise<void> {
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
      if (typeof req !== 'object' || req === null || typeof req.cmd !== 'string' || typeof req.id !== 'number') throw new Error('bad');
    } catch {
      write({ id: 0, ok: false, error: 'malformed request: expected one JSON object per line with numeric id and string cmd', kind: 'user' });
      return;
    }
    try {
      const result = await handler(req, session);
      if (result !== STREAMING) write({ id: req.id, ok: true, result });
    } catch (e) {
      write(errorReply(req.id, req.cmd, e, log));
    }
  }
}
