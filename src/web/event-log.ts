// The web view's event stream: the last events of every bridge in a bounded log with sequence
// numbers, read by long poll (`/api/events?since=N` answers at once when there is news, else
// when the next event comes or after a timeout), so the page needs no websocket.
import type { BridgeEvent } from '../bridge/events.js';

export type LoggedEvent = BridgeEvent & { time: number; seq: number };

const KEEP = 1000;
const WAIT_MS = 20_000;

export class EventLog {
  private readonly events: LoggedEvent[] = [];
  private seq = 0;
  private readonly waiters = new Set<() => void>();

  push(e: BridgeEvent & { time: number }): void {
    this.events.push({ ...e, seq: ++this.seq });
    if (this.events.length > KEEP) this.events.splice(0, this.events.length - KEEP);
    for (const w of [...this.waiters]) w();
  }

  /** Events after `since` (all kept ones for since < 0); waits up to waitMs for the first. */
  async after(since: number, waitMs = WAIT_MS, closed?: Promise<void>): Promise<{ seq: number; events: LoggedEvent[] }> {
    const now = () => ({ seq: this.seq, events: this.events.filter((e) => e.seq > since) });
    if (since < this.seq) return now();
    await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(t); this.waiters.delete(done); resolve(); };
      const t = setTimeout(done, waitMs);
      this.waiters.add(done);
      void closed?.then(done);
    });
    return now();
  }

  /** Wakes every waiting poll (the server is closing). */
  close(): void {
    for (const w of [...this.waiters]) w();
  }
}
