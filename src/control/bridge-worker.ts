// The entry of a bridge's worker thread (addbr --thread, `thread: true`): a Daemon of its own with
// just that bridge, whose ports the thread opens itself so that their native pollers run on this
// thread's event loop. It answers the main thread's calls (thread-protocol.ts) with the same
// command table the control socket uses, so every verb behaves as it does on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { Daemon } from './daemon.js';
import { dispatch } from './commands.js';
import './handler.js';
import { STREAMING, type Session } from './server.js';
import { bridgeEntry } from './running-config.js';
import { createMetrics } from '../metrics/metrics.js';
import { bridgeViews, fdbView } from '../web/snapshot.js';
import { toWire, type FromThread, type ThreadCall, type ThreadStart, type ToThread } from './thread-protocol.js';

if (parentPort === null) throw new Error('bridge-worker.ts runs as a worker thread (bridge-thread.ts starts it)');
const port = parentPort;
const start = workerData as ThreadStart;
const name = start.bridge.name;
const log = (m: string) => { if (!start.quiet) process.stderr.write(`softbr: ${m}\n`); };
const post = (m: FromThread) => port.postMessage(m);
const daemon = new Daemon({ log, onThread: true });
const metrics = createMetrics(daemon, { processMetrics: false });

/** The worker's side of a control session of the main thread: events go back over the port. */
class ThreadSession implements Session {
  closed = false;
  /** The main side's socket backlog as last reported (backlog-relay.ts): a capture pauses on it (observe.ts). */
  backlog = 0;
  private closers: (() => void)[] = [];
  constructor(private readonly sid: number) {}
  event(id: number, ev: unknown): void { if (!this.closed) post({ type: 'event', sid: this.sid, id, ev }); }
  onClose(fn: () => void): void { if (this.closed) fn(); else this.closers.push(fn); }
  close(): void {
    this.closed = true;
    for (const fn of this.closers.splice(0)) { try { fn(); } catch { /* best effort */ } }
  }
}
const sessions = new Map<number, ThreadSession>();

function sessionOf(sid: number): ThreadSession {
  let s = sessions.get(sid);
  if (s === undefined) { s = new ThreadSession(sid); sessions.set(sid, s); }
  return s;
}

function owns(n: string): string | null {
  if (n === name && daemon.bridges.has(name)) return name;
  return daemon.ownerOf(n) ?? null;
}

async function run(c: ThreadCall): Promise<unknown> {
  switch (c.op) {
    case 'control': {
      // a stream (monitor) replies STREAMING: its events go on after this call's reply
      return dispatch(daemon, c.req, sessionOf(c.sid));
    }
    case 'owns': return owns(c.name);
    case 'metrics': return metrics.registry.getMetricsAsJSON();
    case 'web-state': return bridgeViews(daemon);
    case 'web-fdb': return fdbView(daemon, name) ?? null;
    case 'config-entry': return bridgeEntry(daemon, daemon.get(name));
    case 'release': return daemon.releasePorts({ bridges: [c.bridge] });
    case 'apply': return daemon.applyConfig({ bridges: [c.bridge] });
    case 'shutdown': return stop();
  }
}

const closedFlag = new Int32Array(start.closed);

/** Closes the bridge's devices (Daemon.shutdown), then tells a main thread that may be blocked waiting for it. */
function closeDevices(): void {
  try {
    daemon.shutdown();
  } finally {
    Atomics.store(closedFlag, 0, 1);
    Atomics.notify(closedFlag, 0);
  }
}

function stop(): null {
  for (const s of sessions.values()) s.close();
  sessions.clear();
  metrics.close();
  closeDevices();
  // the reply goes out first; then nothing holds the loop and the thread exits
  setImmediate(() => port.close());
  return null;
}

port.on('message', (m: ToThread) => {
  if (m.type === 'close') {
    sessions.get(m.sid)?.close();
    sessions.delete(m.sid);
    return;
  }
  if (m.type === 'backlog') {
    sessionOf(m.sid).backlog = m.bytes;
    return;
  }
  const what = m.op === 'control' ? m.req.cmd : m.op;
  run(m).then(
    (result) => post(result === STREAMING ? { type: 'reply', id: m.id, ok: true, result: null, streaming: true } : { type: 'reply', id: m.id, ok: true, result }),
    (e: unknown) => post({ type: 'reply', id: m.id, ok: false, error: toWire(e, what, log) }),
  );
});

// a bug must not leave devices behind: close everything, then let the main thread see the exit
process.on('uncaughtException', (e) => {
  log(`bridge ${name}: internal error on its thread, closing it: ${e.stack ?? e.message}`);
  try { closeDevices(); } finally { process.exit(70); }
});

daemon.addBridge(start.bridge).then(
  () => post({ type: 'ready' }),
  (e: unknown) => { post({ type: 'failed', error: toWire(e, `bridge ${name}`, log) }); closeDevices(); port.close(); },
);
