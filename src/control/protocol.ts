// The control protocol: newline-delimited JSON over a unix socket. One request per line,
// `{"id":1,"cmd":"show","args":{...}}`; the reply carries the same id with ok/result or ok:false/error.
// Streaming commands (monitor, capture) answer with many `{"id":1,"event":{...}}` lines until the
// client closes the connection or the stream ends with a final ok reply.

export const DEFAULT_CONTROL_PATH = '/run/softbr/control.sock';

export interface Request {
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}

export type Reply =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: string }
  | { id: number; event: unknown };

export function controlPath(explicit?: string): string {
  return explicit ?? process.env['SOFTBR_CONTROL'] ?? DEFAULT_CONTROL_PATH;
}

/** An error whose message is meant for the user as it stands (bad argument, unknown bridge…). */
export class UserError extends Error {}
