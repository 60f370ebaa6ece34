// The main daemon's record of the bridges that run on their own threads (addbr --thread,
// `thread: true`) and the control handler that sends each request where thread-routing.ts says:
// to the main thread's Daemon, to one bridge's thread, or to all of them with the answers merged.
// Config apply (startup, SIGHUP), metrics, the web view and shutdown go through here too, so that a
// threaded bridge is created, changed, scraped, shown and deleted like any other.
import type { Daemon } from './daemon.js';
import { bridgeExists, bridgeAsPort, portTaken } from './daemon.js';
import type { BridgeConfig, Config } from './config.js';
import { dispatch } from './commands.js';
import { STREAMING, type Handler, type Session } from './server.js';
import type { Request } from './protocol.js';
import { bridgeName, macArg, onOff, optStr, str } from './args.js';
import { formatMac } from '../frame/mac.js';
import { portSpec } from './port-kinds/index.js';
import { BridgeThread } from './bridge-thread.js';
import { BacklogRelay } from './backlog-relay.js';
import type { ThreadCall } from './thread-protocol.js';
import { mergeReplies, routeOf } from './thread-routing.js';
import { runningConfigYaml } from './running-config.js';
import type { MetricsJson } from '../metrics/metrics.js';
import { bridgeViews, fdbView, mergeBridgeViews, type BridgeView, type FdbView, type WebViews } from '../web/snapshot.js';
import type { BridgeEvent, EventListener } from '../bridge/events.js';

/** How long a scrape or a web view request waits for a thread before it uses the thread's last answer. */
export const ANSWER_TIMEOUT_MS = 1000;

const LATE = Symbol('late');

/** How long a crashing main thread waits, in all, for the threads to close their bridges' devices before it exits. */
export const CRASH_STOP_TIMEOUT_MS = 2000;

/**
 * ask()'s answer when it comes within ms, kept in last under key; else (late, or failed: onError
 * hears why) the answer last kept there, undefined when there is none. So a slow or stuck thread
 * costs a scrape or a page at most ms, and shows what it said last.
 */
export async function answerOrLast<T>(ask: () => Promise<T>, last: Map<string, T>, key: string, ms: number, onError: (e: Error) => void): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => { timer = setTimeout(() => resolve(LATE), ms); });
  try {
    const got = await Promise.race([ask(), late]);
    if (got !== LATE) last.set(key, got);
  } catch (e) {
    onError(e as Error);
  } finally {
    clearTimeout(timer);
  }
  return last.get(key);
}

/** The id of the monitor request each thread streams the web view's events under (one per thread, on the watch session). */
const WATCH_REQ = 1;

export class BridgeThreads {
  readonly threads = new Map<string, BridgeThread>();
  private readonly names = new Set<string>();
  private readonly sids = new WeakMap<Session, number>();
  private readonly sessions = new Map<number, Session>();
  private nextSid = 1;
  /** Each thread's last answers (answerOrLast), by bridge name; a thread's go with it (forget). */
  private readonly last = { metrics: new Map<string, MetricsJson>(), state: new Map<string, BridgeView[]>(), fdb: new Map<string, FdbView>() };
  /** The listeners of every bridge's events (the web view), and while there are any the session each thread's monitor streams to. */
  private readonly eventSinks = new Set<EventListener>();
  private watch: { sid: number; close(): void } | undefined;
  /** Each session's socket backlog, told to every thread (a capture there pauses on it). */
  private readonly backlog = new BacklogRelay((sid, bytes) => { for (const t of this.threads.values()) t.reportBacklog(sid, bytes); });

  constructor(private readonly daemon: Daemon, private readonly log: (m: string) => void, private readonly quiet = false) {}

  /** The control socket's handler: every request, routed. */
  handler(): Handler {
    return (req, session) => this.handle(req, session);
  }

