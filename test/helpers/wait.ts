// Waiting in tests for something real to happen (a port to come up, a daemon to answer), by polling.

/** Polls cond every 100 ms until it holds or timeoutMs passes; returns whether it held. */
export async function until(cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
