// The control protocol: newline-delimited JSON over a unix socket. One request per line,
// `{"id":1,"cmd":"show","args":{...}}`; the reply carries the same id with ok/result or ok:false/error.
// Streaming commands (monitor, capture) answer with many `{"id":1,"event":{...}}` lines until the
// client closes the connection or the stream ends with a final ok reply.
import { UserError } from '../user-error.js';

// control's users import the error class with the protocol that carries it
export { UserError };

export const DEFAULT_CONTROL_PATH = '/run/softbr/control.sock';

export interface Request {
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}

/**
 * An error reply says whose fault it was: 'user' (bad input: the client shows the message as it
 * stands and the CLI exits 2) or 'internal' (the daemon failed: details are in its log).
 */
export type ErrorKind = 'user' | 'internal';

export type Reply =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: string; kind?: ErrorKind }
  | { id: number; event: unknown };

export function controlPath(explicit?: string): string {
  return explicit ?? process.env['SOFTBR_CONTROL'] ?? DEFAULT_CONTROL_PATH;
}

/**
 * An internal error that happened elsewhere (a bridge's worker thread, thread-protocol.ts) and was
 * logged there with its stack: answered as internal, without a second, meaningless stack here.
 */
export class RelayedError extends Error {}

/**
 * The reply for a request that failed with e: a UserError's message as it stands; anything else
 * is logged with its stack and answered with a pointer to that log.
 */
export function errorReply(id: number, cmd: string, e: unknown, log: (msg: string) => void): Reply {
  if (e instanceof UserError) return { id, ok: false, error: e.message, kind: 'user' };
  if (e instanceof RelayedError) {
    log(`internal error in '${cmd}' (relayed from a bridge thread, which logged its stack)`);
    return { id, ok: false, error: `internal error: ${e.message} (see the daemon log)`, kind: 'internal' };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  log(`internal error in '${cmd}': ${err.stack ?? err.message}`);
  return { id, ok: false, error: `internal error: ${err.message} (see the daemon log)`, kind: 'internal' };
}
