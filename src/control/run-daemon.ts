// `softbr daemon`: loads the config, serves the control socket, runs until SIGTERM/SIGINT (clean
// exit, TAPs it created deleted) and reloads the config on SIGHUP. The daemon's entry point: the
// CLI's `daemon` verb loads it (lazily) and runs it in its own process. Under systemd it reports
// readiness (notify.ts) once the config is applied and the socket listens.
import { resolve } from 'node:path';
import { Daemon } from './daemon.js';
import { loadConfig, type Config } from './config.js';
import { serveControl, claimPath } from './server.js';
import './handler.js';
import { BridgeThreads, CRASH_STOP_TIMEOUT_MS } from './bridge-threads.js';
import { registerTestHooks } from './test-hooks.js';
import { controlPath, UserError } from './protocol.js';
import { numIn } from './args.js';
import { BUSY_POLL_ENV, BUSY_POLL_MAX_US, busyPollSetting, native } from '../native/index.js';
import { serveMetrics } from '../metrics/server.js';
import { missingNetCaps, CAPABILITY_USES } from './capabilities.js';
import { groupId } from './control-group.js';
import { notifyReady } from './notify.js';

/** Where metrics are served when neither the command line nor the config says. */
export const DEFAULT_METRICS = '127.0.0.1:9477';

export interface DaemonCliOptions {
  config?: string;
  control?: string;
  metrics?: string | false;
  quiet?: boolean;
  /** Group (name or gid) that may use the control socket (mode 0660). */
  controlGroup?: string;
  /** A lab's state file, for the web view's hosts and links. */
  topology?: string;
  /** --busy-poll: microseconds the event loop spins after frames (busy-poll.ts); unset: SOFTBR_BUSY_POLL's. */
  busyPoll?: string;
}

/**
 * The busy-poll window, checked before anything is made. The flag becomes the environment's
 * setting, which the bridge threads copy when they start; this thread's loop gets it now.
 */
function applyBusyPoll(flag: string | undefined, log: (m: string) => void): void {
  if (flag !== undefined) process.env[BUSY_POLL_ENV] = String(numIn(flag, 'busy-poll window (microseconds)', 0, BUSY_POLL_MAX_US, true));
  const busy = busyPollSetting();
  if ('error' in busy) throw new UserError(busy.error);
  if (busy.us === 0) return;
  native().setBusyPoll(busy.us);
  log(`busy polling: each thread's event loop spins for ${busy.us} µs after a wakeup that brought frames (a core while it spins)`);
}

export async function runDaemon(opts: DaemonCliOptions): Promise<void> {
  const log = (m: string) => { if (!opts.quiet) process.stderr.write(`softbr: ${m}\n`); };
  registerTestHooks();
  let cfg: Config = { bridges: [] };
  if (opts.config) cfg = loadConfig(opts.config); // a bad config throws (UserError) before anything is created
  applyBusyPoll(opts.busyPoll, log);
  const gid = opts.controlGroup === undefined ? undefined : groupId(opts.controlGroup);
  const missing = missingNetCaps();
  if (missing.length === 2) {
    throw new Error('softbr daemon needs root, or CAP_NET_ADMIN and CAP_NET_RAW (it opens TAP devices and raw sockets): run it with sudo or as the systemd unit does');
  }
  for (const cap of missing) log(`warning: no ${cap}: ${CAPABILITY_USES[cap]} will fail`);
  const path = controlPath(opts.control ?? cfg.control);
  // a daemon already on this socket: refuse before touching any device it holds
  await claimPath(path);
  const daemon = new Daemon({ log });
  // the bridges with `thread: true` / addbr --thread, each on its own worker thread
  const threads = new BridgeThreads(daemon, log, opts.quiet ?? false);
  daemon.source = { file: opts.config === undefined ? undefined : resolve(opts.config), control: cfg.control, metrics: cfg.metrics };
  let server: Awaited<ReturnType<typeof serveControl>> | undefined;
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: closing ports and exiting`);
    // the threads delete their bridges (bounded: STOP_TIMEOUT_MS each), in parallel with ours
    const threadsDone = threads.shutdown();
    daemon.shutdown();
    extra.forEach((f) => f());
    server?.close();
    void threadsDone.finally(() => {
      // let the socket unlink run, then leave even if a client still holds a connection
      setTimeout(() => process.exit(0), 50).unref();
      process.exitCode = 0;
    });
  };
  const extra: (() => void)[] = [];
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // a bug must not leave devices behind: close everything (restoring offloads) and exit non-zero;
  // the bridge threads close theirs too (bounded), since exiting ends them where they stand
  process.on('uncaughtException', (e) => {
    log(`internal error, shutting down: ${e.stack ?? e.message}`);
    try {
      const late = threads.shutdownBlocking(() => { daemon.shutdown(); server?.close(); });
      if (late.length > 0) log(`bridges whose threads did not close their devices within ${CRASH_STOP_TIMEOUT_MS} ms: ${late.join(', ')}`);
    } finally {
      process.exit(70);
    }
  });
  try {
    await threads.applyConfig(cfg);
    server = await serveControl(path, threads.handler(), { log, group: gid });
  } catch (e) {
    await threads.shutdown();
    daemon.shutdown();
    throw e;
  }
  try {
    extra.push(...await startExtras(daemon, threads, opts.metrics ?? cfg.metrics ?? DEFAULT_METRICS, log, opts.topology));
  } catch (e) {
    // nothing half-started: ports closed, TAPs deleted, socket removed
    await threads.shutdown();
    daemon.shutdown();
    server.close();
    throw e;
  }
  process.on('SIGHUP', () => {
    if (!opts.config) { log('SIGHUP: no config file to reload'); return; }
    let next: Config;
    try {
      next = loadConfig(opts.config);
      daemon.source = { ...daemon.source, control: next.control, metrics: next.metrics };
    } catch (e) {
      log(`SIGHUP: config not reloaded, nothing changed: ${(e as Error).message}`);
      return;
    }
    threads.applyConfig(next).then(
      (done) => log(`SIGHUP: reloaded ${opts.config}${done.length ? ': ' + done.join('; ') : ' (no changes)'}`),
      (e: Error) => log(`SIGHUP: reload failed part way: ${e.message}`),
    );
  });
  const ready = `listening on ${path}${cfg.bridges.length ? `; bridges: ${cfg.bridges.map((b) => b.name).join(', ')}` : ''}`;
  log(ready);
  await notifyReady(ready, log);
}

/** Services beside the control socket (metrics and the web view over HTTP); each returns its stop function. */
async function startExtras(daemon: Daemon, threads: BridgeThreads, metrics: string | false | undefined, log: (m: string) => void, topology?: string): Promise<(() => void)[]> {
  const stops: (() => void)[] = [];
  if (metrics) {
    const m = await serveMetrics(daemon, metrics, { topology, remote: () => threads.metrics(), views: threads.webViews() });
    log(`metrics on ${m.url}; web view on ${m.url.replace(/\/metrics$/, '/')}`);
    stops.push(() => { void m.close(); });
  }
  return stops;
}
