// Time for the engine: an injected clock in milliseconds, so ageing and STP timers run on a
// virtual clock in tests and simulations and on the monotonic clock in the daemon.

export interface Clock {
  /** Milliseconds on a monotonic scale; only differences matter. */
  now(): number;
}

export class SystemClock implements Clock {
  now(): number { return performance.now(); }
}

export class VirtualClock implements Clock {
  private t: number;
  constructor(startMs = 0) { this.t = startMs; }
  now(): number { return this.t; }
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock backwards (${ms} ms)`);
    this.t += ms;
  }
  set(ms: number): void { this.t = ms; }
}