  private async handle(req: Request, session: Session): Promise<unknown> {
    const a = req.args ?? {};
    const route = routeOf(req.cmd, a, this.names);
    switch (route.to) {
      case 'local':
        if (req.cmd === 'addif' && this.threads.size > 0) await this.checkFreeFor(str(a, 'port'), this.daemon.get(a['bridge']).bridge.name, null);
        return dispatch(this.daemon, req, session);
      case 'create': return this.create(a);
      case 'delete': await this.stopThread(route.bridge); return null;
      case 'bridge': {
        const t = this.threads.get(route.bridge)!;
        if (req.cmd === 'addif') await this.checkFreeFor(str(a, 'port'), route.bridge, t);
        return this.forward(t, req, session);
      }
      case 'device': {
        const t = await this.ownerThread(route.name);
        return t === null ? dispatch(this.daemon, req, session) : this.forward(t, req, session);
      }
      case 'all': return this.all(req, session);
    }
  }

  /** A session's number for the threads (its streams there end when it closes). */
  private sid(session: Session): number {
    let sid = this.sids.get(session);
    if (sid === undefined) {
      const n = this.nextSid++;
      sid = n;
      this.sids.set(session, n);
      this.sessions.set(n, session);
      session.onClose(() => {
        this.sessions.delete(n);
        this.backlog.forget(n);
        for (const t of this.threads.values()) t.closeSession(n);
      });
    }
    return sid;
  }

  private async forward(t: BridgeThread, req: Request, session: Session): Promise<unknown> {
    const sid = this.sid(session);
    // a stream started on a thread while the client is already behind pauses from its start
    const behind = this.backlog.reported(sid);
    if (behind > 0) t.reportBacklog(sid, behind);
    const r = await t.call({ op: 'control', sid, req });
    return r.streaming ? STREAMING : r.result;
  }

