// The control socket client used by every CLI verb: one request, one reply (or a stream of events).
// A reply the daemon marks as the user's fault rejects with UserError; everything else that goes
// wrong (no daemon, a dropped connection, an internal error) with ControlError.
import { connect, type Socket } from 'node:net';
import { UserError, type Reply } from './protocol.js';

export class ControlError extends Error {}

export class ControlClient {
  private sock: Socket;
  private buf = '';
  private nextId = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; onEvent?: (ev: unknown) => void }>();
  private constructor(sock: Socket, readonly path: string) {
    this.sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => this.onData(c));
    sock.on('close', () => {
      for (const w of this.waiting.values()) w.reject(new ControlError('the softbr daemon closed the connection'));
      this.waiting.clear();
    });
  }

  static connect(path: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => { s.removeAllListeners('error'); s.on('error', () => {}); resolve(new ControlClient(s, path)); });
      s.once('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? `no softbr daemon is listening on ${path}. Start one with \`softbr daemon\` (as root), or point to it with --control PATH / SOFTBR_CONTROL`
          : e.code === 'EACCES' ? `permission denied on ${path}: the control socket is root-only (mode 0600); run as root`
          : `cannot connect to ${path}: ${e.message}`;
        reject(new ControlError(why));
      });
    });
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (!line.trim()) continue;
      let r: Reply;
      try { r = JSON.parse(line) as Reply; } catch { continue; }
      const w = this.waiting.get(r.id);
      if (!w) continue;
      if ('event' in r) { w.onEvent?.(r.event); continue; }
      this.waiting.delete(r.id);
      if (r.ok) w.resolve(r.result); else w.reject(r.kind === 'user' ? new UserError(r.error) : new ControlError(r.error));
    }
  }

  request<T = unknown>(cmd: string, args: Record<string, unknown> = {}, onEvent?: (ev: unknown) => void): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent });
      this.sock.write(JSON.stringify({ id, cmd, args }) + '\n');
    });
  }

  close(): void { this.sock.end(); this.sock.destroy(); }
}

/** Connects, sends one request, closes. */
export async function call<T = unknown>(path: string, cmd: string, args: Record<string, unknown> = {}): Promise<T> {
  const c = await ControlClient.connect(path);
  try { return await c.request<T>(cmd, args); } finally { c.close(); }
}
