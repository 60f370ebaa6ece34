// Busy polling's setting; the addon's busy-poll.cc does the loop mechanics. SOFTBR_BUSY_POLL in
// the environment is the window in microseconds: after each wakeup that brought frames, the
// thread's event loop polls without sleeping for that long, so a frame that follows within it is
// taken by a running thread instead of one woken from sleep. `softbr daemon --busy-poll USEC`
// sets the variable, and bridge threads copy the environment when they start, so every thread
// that loads the addon applies the same window. Off (0) by default: it costs a core while it spins.

export const BUSY_POLL_ENV = 'SOFTBR_BUSY_POLL';
export const BUSY_POLL_MAX_US = 1_000_000;

/** The window the environment asks for (0 when unset), or why its value is refused. */
export function busyPollSetting(env: NodeJS.ProcessEnv = process.env): { us: number } | { error: string } {
  const v = env[BUSY_POLL_ENV];
  if (v === undefined || v === '' || v === 'off') return { us: 0 };
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n <= BUSY_POLL_MAX_US)) {
    return { error: `invalid ${BUSY_POLL_ENV} '${v}': expected microseconds, an integer from 0 to ${BUSY_POLL_MAX_US} (or off)` };
  }
  return { us: n };
}
