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

/**
 * Fails when another daemon already answers on path; removes a stale socket file (a daemon that
 * was killed). The daemon calls it before it creates anything, so that a second daemon on one
 * socket refuses at once instead of fighting the first over its TAPs.
 */
export async function claimPath(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another softbr daemon is already listening on ${path}: stop it first, or give this one its own socket with --control PATH`);
  unlinkSync(path);
}

/** Longest request line (bytes of UTF-8 text, without its newline); a longer one ends the connection. */
export const MAX_REQUEST_BYTES = 1 << 20;
/**
 * Replies queued to a client that does not read them, beyond which it is cut off: a dead or
 * stalled client must not grow the daemon's memory. Streams pause well before this (observe.ts).
 */
export const MAX_CLIENT_BACKLOG = 64 << 20;

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

const tooLong = `request over ${MAX_REQUEST_BYTES} bytes: connection closed`;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The shape every request has; handlers check their own args. */
function isRequest(v: unknown): v is Request {
  return isObject(v) && typeof v['cmd'] === 'string' && typeof v['id'] === 'number' && Number.isFinite(v['id'])
    && (v['args'] === undefined || isObject(v['args']));
}

function handleConnection(sock: Socket, handler: Handler, log: (msg: string) => void): void {
  let buf = '';
  const closers: (() => void)[] = [];
  let closed = false;
  const write = (r: Reply) => {
    if (closed) return;
    if (sock.writableLength > MAX_CLIENT_BACKLOG) {
      log(`control client cut off: it left over ${MAX_CLIENT_BACKLOG} bytes of replies unread`);
      sock.destroy();
      return;
    }
    sock.write(JSON.stringify(r) + '\n');
  };
  /** Refuses the rest of the connection with one error reply (the client is not speaking the protocol). */
  const refuse = (error: string) => {
    write({ id: 0, ok: false, error, kind: 'user' });
    buf = '';
    sock.removeAllListeners('data');
    sock.end();
  };
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
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      if (nl > MAX_REQUEST_BYTES) { refuse(tooLong); return; }
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) void dispatch(line);
    }
    // string length counts UTF-16 units: at most the UTF-8 byte count, so this never refuses early
    if (buf.length > MAX_REQUEST_BYTES) refuse(tooLong);
  });
  async function dispatch(line: string): Promise<void> {
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
      if (!isRequest(req)) throw new Error('bad');
    } catch {
      write({ id: 0, ok: false, error: 'malformed request: expected one JSON object per line with numeric id, string cmd and optional object args', kind: 'user' });
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
