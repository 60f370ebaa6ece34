// Taking a unix socket path to listen on, for every driver that listens on one (stream ports,
// VDE control sockets): a stale socket left by a crash is replaced, a live one or a non-socket
// is refused, and the paths this process listens on are known by the port that holds them (so
// a second port on one path is refused without probing our own listener).
import net from 'node:net';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Resolved paths this process listens on, to the name of the port holding each. */
const held = new Map<string, string>();

export function errnoError(message: string, code: string): NodeJS.ErrnoException {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/**
 * Whether something accepts connections on unix socket `path`: true = live, false = stale
 * (ECONNREFUSED: the process that made it is gone). Any other error (EACCES…) is thrown, so a
 * socket we may not probe is never taken for stale and removed.
 */
function probeUnix(path: string): Promise<boolean> {
  return new Promise((res, rej) => {
    const s = net.connect({ path });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') res(false);
      else rej(errnoError(`${path}: ${e.message}`, e.code ?? 'EIO'));
    });
  });
}

/**
 * Makes `path` free to listen on: throws (with .code) EADDRINUSE when a port of ours or another
 * process listens there, EEXIST when it is not a socket, ENOENT when its directory is missing;
 * removes a stale socket.
 */
export async function claimUnixPath(path: string): Promise<void> {
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(path);
  } catch {
    st = undefined;
  }
  if (st !== undefined) {
    if (!st.isSocket()) throw errnoError(`${path} exists and is not a socket`, 'EEXIST');
    // one of ours: say so without connecting to it (a probe would look like a client to it)
    const owner = held.get(resolve(path));
    if (owner !== undefined) throw errnoError(`${path} is the socket of port ${owner} already`, 'EADDRINUSE');
    if (await probeUnix(path)) throw errnoError(`another process listens on ${path}`, 'EADDRINUSE');
    unlinkSync(path); // stale socket of a process that is gone
  }
  // (libuv reports a missing directory as EACCES: say what it is)
  const dir = dirname(path);
  if (!existsSync(dir)) throw errnoError(`directory ${dir} does not exist`, 'ENOENT');
}

/** Records that port `name` listens on `path` now. */
export function holdUnixPath(path: string, name: string): void {
  held.set(resolve(path), name);
}

export function releaseUnixPath(path: string, name: string): void {
  const key = resolve(path);
  if (held.get(key) === name) held.delete(key);
}
