// Tells the bridge threads how many bytes wait unsent on a control client's socket
// (Session.backlog), so that a capture on a thread pauses for a slow client as one on the main
// thread does (observe.ts `paused`): the worker's stand-in of the session (bridge-worker.ts) has
// no socket to look at. A session's backlog is reported when it has moved by BACKLOG_STEP since
// the last report: after each event a thread streamed to it (it only grows by writes), and, while
// the last report was not zero, on a slow timer, since a socket empties with no write to notice it.
import type { Session } from './server.js';

/** How far a session's backlog moves before the threads hear of it: the threads' view is at most this stale. */
export const BACKLOG_STEP = 256 << 10;
/** How often a backlogged session is looked at again while it empties (as often as a capture polls). */
export const BACKLOG_POLL_MS = 50;

const stepOf = (bytes: number) => Math.floor(bytes / BACKLOG_STEP);

export class BacklogRelay {
  /** The sessions last reported with a non-zero backlog, and what was reported. */
  private readonly behind = new Map<number, { session: Session; bytes: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (sid: number, bytes: number) => void) {}

  /** Session sid's backlog may have changed: report it when it moved to another step. */
  note(sid: number, session: Session): void {
    const bytes = session.backlog ?? 0;
    const step = stepOf(bytes);
    const last = this.behind.get(sid);
    if (stepOf(last?.bytes ?? 0) === step) return;
    if (step === 0) this.behind.delete(sid);
    else if (last === undefined) this.behind.set(sid, { session, bytes });
    else last.bytes = bytes;
    this.send(sid, bytes);
    this.schedule();
  }

  /** The backlog last reported for sid (0 when none was, or it was back under a step). */
  reported(sid: number): number {
    return this.behind.get(sid)?.bytes ?? 0;
  }

  /** Session sid went away. */
  forget(sid: number): void {
    this.behind.delete(sid);
    this.schedule();
  }

  private schedule(): void {
    if (this.behind.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    } else if (this.timer === undefined) {
      this.timer = setInterval(() => { for (const [sid, r] of [...this.behind]) this.note(sid, r.session); }, BACKLOG_POLL_MS);
      // a client's backlog never keeps the daemon alive
      this.timer.unref();
    }
  }
}
