// The messages between the main daemon and a bridge's worker thread (bridge-worker.ts,
// bridge-thread.ts), over the Worker's MessagePort: calls with ids and their replies, stream
// events of forwarded control requests, and how an error crosses (a user error stays one; an
// internal one was logged with its stack in the worker and comes back as a RelayedError).
import type { BridgeConfig } from './config.js';
import { RelayedError, UserError, type ErrorKind, type Request } from './protocol.js';

/** What the main thread asks of a bridge thread; each call gets one reply with its id. */
export type ThreadCall =
  /** A control request for the thread's bridge, on behalf of control session sid. */
  | { op: 'control'; sid: number; req: Request }
  /** Whether name is the bridge, or a port or endpoint of it: the bridge's name, or null. */
  | { op: 'owns'; name: string }
  /** The softbr_ metric families as prom-client's getMetricsAsJSON gives them. */
  | { op: 'metrics' }
  /** The web view's BridgeView of the bridge, as a one-element list (web/snapshot.ts bridgeViews). */
  | { op: 'web-state' }
  /** The web view's MAC table of the bridge (web/snapshot.ts fdbView). */
  | { op: 'web-fdb' }
  /** The bridge's part of `config show` (running-config.ts bridgeEntry). */
  | { op: 'config-entry' }
  /** A reloaded config's first step for this bridge: let go of the ports it no longer has (Daemon.releasePorts); replies what changed. */
  | { op: 'release'; bridge: BridgeConfig }
  /** A reloaded config's part for this bridge: applied as SIGHUP applies it; replies what changed. */
  | { op: 'apply'; bridge: BridgeConfig }
  /** Delete the bridge (its TAPs go) and exit. */
  | { op: 'shutdown' };

export type ToThread =
  | ({ type: 'call'; id: number } & ThreadCall)
  /** Control session sid went away: end its streams (captures, monitors). */
  | { type: 'close'; sid: number }
  /**
   * Bytes queued unsent on control session sid's socket (backlog-relay.ts), the worker's stand-in
   * for Session.backlog: a capture there pauses on it as one on the main thread does.
   */
  | { type: 'backlog'; sid: number; bytes: number };

export interface WireError { kind: ErrorKind; message: string }

export type FromThread =
  /** The bridge is up (the answer to workerData), or it could not be made and the thread ends. */
  | { type: 'ready' }
  | { type: 'failed'; error: WireError }
  /** streaming: the request keeps streaming events after this reply (server.ts STREAMING). */
  | { type: 'reply'; id: number; ok: true; result: unknown; streaming?: true }
  | { type: 'reply'; id: number; ok: false; error: WireError }
  /** An event of a streaming control request (req id) of session sid. */
  | { type: 'event'; sid: number; id: number; ev: unknown };

/** What a bridge thread is started with (workerData). */
export interface ThreadStart {
  /** The bridge as the config or addbr gives it. */
  bridge: Pick<BridgeConfig, 'name'> & Partial<BridgeConfig>;
  quiet: boolean;
  /**
   * One Int32 the thread sets to 1 (Atomics.notify) once its bridge's devices are closed: the
   * main thread's crash path, which cannot await a reply, waits on it (BridgeThread.waitClosed).
   */
  closed: SharedArrayBuffer;
}

/** An error for the wire: a UserError's message as it stands; anything else logged here with its stack. */
export function toWire(e: unknown, what: string, log: (m: string) => void): WireError {
  if (e instanceof UserError) return { kind: 'user', message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  log(`internal error in '${what}': ${err.stack ?? err.message}`);
  return { kind: 'internal', message: err.message };
}

/** The error to throw on the main thread for one that crossed. */
export function fromWire(w: WireError): Error {
  return w.kind === 'user' ? new UserError(w.message) : new RelayedError(w.message);
}
