// The main thread's handle on one bridge's worker thread (bridge-worker.ts): starts it and waits
// until its bridge is up, sends it calls with ids and matches the replies, hands stream events on,
// and stops it (bounded: a thread that does not exit in time is terminated).
import { Worker } from 'node:worker_threads';
import { RelayedError } from './protocol.js';
import { fromWire, type FromThread, type ThreadCall, type ThreadStart, type ToThread } from './thread-protocol.js';

export interface ThreadReply { result: unknown; streaming: boolean }

export interface BridgeThreadOptions {
  quiet?: boolean;
  log: (m: string) => void;
  /** A stream event of a forwarded control request. */
  onEvent: (sid: number, id: number, ev: unknown) => void;
  /** The thread ended (stopped, or failed on its own). */
  onExit: (t: BridgeThread) => void;
}

/** How long a stopping thread has to delete its bridge and exit before it is terminated. */
export const STOP_TIMEOUT_MS = 5000;

const WORKER_URL = new URL('./bridge-worker.js', import.meta.url);

export class BridgeThread {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: ThreadReply) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;
  private gone = false;

  private constructor(readonly name: string, private readonly worker: Worker, private readonly closed: Int32Array, private readonly opts: BridgeThreadOptions) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /** Starts the thread; resolves once its bridge is up, rejects (the thread gone) when it could not be made. */
  static start(bridge: ThreadStart['bridge'], opts: BridgeThreadOptions): Promise<BridgeThread> {
    const closed = new SharedArrayBuffer(4);
    const worker = new Worker(WORKER_URL, { workerData: { bridge, quiet: opts.quiet ?? false, closed } satisfies ThreadStart });
    const t = new BridgeThread(bridge.name, worker, new Int32Array(closed), opts);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') { started = true; resolve(t); return; }
        if (m.type === 'failed') { reject(fromWire(m.error)); return; }
        t.onMessage(m);
      });
      worker.on('error', (e) => {
        opts.log(`bridge ${bridge.name}: its thread failed: ${e.stack ?? e.message}`);
        if (!started) reject(new RelayedError(`the thread of bridge ${bridge.name} failed: ${e.message}`));
      });
      worker.once('exit', (code) => {
        t.gone = true;
        for (const w of t.waiting.values()) w.reject(new RelayedError(`the thread of bridge ${bridge.name} exited (code ${code})`));
        t.waiting.clear();
        if (!started) reject(new RelayedError(`the thread of bridge ${bridge.name} exited before its bridge was up (code ${code})`));
        opts.onExit(t);
      });
    });
  }

  private onMessage(m: FromThread): void {
    if (m.type === 'event') { this.opts.onEvent(m.sid, m.id, m.ev); return; }
    if (m.type !== 'reply') return;
    const w = this.waiting.get(m.id);
    if (w === undefined) return;
    this.waiting.delete(m.id);
    if (m.ok) w.resolve({ result: m.result, streaming: m.streaming === true });
    else w.reject(fromWire(m.error));
  }

  /** Sends one call; its reply, or the thread's error. */
  call(c: ThreadCall): Promise<ThreadReply> {
    if (this.gone) return Promise.reject(new RelayedError(`the thread of bridge ${this.name} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'call', id, ...c } satisfies ToThread);
    });
  }

  /** The result of a call that does not stream. */
  async ask(c: ThreadCall): Promise<unknown> { return (await this.call(c)).result; }

  /** Tells the thread that control session sid went away. */
  closeSession(sid: number): void {
    if (!this.gone) this.worker.postMessage({ type: 'close', sid } satisfies ToThread);
  }

  /** Tells the thread how many bytes wait unsent on control session sid's socket (backlog-relay.ts). */
  reportBacklog(sid: number, bytes: number): void {
    if (!this.gone) this.worker.postMessage({ type: 'backlog', sid, bytes } satisfies ToThread);
  }

  /** Deletes the bridge and waits (bounded) for the thread to exit; terminates it when it does not. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    if (this.gone) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs); });
    try {
      const r = await Promise.race([this.call({ op: 'shutdown' }).then(() => this.exited, () => this.exited), late]);
      if (r === 'late') {
        this.opts.log(`bridge ${this.name}: its thread did not exit within ${timeoutMs} ms: terminated`);
        await this.worker.terminate();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * stop() for the crash path, which must exit without awaiting anything: asks the thread to
   * delete its bridge as stop() does; waitClosed() then blocks until it has.
   */
  requestStop(): void {
    if (!this.gone) this.call({ op: 'shutdown' }).catch(() => { /* the process is exiting */ });
  }

  /**
   * Blocks this thread (Atomics.wait: the worker runs on its own loop meanwhile) until the thread
   * has closed its bridge's devices, or Date.now() reaches deadline; whether it did. A thread that
   * already exited has nothing left to close.
   */
  waitClosed(deadline: number): boolean {
    if (this.gone) return true;
    while (Atomics.load(this.closed, 0) === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.closed, 0, 0, left);
    }
    return true;
  }
}