  /** The threads in bridge-name order, as merged rows are ordered. */
  private sorted(): BridgeThread[] {
    return [...this.threads.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  }

  private async all(req: Request, session: Session): Promise<unknown> {
    if (req.cmd === 'config-show') {
      const entries = new Map<string, Record<string, unknown>>();
      for (const t of this.sorted()) entries.set(t.name, await t.ask({ op: 'config-entry' }) as Record<string, unknown>);
      return { yaml: runningConfigYaml(this.daemon, entries), file: this.daemon.source.file ?? null };
    }
    if (req.cmd === 'monitor') return this.monitorAll(req, session);
    const local = await dispatch(this.daemon, req, session);
    const theirs = await Promise.all(this.sorted().map((t) => t.ask({ op: 'control', sid: this.sid(session), req })));
    return mergeReplies(req.cmd, [local, ...theirs]);
  }

  /** monitor of every bridge: the main thread's stream and each thread's, with one hello naming them all. */
  private async monitorAll(req: Request, session: Session): Promise<unknown> {
    const names = () => [...this.daemon.bridges.keys(), ...this.names];
    // the threads' own hellos are dropped on the way in (onEvent); the main thread's names everyone
    const local: Session = {
      event: (id, ev) => session.event(id, isHello(ev) ? { ...ev, bridges: names() } : ev),
      onClose: (fn) => session.onClose(fn),
      get closed() { return session.closed; },
    };
    await dispatch(this.daemon, req, local);
    const sid = this.sid(session);
    this.monitors.add(`${sid}/${req.id}`);
    session.onClose(() => this.monitors.delete(`${sid}/${req.id}`));
    await Promise.all(this.sorted().map((t) => t.call({ op: 'control', sid, req })));
    return STREAMING;
  }
  private readonly monitors = new Set<string>();

  private onStreamEvent(sid: number, id: number, ev: unknown): void {
    if (isHello(ev) && this.monitors.has(`${sid}/${id}`)) return;
    const session = this.sessions.get(sid);
    if (session === undefined) return;
    session.event(id, ev);
    this.backlog.note(sid, session);
  }

  /** The thread whose bridge is name or has a port of that name; null when none does. */
  private async ownerThread(name: string): Promise<BridgeThread | null> {
    if (this.threads.has(name)) return this.threads.get(name)!;
    for (const t of this.threads.values()) {
      if (await t.ask({ op: 'owns', name }) !== null) return t;
    }
    return null;
  }

  /**
   * Refuses port for target when a bridge elsewhere has it or is named like it: each Daemon sees
   * only its own bridges (target's own Daemon checks itself).
   */
  private async checkFreeFor(port: string, target: string, home: BridgeThread | null): Promise<void> {
    const name = portSpec(port).name;
    if (this.names.has(name) || (home !== null && this.daemon.bridges.has(name))) throw bridgeAsPort(name, target);
    if (home !== null) {
      const owner = this.daemon.ownerOf(name);
      if (owner !== undefined) throw portTaken(name, owner, target);
    }
    for (const t of this.threads.values()) {
      if (t === home) continue;
      const owner = await t.ask({ op: 'owns', name }) as string | null;
      if (owner !== null) throw portTaken(name, owner, target);
    }
  }

  private async create(a: Record<string, unknown>): Promise<null> {
    const name = bridgeName(a['bridge']);
    const local = a['local'] === undefined ? true : onOff(a['local'], 'local');
    const mac = optStr(a, 'mac') !== undefined ? formatMac(macArg(a['mac'])) : undefined;
    if (this.daemon.bridges.has(name) || this.names.has(name)) throw bridgeExists(name);
    await this.start({ name, local, mac });
    return null;
  }

  private async start(bridge: Pick<BridgeConfig, 'name'> & Partial<BridgeConfig>): Promise<void> {
    // held while the thread starts, so that a second addbr of the name is refused meanwhile
    this.names.add(bridge.name);
    try {
      const t = await BridgeThread.start(bridge, {
        quiet: this.quiet,
        log: this.log,
        onEvent: (sid, id, ev) => this.onStreamEvent(sid, id, ev),
        onExit: (gone) => {
          if (this.threads.get(gone.name) !== gone) return;
          this.threads.delete(gone.name);
          this.names.delete(gone.name);
          this.forget(gone.name);
        },
      });
      this.threads.set(bridge.name, t);
      // posted before anything else is asked of the thread: the web view misses none of its events
      this.watchThread(t);
    } catch (e) {
      this.names.delete(bridge.name);
      throw e;
    }
  }

  private async stopThread(name: string): Promise<void> {
    const t = this.threads.get(name);
    if (t === undefined) return;
    await t.stop();
    this.threads.delete(name);
    this.names.delete(name);
    this.forget(name);
  }

  private forget(name: string): void {
    for (const m of Object.values(this.last)) m.delete(name);
  }

  /**
   * Applies a config (startup, SIGHUP): bridges without `thread` to the main Daemon, each threaded
   * bridge to its thread (started, reloaded or stopped). A bridge that changes sides is deleted
   * first, and every thread lets go of the ports its bridge no longer has (Daemon.releasePorts)
   * before any bridge adds one, so that the TAPs of either are free for the side that opens them.
   */
  async applyConfig(cfg: Config): Promise<string[]> {
    const done: string[] = [];
    const threaded = new Map(cfg.bridges.filter((b) => b.thread === true).map((b) => [b.name, b]));
    for (const name of [...this.threads.keys()]) {
      if (!threaded.has(name)) { await this.stopThread(name); done.push(`removed bridge ${name} (thread)`); }
    }
    for (const [name, t] of this.threads) done.push(...await t.ask({ op: 'release', bridge: threaded.get(name)! }) as string[]);
    done.push(...await this.daemon.applyConfig({ ...cfg, bridges: cfg.bridges.filter((b) => b.thread !== true) }));
    for (const b of threaded.values()) {
      const t = this.threads.get(b.name);
      if (t === undefined) { await this.start(b); done.push(`added bridge ${b.name} (thread)`); continue; }
      done.push(...await t.ask({ op: 'apply', bridge: b }) as string[]);
    }
    return done;
  }

  /** c's answer from thread t within ANSWER_TIMEOUT_MS, else t's last one (answerOrLast). */
  private askOrLast<T>(t: BridgeThread, c: ThreadCall, last: Map<string, T>): Promise<T | undefined> {
    return answerOrLast(() => t.ask(c) as Promise<T>, last, t.name, ANSWER_TIMEOUT_MS, (e) => this.log(`${c.op} of bridge ${t.name}: ${e.message}`));
  }

  /** Each thread's softbr_ metrics; a thread slower than ANSWER_TIMEOUT_MS gives its last ones. */
  async metrics(): Promise<MetricsJson[]> {
    return Promise.all(this.sorted().map(async (t) => (await this.askOrLast(t, { op: 'metrics' }, this.last.metrics)) ?? []));
  }

  /**
   * The web view's bridges: the main thread's and each thread's, a threaded bridge's views made on
   * its thread (a slow thread: its last ones, or none yet), and every bridge's events.
   */
  webViews(): WebViews {
    return {
      bridges: async () => {
        const theirs = await Promise.all(this.sorted().map(async (t) => (await this.askOrLast(t, { op: 'web-state' }, this.last.state)) ?? []));
        return mergeBridgeViews([bridgeViews(this.daemon), ...theirs]);
      },
      fdb: async (name) => {
        const t = this.threads.get(name);
        if (t === undefined) return fdbView(this.daemon, name);
        return (await this.askOrLast(t, { op: 'web-fdb' }, this.last.fdb)) ?? null;
      },
      onEvent: (fn) => this.onBridgeEvent(fn),
    };
  }

  /** Every bridge's events, the main thread's and each thread's, current and future (Daemon.onEvent for all); returns the unsubscribe. */
  private onBridgeEvent(fn: EventListener): () => void {
    const offLocal = this.daemon.onEvent(fn);
    this.eventSinks.add(fn);
    if (this.watch === undefined) {
      this.watch = this.openWatch();
      for (const t of this.threads.values()) this.watchThread(t);
    }
    return () => {
      offLocal();
      this.eventSinks.delete(fn);
      if (this.eventSinks.size > 0 || this.watch === undefined) return;
      const w = this.watch;
      this.watch = undefined;
      w.close();
    };
  }

  /**
   * A control session of the daemon's own, to which each thread streams its bridge's events with
   * the monitor verb (as `softbr monitor` gets them: rate-limited in the bridge, nothing on the
   * frame path); closing it ends those monitors on every thread.
   */
  private openWatch(): { sid: number; close(): void } {
    const closers: (() => void)[] = [];
    let closed = false;
    const session: Session = {
      event: (_id, ev) => { if (!isHello(ev)) for (const fn of this.eventSinks) fn(ev as BridgeEvent & { time: number }); },
      onClose: (fn) => { if (closed) fn(); else closers.push(fn); },
      get closed() { return closed; },
    };
    return { sid: this.sid(session), close: () => { closed = true; for (const fn of closers.splice(0)) fn(); } };
  }

  /** Starts t's monitor on the watch session, while the web view listens. */
  private watchThread(t: BridgeThread): void {
    if (this.watch === undefined) return;
    t.call({ op: 'control', sid: this.watch.sid, req: { id: WATCH_REQ, cmd: 'monitor' } })
      .catch((e: Error) => this.log(`events of bridge ${t.name} for the web view: ${e.message}`));
  }

  /** Stops every thread (each deletes its bridge), bounded per thread. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.threads.keys()].map((n) => this.stopThread(n)));
  }

  /**
   * shutdown() for the crash path, which has to exit without awaiting: asks every thread to delete
   * its bridge (the same 'shutdown' call), runs meanwhile (the main thread's own shutdown) while
   * they do, then blocks until each has closed its devices, timeoutMs in all. Returns the names of
   * the threads that had not by then.
   */
  shutdownBlocking(meanwhile: () => void, timeoutMs = CRASH_STOP_TIMEOUT_MS): string[] {
    const deadline = Date.now() + timeoutMs;
    const ts = [...this.threads.values()];
    for (const t of ts) t.requestStop();
    try {
      meanwhile();
    } catch (e) {
      this.log(`closing the main thread's bridges: ${(e as Error).message}`);
    }
    return ts.filter((t) => !t.waitClosed(deadline)).map((t) => t.name);
  }
}

function isHello(ev: unknown): ev is { type: 'hello'; bridges: string[] } {
  return typeof ev === 'object' && ev !== null && (ev as { type?: unknown }).type === 'hello';
}
