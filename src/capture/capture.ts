// A capture session on one bridge port: attaches a CaptureRing to the port's capture hook, drains
// it off the fast path (once per burst via setImmediate, plus a slow backstop timer), enforces the
// count and duration limits, and detaches when it ends, however it ends.
import type { BridgePort } from '../bridge/port.js';
import { CaptureRing, attachCapture, detachCapture, type Direction, type RingOptions } from './ring.js';

export interface CaptureOptions extends Omit<RingOptions, 'onFirst'> {
  /** End after this many ms (0/undefined = no limit). */
  durationMs?: number;
  /** Backstop drain and liveness check period, ms (default 50). */
  pollMs?: number;
  /** Checked on every poll: false ends the capture ('port-gone'), e.g. once the port is removed. */
  alive?: () => boolean;
  /**
   * Checked before each drain: true leaves frames in the ring (the consumer is backed up, e.g. a
   * slow client's socket buffer is full). The ring then fills and counts drops, so memory stays
   * bounded by the ring instead of growing in the consumer.
   */
  paused?: () => boolean;
}

export type CaptureEndReason = 'count' | 'duration' | 'stopped' | 'port-gone' | 'error';

export interface CaptureResult {
  /** Frames handed to the consumer. */
  captured: number;
  /** Frames the capture missed because its ring was full (forwarding was not affected). */
  dropped: number;
  reason: CaptureEndReason;
  /** Set when reason is 'error' (the consumer threw). */
  error?: string;
  durationMs: number;
}

/** A captured frame; data is a view into the ring, valid only during the call (copy to keep). */
export interface CapturedFrame {
  dir: 'in' | 'out';
  /** Wall-clock ms with µs precision. */
  tsMs: number;
  data: Uint8Array;
  /** Length on the wire (data may be shorter with a snaplen). */
  origLen: number;
}

export class Capture {
  readonly ring: CaptureRing;
  readonly done: Promise<CaptureResult>;
  readonly direction: Direction;
  private resolve!: (r: CaptureResult) => void;
  private finished = false;
  private kickPending = false;
  private readonly started = performance.now();
  private poll: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private readonly drainFn: (dir: 0 | 1, tsMs: number, data: Uint8Array, origLen: number) => void;
  private readonly paused: (() => boolean) | undefined;

  constructor(readonly port: BridgePort, opts: CaptureOptions, onFrame: (f: CapturedFrame) => void) {
    this.direction = opts.direction ?? 'both';
    const durationMs = opts.durationMs ?? 0;
    if (!(durationMs >= 0) || !Number.isFinite(durationMs)) throw new RangeError(`capture duration ${durationMs} ms: must be ≥ 0`);
    this.ring = new CaptureRing({ ...opts, onFirst: () => this.kick() });
    this.paused = opts.paused;
    this.done = new Promise((r) => { this.resolve = r; });
    // one reusable record object: the consumer must not keep it past the call
    const rec: CapturedFrame = { dir: 'in', tsMs: 0, data: new Uint8Array(0), origLen: 0 };
    this.drainFn = (dir, tsMs, data, origLen) => {
      rec.dir = dir === 0 ? 'in' : 'out'; rec.tsMs = tsMs; rec.data = data; rec.origLen = origLen;
      onFrame(rec);
    };
    attachCapture(port, this.ring); // throws (nothing started yet) when the port has too many
    const pollMs = opts.pollMs ?? 50;
    this.poll = setInterval(() => {
      if (opts.alive && !opts.alive()) { this.finish('port-gone'); return; }
      this.drain();
    }, pollMs);
    if (durationMs > 0) this.deadline = setTimeout(() => this.finish('duration'), durationMs);
  }

  /** Counts so far. */
  get stats(): { captured: number; dropped: number; pending: number } {
    return { captured: this.ring.delivered, dropped: this.ring.dropped, pending: this.ring.pending };
  }

  get running(): boolean { return !this.finished; }

  /** Ends the capture now; frames already in the ring are still delivered. */
  stop(reason: CaptureEndReason = 'stopped'): Promise<CaptureResult> {
    this.finish(reason);
    return this.done;
  }

  /** Called by the ring on its first frame after being empty: one drain per burst, not per frame. */
  private kick(): void {
    if (this.kickPending || this.finished) return;
    this.kickPending = true;
    setImmediate(() => { this.kickPending = false; this.drain(); });
  }

  private drain(): void {
    if (this.finished || (this.paused !== undefined && this.paused())) return;
    try {
      this.ring.drain(this.drainFn);
    } catch (e) {
      this.finish('error', (e as Error).message ?? String(e));
      return;
    }
    if (this.ring.full) this.finish('count');
  }

  private finish(reason: CaptureEndReason, error?: string): void {
    if (this.finished) return;
    this.ring.stopped = true;
    detachCapture(this.port, this.ring);
    if (this.poll) clearInterval(this.poll);
    if (this.deadline) clearTimeout(this.deadline);
    // deliver what is still queued (unless the consumer is what failed)
    if (reason !== 'error') {
      try { this.ring.drain(this.drainFn); } catch (e) { reason = 'error'; error = (e as Error).message ?? String(e); }
    }
    this.finished = true;
    this.resolve({
      captured: this.ring.delivered, dropped: this.ring.dropped, reason,
      ...(error !== undefined ? { error } : {}),
      durationMs: Math.round(performance.now() - this.started),
    });
  }
}

/** Starts capturing on port; see Capture. Throws RangeError on bad options or too many captures. */
export function startCapture(port: BridgePort, opts: CaptureOptions, onFrame: (f: CapturedFrame) => void): Capture {
  return new Capture(port, opts, onFrame);
}
